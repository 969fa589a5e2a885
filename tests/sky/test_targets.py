import numpy as np
import pytest

from spacebridge.core.errors import InvalidInputError, MalformedInputError, OutOfRangeError
from spacebridge.sky import fixed_targets, targets_from_records


def test_declination_out_of_range_names_the_target():
    with pytest.raises(OutOfRangeError, match="bad=95") as info:
        fixed_targets(["ok", "bad"], [10.0, 20.0], [10.0, 95.0])
    assert isinstance(info.value, ValueError)
    assert info.value.context["targets"] == ["bad"]


@pytest.mark.parametrize("dec", [np.nan, -90.0001, np.inf])
def test_non_finite_or_out_of_range_dec(dec):
    with pytest.raises(OutOfRangeError):
        fixed_targets(["a"], [0.0], [dec])


def test_duplicates_and_length_mismatch():
    with pytest.raises(InvalidInputError, match="duplicate"):
        fixed_targets(["a", "a"], [0, 1], [0, 1])
    with pytest.raises(InvalidInputError, match="2 values for 3 targets"):
        fixed_targets(["a", "b", "c"], [0, 1], [0, 1, 2])


def test_proper_motion_matches_astropy_space_motion():
    """Barnard's star (Gaia DR3 epoch 2016.0), moved to 2046 with astropy's rigorous apply_space_motion.

    Radial velocity is set to zero there: our model ignores it (documented), the test checks the tangential part.
    """
    import astropy.units as u
    from astropy.coordinates import SkyCoord
    from astropy.time import Time

    ra, dec, pmra, pmdec = 269.44850252543836, 4.739420051112412, -801.551, 10362.394
    star = fixed_targets(
        ["barnard"], [ra], [dec], pm_ra_cosdec_mas_yr=[pmra], pm_dec_mas_yr=[pmdec], epoch_jyear=2016.0
    )
    ours = star.unit_vectors(2046.0)[0]
    ref = SkyCoord(
        ra * u.deg,
        dec * u.deg,
        pm_ra_cosdec=pmra * u.mas / u.yr,
        pm_dec=pmdec * u.mas / u.yr,
        distance=(546.9759 * u.mas).to(u.pc, u.parallax()),
        radial_velocity=0 * u.km / u.s,
        obstime=Time(2016.0, format="jyear", scale="tdb"),
    ).apply_space_motion(new_obstime=Time(2046.0, format="jyear", scale="tdb"))
    ref_vec = ref.cartesian.xyz.value / np.linalg.norm(ref.cartesian.xyz.value)
    assert np.degrees(np.arccos(np.clip(ours @ ref_vec, -1, 1))) * 3600 < 0.5
    moved = np.degrees(np.arccos(star.unit_vectors(2016.0)[0] @ ours)) * 3600
    assert moved == pytest.approx(30 * np.hypot(pmra, pmdec) / 1000, rel=1e-3)


def test_records_from_csv_like_rows():
    t = targets_from_records([{"id": "a", "ra_deg": "10", "dec_deg": "-5"}, {"name": "b", "ra_deg": 370, "dec_deg": 0}])
    assert t.ids == ("a", "b")
    np.testing.assert_allclose(t.ra_deg, [10.0, 10.0])


@pytest.mark.parametrize(
    ("rows", "match"),
    [([], "empty"), ([{"id": "a", "ra_deg": 1}], "lacks"), ([{"id": "a", "ra_deg": "x", "dec_deg": 1}], "non-numeric")],
)
def test_malformed_records(rows, match):
    with pytest.raises(MalformedInputError, match=match):
        targets_from_records(rows)
