"""The flood methods on the real Sen1Floods11 Spain chip (Segura river near Orihuela, Vega Baja, September 2019).

The test windows were located on the true-colour image and the Sentinel-1 VV image, independently of any product
(pixel row/col; centres in EPSG:4326 from the file's transform, about 10 m pixels):

- flooded fields, north-east: rows 150-200, cols 450-500 (about -0.739 E, 38.113 N): fields standing under
  water, dark in true colour, MNDWI about 0.7 and VV about -22 dB;
- flooded fields, centre: rows 215-245, cols 300-340 (about -0.753 E, 38.108 N);
- the Segura river where it passes south of Formentera del Segura: rows 503-511, cols 345-395 (about -0.748 E,
  38.083 N), a channel 20-40 m wide;
- the town of Daya Nueva: rows 150-185, cols 195-245 (about -0.762 E, 38.114 N), red roofs in true colour and
  bright double-bounce in VV;
- the core of Formentera del Segura: rows 458-480, cols 370-415 (about -0.747 E, 38.087 N), north of a small
  reservoir (dark rectangle at rows 484-494, cols 358-368) that is real water.

Orihuela itself lies about 15 km west of the chip. The expectations are what the methods must produce there
(water on the fields and the river, none on the towns), not values copied from the code's output; no parameter
was tuned on this scene (defaults come from the literature, see spacebridge.earth.flood.methods).
"""

import warnings

import numpy as np
import pytest
import xarray as xr

from spacebridge.core.errors import ThresholdFallbackWarning
from spacebridge.earth.flood import OpticalInput, SarInput, map_flood

FIELDS_NE = (slice(150, 200), slice(450, 500))
FIELDS_CENTRE = (slice(215, 245), slice(300, 340))
RIVER = (slice(503, 511), slice(345, 395))
DAYA_NUEVA = (slice(150, 185), slice(195, 245))
FORMENTERA = (slice(458, 480), slice(370, 415))


@pytest.fixture(scope="module")
def result(spain):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ThresholdFallbackWarning)  # this scene is bimodal: no fallback expected
        return map_flood(optical=OpticalInput(spain["mndwi"]), sar=SarInput(vv_db=spain["vv"], vh_db=spain["vh"]))


def _share(da: xr.DataArray, window) -> float:
    return float((da.values[window] == 1).mean())


def test_every_method_chose_an_adaptive_threshold(result):
    assert result.methods == ("optical-mndwi", "sar-vv", "sar-vh")
    assert not result.fallbacks
    by = {t.method: t for t in result.thresholds}
    assert 0.0 < by["optical-mndwi"].value < 0.4  # between dry land and open water (Xu 2006)
    assert -20.0 < by["sar-vv"].value < -10.0
    assert -28.0 < by["sar-vh"].value < -16.0


def test_water_on_flooded_fields_and_river(result):
    assert _share(result.extent, FIELDS_NE) > 0.8
    assert _share(result.extent, FIELDS_CENTRE) > 0.8
    assert _share(result.extent, RIVER) > 0.3


def test_no_water_on_the_towns(result):
    assert _share(result.extent, DAYA_NUEVA) < 0.01
    assert _share(result.extent, FORMENTERA) < 0.01


@pytest.mark.parametrize("method", ["optical-mndwi", "sar-vv", "sar-vh"])
def test_each_method_alone_sees_the_flooded_fields_and_not_the_towns(result, method):
    votes = (result.memberships[method] > 0.5).astype("uint8")
    assert _share(votes, FIELDS_NE) > 0.75
    assert _share(votes, DAYA_NUEVA) < 0.05
    assert _share(votes, FORMENTERA) < 0.05


def test_ndwi_also_finds_the_fields(spain):
    res = map_flood(optical=OpticalInput(spain["ndwi"], "ndwi"))
    assert _share(res.extent, FIELDS_NE) > 0.75
    assert _share(res.extent, DAYA_NUEVA) < 0.02


def test_likelihood_is_high_on_water_and_low_on_towns(result):
    lik = result.likelihood.values
    assert np.median(lik[FIELDS_NE]) >= 90
    assert np.median(lik[DAYA_NUEVA]) <= 10
    assert (lik <= 100).all()  # nothing unknown: both scenes cover the chip


def test_all_pixels_are_known(result):
    assert int((result.extent == 255).sum()) == 0
