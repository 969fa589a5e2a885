import numpy as np
import pytest
import xarray as xr

from spacebridge.core.errors import ConfigurationError
from spacebridge.earth.severity import KEY_BENSON_2006, UNKNOWN, SeverityClass, SeverityTable

# Key & Benson (2006), FIREMON LA-1-55: dNBR x 10^3 ranges, pinned against the published table.
PUBLISHED_KB = {
    "enhanced_regrowth_high": (-500, -251),
    "enhanced_regrowth_low": (-250, -101),
    "unburned": (-100, 99),
    "low": (100, 269),
    "moderate_low": (270, 439),
    "moderate_high": (440, 659),
    "high": (660, 1300),
}


@pytest.mark.parametrize(("name", "bounds"), PUBLISHED_KB.items())
def test_key_benson_table_matches_the_published_ranges(name, bounds):
    lo, hi = bounds
    by_name = {c.name: c for c in KEY_BENSON_2006.classes}
    cls = by_name[name]
    # Every integer x1000 value of the published range falls in the class, and its neighbours do not.
    values = xr.DataArray(np.array([lo, hi, lo - 1, hi + 1], dtype="float32") / 1000.0)
    codes = KEY_BENSON_2006.classify(values).values
    assert codes[0] == cls.code
    assert codes[1] == cls.code
    assert codes[2] != cls.code
    assert codes[3] != cls.code


def test_burned_classes_are_low_to_high():
    burned = {c.name for c in KEY_BENSON_2006.classes if c.burned}
    assert burned == {"low", "moderate_low", "moderate_high", "high"}
    assert KEY_BENSON_2006.burned_lower() == pytest.approx(0.1)
    assert KEY_BENSON_2006.unburned_range() == (pytest.approx(-0.1), pytest.approx(0.1))


def test_nan_and_out_of_table_values_are_unknown():
    values = xr.DataArray(np.array([np.nan, -0.6, 1.31, 1.3], dtype="float32"))
    assert KEY_BENSON_2006.classify(values).values.tolist() == [UNKNOWN, UNKNOWN, UNKNOWN, 4]


def test_overlapping_table_is_rejected():
    with pytest.raises(ConfigurationError, match="overlap"):
        SeverityTable("bad", "dNBR", (SeverityClass(0, "a", 0.0, 0.2, False), SeverityClass(1, "b", 0.1, 0.3, True)))


def test_table_from_rows_classifies():
    rows = [(0, "unburned", -1.0, 0.069, False), (1, "burned", 0.069, 5, True)]
    table = SeverityTable.from_rows("rdnbr", "RdNBR", rows)
    assert table.classify(xr.DataArray(np.array([0.0, 0.5]))).values.tolist() == [0, 1]
