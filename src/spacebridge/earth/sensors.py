"""Sensor registry: bands, wavelengths, radiometric rules and capabilities of the sensors spacebridge reads.

The registry is data: one frozen :class:`Sensor` per product family, each with its :class:`Band` objects. Band
variables in every loaded scene are named by their STAC EO common name (``blue``, ``nir``, ``swir16``...; see
https://github.com/stac-extensions/eo#common-band-names), or by their own name when no common name exists
(MODIS band 5, the MOD13Q1 ``ndvi`` layer, quality bands). The band tables, with their official sources, are in
:mod:`spacebridge.earth._sensor_table`.

Radiometry. ``physical = DN * scale + offset`` where ``scale``/``offset`` come, in order, from the product's
metadata (STAC ``raster:bands`` / ``raster:scale``, Earth Search's ``earthsearch:boa_offset_applied``, the
Sentinel-2 processing baseline, the Landsat MTL) and else from the sensor's documented defaults
(:func:`band_scale_offset`, in :mod:`spacebridge.earth.radiometry`). SAR is harmonised to decibels
(:func:`linear_to_db`, :func:`db_to_linear`).

Capabilities. :meth:`Sensor.supports` says whether a spectral index can be computed from the sensor's bands;
:func:`check_index` raises :class:`~spacebridge.core.errors.CapabilityError` naming substitutes, e.g. MNDWI on
SPOT 6/7 (no SWIR band) suggests NDWI on the same sensor or SAR water mapping.

Example
-------
>>> from spacebridge.earth.sensors import get_sensor
>>> s2 = get_sensor("sentinel-2-l2a")
>>> s2.band("B11").common_name, s2.band("swir16").center_wavelength_um
('swir16', 1.6137)
>>> get_sensor("spot-6-7").supports("MNDWI")
False
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from spacebridge.core.errors import CapabilityError, MissingBandError, NotFoundError
from spacebridge.earth.radiometry import (  # re-exported: part of this module's interface
    ScaleOffset,
    band_scale_offset,
    db_to_linear,
    linear_to_db,
    sentinel2_offset_dn,
)

__all__ = [
    "ANALYSES",
    "Band",
    "ScaleOffset",
    "Sensor",
    "band_scale_offset",
    "check_analysis",
    "check_index",
    "db_to_linear",
    "get_sensor",
    "linear_to_db",
    "list_sensors",
    "sentinel2_offset_dn",
]


BandKind = Literal["reflectance", "sar", "temperature", "index", "qa", "class"]
Quantity = Literal[
    "toa_reflectance", "surface_reflectance", "sigma0_db", "gamma0_db", "vegetation_index", "classification"
]


@dataclass(frozen=True)
class Band:
    """One band of a sensor's product.

    ``scale``, ``offset`` and ``nodata`` are the documented defaults for the product, in the units of the stored
    values (digital numbers); the loader overrides them with the product's own metadata when present.
    """

    name: str
    """Band id in the product, e.g. ``"B03"`` (Sentinel-2), ``"SR_B3"`` (Landsat C2 L2)."""
    common_name: str | None
    """STAC EO common name, ``None`` when the band has none."""
    center_wavelength_um: float | None
    full_width_half_max_um: float | None
    resolution_m: float
    aliases: tuple[str, ...] = ()
    """Other names: STAC asset keys in Earth Search, Planetary Computer and CDSE; band descriptions in files."""
    kind: BandKind = "reflectance"
    scale: float = 1.0
    offset: float = 0.0
    nodata: float | None = None
    valid_min: float | None = None
    """Smallest valid stored value (DN); below is invalid."""
    valid_max: float | None = None
    """Largest valid stored value (DN); above is invalid (saturated or out of range)."""
    unit: str = "1"

    @property
    def key(self) -> str:
        """Variable name in a loaded scene: the common name, else the lower-case band name."""
        return self.common_name or self.name.lower()

    def names(self) -> tuple[str, ...]:
        """Every name the band answers to (key, band id, aliases)."""
        return (self.key, self.name, *self.aliases)

    def matches(self, label: str) -> bool:
        wanted = _norm(label)
        return any(_norm(n) == wanted for n in self.names())


@dataclass(frozen=True)
class Sensor:
    """A sensor's product family: bands, radiometry, STAC collections, references."""

    id: str
    name: str
    platforms: tuple[str, ...]
    instrument: str
    level: str
    quantity: Quantity
    bands: tuple[Band, ...]
    radiometry_rule: Literal["fixed", "sentinel-2-baseline", "landsat-l1-mtl", "sar"] = "fixed"
    stac_collections: tuple[tuple[str, str], ...] = ()
    """``(catalogue, collection id)`` pairs: ``earth-search``, ``planetary-computer``, ``cdse``."""
    references: tuple[str, ...] = field(default=(), compare=False)

    @property
    def band_keys(self) -> tuple[str, ...]:
        return tuple(b.key for b in self.bands)

    @property
    def is_sar(self) -> bool:
        return self.quantity in ("sigma0_db", "gamma0_db")

    def find_band(self, label: str) -> Band | None:
        """The band named ``label`` (common name, band id or alias, case-insensitive), or ``None``."""
        for band in self.bands:
            if band.matches(label):
                return band
        return None

    def band(self, label: str) -> Band:
        """Like :meth:`find_band` but raises :class:`MissingBandError` naming the bands that exist."""
        found = self.find_band(label)
        if found is None:
            raise MissingBandError(
                f"sensor {self.id!r} has no band {label!r}; it has {', '.join(self.band_keys)}",
                hint="Use one of those names (STAC common names or the product's band ids)",
                sensor=self.id,
                band=label,
                available=list(self.band_keys),
            )
        return found

    def supports(self, index: str) -> bool:
        """Whether spectral index ``index`` (a spyndex catalogue name, case-insensitive) can be computed."""
        from spacebridge.earth import indices

        try:
            spec = indices.get_index(index)
        except NotFoundError:
            return False
        return indices.resolve_bands(spec, self.band_keys) is not None

    def supported_indices(self) -> tuple[str, ...]:
        """Every catalogue index this sensor's bands can feed."""
        from spacebridge.earth import indices

        return indices.list_indices(bands=self.band_keys)

    def supports_analysis(self, analysis: str) -> bool:
        """Whether ``analysis`` (a key of :data:`ANALYSES`) can run on this sensor."""
        needs = ANALYSES.get(analysis)
        if needs is None:
            raise NotFoundError(
                f"unknown analysis {analysis!r}",
                hint=f"Known analyses: {', '.join(sorted(ANALYSES))}",
                analysis=analysis,
            )
        return any(self._satisfies(option) for option in needs)

    def _satisfies(self, option: str) -> bool:
        if option.startswith("band:"):
            return self.find_band(option[5:]) is not None
        return self.supports(option)

    def collection(self, catalogue: str) -> str | None:
        """The STAC collection id of this product in ``catalogue`` (``earth-search``, ``planetary-computer``...)."""
        return dict(self.stac_collections).get(catalogue)


#: Analyses and what each needs: any one of the listed indices, or ``band:<name>`` for a band.
ANALYSES: Mapping[str, tuple[str, ...]] = {
    "water-optical": ("MNDWI", "NDWI"),
    "flood-optical": ("MNDWI", "NDWI"),
    "water-sar": ("band:vv", "band:vh", "band:hh", "band:hv"),
    "flood-sar": ("band:vv", "band:vh", "band:hh", "band:hv"),
    "burn": ("NBR",),
    "burn-severity": ("NBR",),
    "snow": ("NDSI",),
    "drought": ("NDVI",),
    "vegetation": ("NDVI",),
    "moisture": ("NDMI",),
    "glacier": ("band:swir16",),  # red/SWIR ratio or NDSI: both need SWIR 1.6 um (Paul et al. 2002)
}

#: Substitutes proposed when an index cannot be computed; "SAR" means a SAR sensor (sentinel-1-grd).
_SUBSTITUTES: Mapping[str, tuple[str, ...]] = {
    "MNDWI": ("NDWI", "SAR"),
    "AWEINSH": ("NDWI", "SAR"),
    "AWEISH": ("NDWI", "SAR"),
    "NBR": ("BAI", "NDVI"),
    "NBR2": ("BAI",),
    "NDMI": ("NDWI",),
    "NDSI": (),
    "BAIS2": ("BAI",),
}
_ANALYSIS_SUBSTITUTES: Mapping[str, tuple[str, ...]] = {
    "water-optical": ("water-sar",),
    "flood-optical": ("flood-sar",),
    "water-sar": ("water-optical",),
    "flood-sar": ("flood-optical",),
}


def _norm(label: str) -> str:
    return label.strip().lower().replace(" ", "").replace("-", "_")


@functools.cache
def _registry() -> Mapping[str, Sensor]:
    from spacebridge.earth._sensor_table import SENSORS

    return {s.id: s for s in SENSORS}


def list_sensors() -> tuple[str, ...]:
    """Ids of every registered sensor, sorted."""
    return tuple(sorted(_registry()))


def get_sensor(sensor_id: str | Sensor) -> Sensor:
    """The :class:`Sensor` registered as ``sensor_id`` (case-insensitive; a :class:`Sensor` is returned as is)."""
    if isinstance(sensor_id, Sensor):
        return sensor_id
    found = _registry().get(sensor_id.strip().lower())
    if found is None:
        raise NotFoundError(
            f"unknown sensor {sensor_id!r}",
            hint=f"Known sensors: {', '.join(list_sensors())}",
            sensor=sensor_id,
            known=list(list_sensors()),
        )
    return found


def _substitutes_on(sensor: Sensor, names: Iterable[str]) -> list[str]:
    out = []
    for name in names:
        if name == "SAR":
            if not sensor.is_sar:
                out.append("SAR water mapping (a Sentinel-1 scene, sensor 'sentinel-1-grd')")
        elif sensor.supports(name):
            out.append(f"{name} on this sensor")
    return out


def check_index(sensor: Sensor | str, index: str) -> None:
    """Raise :class:`CapabilityError` unless ``sensor`` can compute ``index``; the message names substitutes."""
    from spacebridge.earth import indices

    sensor = get_sensor(sensor)
    spec = indices.get_index(index)
    if indices.resolve_bands(spec, sensor.band_keys) is not None:
        return
    missing = [b for b in indices.required_bands(spec) if not any(sensor.find_band(a) for a in b.split("|"))]
    subs = _substitutes_on(sensor, _SUBSTITUTES.get(spec.name.upper(), ()))
    subs_text = "; substitutes: " + ", ".join(subs) if subs else "; no substitute on this sensor"
    raise CapabilityError(
        f"sensor {sensor.id!r} ({sensor.name}) cannot compute {spec.name}: it needs "
        f"{', '.join(missing)}, which this sensor does not have{subs_text}",
        hint="Choose one of the substitutes or a sensor with those bands (e.g. sentinel-2-l2a, landsat-c2-l2)",
        sensor=sensor.id,
        index=spec.name,
        missing=missing,
        substitutes=subs,
    )


def check_analysis(sensor: Sensor | str, analysis: str) -> None:
    """Raise :class:`CapabilityError` unless ``analysis`` (see :data:`ANALYSES`) can run on ``sensor``."""
    sensor = get_sensor(sensor)
    if sensor.supports_analysis(analysis):
        return
    subs = [f"{a} on this sensor" for a in _ANALYSIS_SUBSTITUTES.get(analysis, ()) if sensor.supports_analysis(a)]
    for index in ANALYSES[analysis]:
        subs += [s for s in _substitutes_on(sensor, _SUBSTITUTES.get(index.upper(), ())) if s not in subs]
    label = "substitutes"
    if not subs:  # nothing else on this sensor: name the sensors that can run it
        subs = [other for other in list_sensors() if get_sensor(other).supports_analysis(analysis)]
        label = "sensors that can"
    needs = ", ".join(f"the {n[5:]} band" if n.startswith("band:") else n for n in ANALYSES[analysis])
    raise CapabilityError(
        f"sensor {sensor.id!r} ({sensor.name}) cannot run {analysis!r}: it needs one of {needs}"
        + (f"; {label}: {', '.join(subs)}" if subs else ""),
        hint="Use a sensor with the needed bands (e.g. sentinel-2-l2a, landsat-c2-l2)",
        sensor=sensor.id,
        analysis=analysis,
        substitutes=subs,
    )
