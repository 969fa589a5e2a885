"""``spacebridge earth index``: any catalogue index on a real scene, written as a valid COG; clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from rio_cogeo.cogeo import cog_validate

from spacebridge.cli.earth import parse_bands
from spacebridge.cli.main import main
from spacebridge.core.errors import InvalidInputError

S2 = "flood-spain-2019/Spain_7370579_S2Hand.tif"


def test_ndwi_matches_the_definition_on_the_bands(examples_dir, tmp_path):
    out = tmp_path / "ndwi.tif"
    assert main(["earth", "index", "NDWI", str(examples_dir / S2), "--out", str(out)]) == 0
    assert cog_validate(out)[0]
    with rasterio.open(examples_dir / S2) as src:
        green, nir = src.read(3).astype("float64") / 1e4, src.read(8).astype("float64") / 1e4
    with rasterio.open(out) as res:
        values = res.read(1)
        assert res.dtypes[0] == "float32"
    # McFeeters (1996): (green - nir) / (green + nir)
    np.testing.assert_allclose(values, (green - nir) / (green + nir), atol=1e-5)


def test_index_the_sensor_cannot_support_names_substitutes(examples_dir, tmp_path, capsys):
    sar = examples_dir / "flood-spain-2019/Spain_7370579_S1Hand.tif"
    assert main(["earth", "index", "NDVI", str(sar), "--out", str(tmp_path / "x.tif")]) == 2
    assert "NDVI" in capsys.readouterr().err
    assert not (tmp_path / "x.tif").exists()


def test_unknown_index_is_an_error(examples_dir, tmp_path, capsys):
    assert main(["earth", "index", "NOPE", str(examples_dir / S2), "--out", str(tmp_path / "x.tif")]) == 2
    assert "NOPE" in capsys.readouterr().err


def test_help(capsys):
    assert main(["earth", "index", "--help"]) == 0
    assert "COG" in capsys.readouterr().out


def test_band_map_parsing():
    assert parse_bands("green=B3,swir16=12") == {"green": "B3", "swir16": 12}
    assert parse_bands(None) is None
    with pytest.raises(InvalidInputError, match="ROLE=BAND"):
        parse_bands("green:B3")
