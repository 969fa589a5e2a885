"""The real Spain 2019 scene (Sen1Floods11 chip 7370579) as the flood tests use it."""

import warnings

import pytest
import rioxarray

from spacebridge.earth import compute_index


def _open(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)  # affine 3 via rioxarray
        return rioxarray.open_rasterio(path, masked=True)


@pytest.fixture(scope="module")
def spain(examples_dir):
    """MNDWI (Xu 2006), NDWI (McFeeters 1996), VV and VH (dB) of the chip, as DataArrays on its grid."""
    folder = examples_dir / "flood-spain-2019"
    s2 = _open(folder / "Spain_7370579_S2Hand.tif")
    s1 = _open(folder / "Spain_7370579_S1Hand.tif")
    bands = {name: s2.sel(band=b, drop=True) / 1e4 for name, b in (("green", 3), ("nir", 8), ("swir16", 12))}
    return {
        "mndwi": compute_index("MNDWI", bands),
        "ndwi": compute_index("NDWI", bands),
        "vv": s1.sel(band=1, drop=True),
        "vh": s1.sel(band=2, drop=True),
    }
