"""Constraint masks, per-target parameters and the reasons given for unobservable targets."""

import numpy as np
import pytest

import spacebridge.sky as sky
from spacebridge.core.errors import InvalidInputError, OutOfRangeError
from spacebridge.sky import (
    AirmassConstraint,
    AltitudeConstraint,
    CadenceConstraint,
    DeclinationConstraint,
    HorizonMaskConstraint,
    HourAngleConstraint,
    MoonIlluminationConstraint,
    MoonSeparationConstraint,
    SkyBrightnessConstraint,
    TelescopeLimitsConstraint,
    TimeWindowConstraint,
    TwilightConstraint,
    compute_visibility,
    evaluate_constraints,
    fixed_targets,
)

IDS = ["vega", "sgr-a", "polaris", "never"]


@pytest.fixture(scope="module")
def grid(tien_shan):
    targets = fixed_targets(IDS, [279.2347, 266.4168, 37.9529, 0.0], [38.7837, -29.0078, 89.2641, -80.0])
    return compute_visibility(tien_shan, targets, night="2026-11-24", twilight="civil", step_s=600)


def test_altitude_and_airmass_are_consistent(grid):
    alt = AltitudeConstraint(min_deg=30.0).evaluate(grid).mask
    air = AirmassConstraint(max_airmass=2.0).evaluate(grid).mask
    np.testing.assert_array_equal(alt, air)  # sec z = 2 at exactly 30 deg
    per_target = AirmassConstraint(max_airmass=np.array([1.2, 3.0, 3.0, 3.0])).evaluate(grid).mask
    np.testing.assert_array_equal(per_target[0], grid.airmass[0] <= 1.2)
    with pytest.raises(OutOfRangeError):
        AirmassConstraint(max_airmass=0.5).evaluate(grid)
    with pytest.raises(InvalidInputError, match="2 values for 4 targets"):
        AirmassConstraint(max_airmass=np.array([1.5, 2.0])).evaluate(grid)


def test_twilight_per_target(grid):
    mask = TwilightConstraint(["astronomical", "nautical", "civil", "civil"]).evaluate(grid).mask
    np.testing.assert_array_equal(mask[0], grid.sun_altitude_deg < -18)
    np.testing.assert_array_equal(mask[1], grid.sun_altitude_deg < -12)
    assert mask[2].sum() > mask[1].sum() > mask[0].sum()
    assert TwilightConstraint(max_sun_altitude_deg=-15).evaluate(grid).mask[0].sum() > mask[0].sum()
    with pytest.raises(InvalidInputError, match="twilight"):
        TwilightConstraint("dusk").evaluate(grid)


def test_moon_constraints(grid):
    sep = MoonSeparationConstraint(min_deg=np.array([30, 30, 30, 179.9])).evaluate(grid).mask
    np.testing.assert_array_equal(sep[:3], grid.moon_separation_deg[:3] >= 30)
    assert not sep[3].any()
    lit = MoonIlluminationConstraint(max_fraction=0.0).evaluate(grid).mask
    np.testing.assert_array_equal(lit[0], grid.moon_altitude_deg < 0)  # the Moon is partly lit on 2026-11-24
    sky_mask = SkyBrightnessConstraint(min_v_mag_arcsec2=20.5).evaluate(grid).mask
    assert sky_mask.shape == grid.shape
    assert not sky_mask[3].any()


def test_hour_angle_declination_and_horizon(grid, tien_shan):
    ha = HourAngleConstraint(-2.0, 2.0).evaluate(grid).mask
    np.testing.assert_array_equal(ha, np.abs(grid.hour_angle_h) <= 2.0)
    dec = DeclinationConstraint(-35.0, 85.0).evaluate(grid).mask
    assert dec[0].all()
    assert not dec[2].any()
    horizon = HorizonMaskConstraint().evaluate(grid).mask
    floor = tien_shan.horizon_min_altitude_deg(grid.azimuth_deg)
    np.testing.assert_array_equal(horizon, grid.altitude_deg >= floor)
    limits = TelescopeLimitsConstraint(tien_shan.telescope("zeiss-1000-east")).evaluate(grid)
    assert not limits.mask[2].any()  # Polaris (dec 89.26) is beyond the assumed +89 deg declination limit
    assert limits.name == "telescope_limits"


def test_time_window_and_cadence(grid):
    t0, t1 = grid.times_utc[3], grid.times_utc[6]
    window = TimeWindowConstraint(windows=[(t0, t1)]).evaluate(grid).mask
    assert window[0].sum() == 4
    assert window[0, 3]
    assert window[0, 6]
    per = TimeWindowConstraint(per_target={"vega": [(t0, t0)]}).evaluate(grid).mask
    assert per[0].sum() == 1
    assert per[1].all()
    cadence = CadenceConstraint(start_utc=grid.times_utc[0], period_s=3600, window_s=600).evaluate(grid).mask
    assert cadence[0, 0]
    assert cadence[0, 1]
    assert not cadence[0, 2]
    assert cadence[0, 6]
    with pytest.raises(OutOfRangeError):
        CadenceConstraint(start_utc=t0, period_s=600, window_s=900).evaluate(grid)


def test_reasons_for_unobservable_targets(grid):
    constraints = [
        TwilightConstraint("astronomical"),
        AltitudeConstraint(min_deg=20.0),
        MoonSeparationConstraint(min_deg=np.array([0.0, 0.0, 0.0, 0.0])),
        TimeWindowConstraint(per_target={"vega": [(grid.times_utc[-1], grid.times_utc[-1])]}),
    ]
    result = evaluate_constraints(grid, constraints)
    reasons = result.reasons()
    assert reasons["never"] == "altitude below 20 deg"
    assert reasons["polaris"] is None
    # Vega's only window is the last step, in civil twilight: no single constraint fails all night.
    assert reasons["vega"] == "outside the requested time windows whenever the other constraints are met"
    frac = result.fraction_observable()
    assert frac.shape == (4,)
    assert frac[3] == 0.0
    assert 0 < frac[2] < 1


def test_public_api_is_locked():
    expected = """TWILIGHT_SUN_ALTITUDE_DEG KAZAKH_GEO_SLOTS_DEG AirmassConstraint AltitudeConstraint CadenceConstraint
    Constraint ConstraintMask ConstraintResult DeclinationConstraint FixedTargets GeoBelt HorizonMaskConstraint
    HourAngleConstraint MoonIlluminationConstraint MoonSeparationConstraint Night PassSearch SatelliteCatalog
    SatellitePass SatelliteTrack Site SkyBrightnessConstraint Telescope TelescopeLimitsConstraint
    TimeWindowConstraint TwilightConstraint VisibilityGrid compute_visibility evaluate_constraints find_passes
    fixed_targets geo_belt get_site list_sites load_sites night_of parse_catalog parse_omm parse_tle
    satellite_track targets_from_records time_grid use_offline_iers"""
    assert sorted(sky.__all__) == sorted(expected.split())


def test_importing_sky_is_light():
    import subprocess
    import sys

    code = (
        "import sys, spacebridge.sky; print(','.join(m for m in ('astropy', 'sgp4', 'skyfield') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
