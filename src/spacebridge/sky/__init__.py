"""sky: telescope visibility, constraints, scheduling inputs and satellite passes for the Kazakh observatories.

Public API (see each module for details and references):

- sites: :func:`get_site`, :func:`list_sites`, :func:`load_sites`, :class:`Site`, :class:`Telescope`
- nights: :func:`night_of` -> :class:`Night` (sunset, twilights, sunrise in UTC for a local evening date)
- targets: :func:`fixed_targets`, :func:`targets_from_records` -> :class:`FixedTargets`
- visibility: :func:`compute_visibility` -> :class:`VisibilityGrid` (targets x times), :func:`time_grid`
- constraints: ``*Constraint`` classes and :func:`evaluate_constraints` -> :class:`ConstraintResult`
- satellites: :func:`parse_catalog` (TLE or OMM) -> :class:`SatelliteCatalog`; :func:`find_passes` ->
  :class:`PassSearch` of :class:`SatellitePass`; :func:`satellite_track` -> :class:`SatelliteTrack`;
  :func:`geo_belt` -> :class:`GeoBelt`
- offline astropy: :func:`use_offline_iers`

Nothing heavy is imported with this package: astropy, ERFA and sgp4 load on first use.
"""

from spacebridge.sky.constraints import (
    AirmassConstraint,
    AltitudeConstraint,
    CadenceConstraint,
    Constraint,
    ConstraintMask,
    ConstraintResult,
    DeclinationConstraint,
    HorizonMaskConstraint,
    HourAngleConstraint,
    MoonIlluminationConstraint,
    MoonSeparationConstraint,
    SkyBrightnessConstraint,
    TelescopeLimitsConstraint,
    TimeWindowConstraint,
    TwilightConstraint,
    evaluate_constraints,
)
from spacebridge.sky.frames import use_offline_iers
from spacebridge.sky.geobelt import KAZAKH_GEO_SLOTS_DEG, GeoBelt, geo_belt
from spacebridge.sky.night import TWILIGHT_SUN_ALTITUDE_DEG, Night, night_of
from spacebridge.sky.passes import PassSearch, SatellitePass, find_passes
from spacebridge.sky.satellites import SatelliteCatalog, parse_catalog, parse_omm, parse_tle
from spacebridge.sky.sites import Site, Telescope, get_site, list_sites, load_sites
from spacebridge.sky.targets import FixedTargets, fixed_targets, targets_from_records
from spacebridge.sky.tracks import SatelliteTrack, satellite_track
from spacebridge.sky.visibility import VisibilityGrid, compute_visibility, time_grid

__all__ = [
    "KAZAKH_GEO_SLOTS_DEG",
    "TWILIGHT_SUN_ALTITUDE_DEG",
    "AirmassConstraint",
    "AltitudeConstraint",
    "CadenceConstraint",
    "Constraint",
    "ConstraintMask",
    "ConstraintResult",
    "DeclinationConstraint",
    "FixedTargets",
    "GeoBelt",
    "HorizonMaskConstraint",
    "HourAngleConstraint",
    "MoonIlluminationConstraint",
    "MoonSeparationConstraint",
    "Night",
    "PassSearch",
    "SatelliteCatalog",
    "SatellitePass",
    "SatelliteTrack",
    "Site",
    "SkyBrightnessConstraint",
    "Telescope",
    "TelescopeLimitsConstraint",
    "TimeWindowConstraint",
    "TwilightConstraint",
    "VisibilityGrid",
    "compute_visibility",
    "evaluate_constraints",
    "find_passes",
    "fixed_targets",
    "geo_belt",
    "get_site",
    "list_sites",
    "load_sites",
    "night_of",
    "parse_catalog",
    "parse_omm",
    "parse_tle",
    "satellite_track",
    "targets_from_records",
    "time_grid",
    "use_offline_iers",
]
