"""The burn workflow end to end on a real fire: products, COG and STAC validity, bad inputs leave nothing."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio

from spacebridge.core.atomic import staged_output_dir
from spacebridge.core.errors import CapabilityError, GridMismatchError, MissingBandError
from spacebridge.earth.fire_workflow import BurnRequest, run_burn


def _request(fire_dir, pre="HURST_20250107", post="HURST_20250107", **kw):
    return BurnRequest(pre=str(fire_dir / "pre_fire" / f"{pre}.tif"), post=str(fire_dir / "post_fire" / f"{post}.tif"),
                       sensor="sentinel-2-l2a", **kw)  # fmt: skip


@pytest.fixture(scope="module")
def hurst(fire_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("burn")
    with staged_output_dir(out) as stage:
        products = run_burn(_request(fire_dir), stage)
    return out, products


def test_products_are_written_with_their_types(hurst):
    out, _ = hurst
    for name, dtype, nodata in (("burn_severity.tif", "uint8", 255), ("burned_extent.tif", "uint8", 255),
                                ("dnbr.tif", "float32", None)):  # fmt: skip
        with rasterio.open(out / name) as src:
            assert src.dtypes[0] == dtype
            if nodata is not None:
                assert src.nodata == nodata
    with rasterio.open(out / "burned_extent.tif") as src:
        assert set(np.unique(src.read(1))) <= {0, 1, 255}
    assert (out / "burned.geojson").is_file()
    stats = json.loads((out / "stats.json").read_text())
    # CAL FIRE reports the HURST fire at 799 acres (3.23 km²); the burned extent must be of that size.
    assert 2.5 < stats["burned_km2"] < 4.0
    assert stats["chosen"]["severity_table"] == "key-benson-2006"


def test_cogs_and_stac_item_validate(hurst):
    from rio_cogeo.cogeo import cog_validate

    from spacebridge.earth.products import validate_stac

    out, products = hurst
    for name in ("burn_severity.tif", "burned_extent.tif", "dnbr.tif"):
        valid, errors, _ = cog_validate(out / name)
        assert valid, errors
    item = json.loads((out / "spacebridge-burn" / products.item.name).read_text())
    validate_stac(item)
    lineage = item["properties"]["spacebridge:lineage"]
    assert lineage["chosen"]["offset_source"] == "ring"
    # the chips carry no quality band: the lineage says that only their nodata pixels are unknown
    assert lineage["chosen"]["mask"]["post-fire"]["method"] == "none"
    assert lineage["parameters"]["index"] == "NBR"
    assert [i["role"] for i in lineage["inputs"]] == ["pre-fire", "post-fire"]


def test_scenes_that_do_not_overlap_are_refused_and_nothing_is_written(fire_dir, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(GridMismatchError, match="do not overlap"), staged_output_dir(out) as stage:
        run_burn(_request(fire_dir, pre="DOVE_20241019", post="HURST_20250107"), stage)
    assert list(out.iterdir()) == []


def test_a_scene_without_swir22_cannot_map_burns(fire_dir, tmp_path):
    request = _request(fire_dir, bands={"blue": "B2", "green": "B3", "red": "B4", "nir": "B8"})
    with pytest.raises((CapabilityError, MissingBandError), match=r"NBR|swir22"):
        run_burn(request, tmp_path)


@pytest.mark.slow
def test_nbr2_on_an_l1c_scene_gives_an_extent_without_severity_and_an_s2cloudless_mask(examples_dir, tmp_path):
    """Spain L1C as both dates: nothing burned; products of an NBR2 run; the L1C mask comes from s2cloudless."""
    from spacebridge.core.errors import ThresholdFallbackWarning

    src = str(examples_dir / "flood-spain-2019" / "Spain_7370579_S2Hand.tif")
    out = tmp_path / "nbr2"
    with pytest.warns(ThresholdFallbackWarning, match="dNBR2"), staged_output_dir(out) as stage:
        products = run_burn(BurnRequest(pre=src, post=src, index="nbr2"), stage)
    names = {p.name for p in out.iterdir()}
    assert {"burned_extent.tif", "dnbr2.tif", "burned.geojson", "stats.json"} <= names
    assert not {"burn_severity.tif", "rdnbr.tif", "dnbr.tif"} & names
    assert products.statistics["burned_km2"] == 0.0
    assert products.statistics["index"] == "NBR2"
    item = json.loads((out / "spacebridge-burn" / products.item.name).read_text())
    chosen = item["properties"]["spacebridge:lineage"]["chosen"]
    assert chosen["mask"]["pre-fire"]["method"] == "s2cloudless"
    assert chosen["threshold"]["fallback"] is True
    with rasterio.open(out / "dnbr2.tif") as src_file:
        assert src_file.shape == (512, 512)
        assert np.nanmax(np.abs(src_file.read(1))) == 0.0
