"""Products of the time-series analyses (drought, snow, water, composite): COGs, tables, charts, STAC items.

The file edge shared by the time-series commands: each gives its maps as :class:`Layer` objects grouped in
:class:`ItemSpec` (one STAC item per date or period mapped), its tables (pandas DataFrames indexed by time) and
charts, its statistics and its lineage; :func:`write_series_products` writes everything into one folder with the
generic writers of :mod:`spacebridge.earth.products` and :mod:`spacebridge.earth.tables`. Every file is written
atomically; wrap the call in :func:`spacebridge.core.atomic.staged_output_dir` so that a failure leaves nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacebridge.core.provenance import Lineage

__all__ = ["ItemSpec", "Layer", "SeriesProducts", "write_series_products"]

_MEDIA = {
    ".csv": "text/csv",
    ".parquet": "application/vnd.apache.parquet",
    ".png": "image/png",
    ".json": "application/json",
    ".geojson": "application/geo+json",
}


@dataclass(frozen=True)
class Layer:
    """One raster to write as a COG: a 2-D georeferenced array and how to describe it."""

    key: str
    filename: str
    data: Any
    """2-D ``xarray.DataArray`` with its grid."""
    nodata: float | None
    title: str
    colormap: Mapping[int, tuple[int, int, int, int]] | None = None
    resampling: str = "nearest"


@dataclass(frozen=True)
class ItemSpec:
    """One STAC item: its id, date and layers, and extra properties."""

    item_id: str
    datetime_utc: str
    layers: Sequence[Layer]
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SeriesProducts:
    files: Mapping[str, Path]
    items: tuple[Path, ...]
    statistics: dict[str, Any]


def _plain(value: Any) -> Any:
    import numpy as np

    if isinstance(value, float | np.floating):
        return None if value != value else round(float(value), 6)
    if isinstance(value, np.integer):
        return int(value)
    return str(value)


def write_series_products(
    out_dir: str | Path,
    *,
    collection_id: str,
    collection_title: str,
    collection_description: str,
    items: Sequence[ItemSpec],
    tables: Mapping[str, Any],
    charts: Mapping[str, Callable[[Path], Path]],
    statistics: dict[str, Any],
    lineage: Lineage,
    say: Callable[[str], None],
    vectors: Mapping[str, Any] | None = None,
) -> SeriesProducts:
    """Write the layers (COGs), tables (CSV + Parquet), charts (PNG), ``stats.json`` and one STAC item per spec.

    ``tables`` maps a file stem to a DataFrame; ``charts`` maps a PNG file name to a function writing it;
    ``vectors`` maps a GeoJSON (``.geojson``, RFC 7946) or GeoParquet (``.parquet``) file name to a
    GeoDataFrame. Shared files are assets of every item.
    """
    from spacebridge.core.atomic import atomic_write_text
    from spacebridge.earth.areas import geobox_of
    from spacebridge.earth.products import (
        COG_MEDIA_TYPE,
        add_item_to_catalog,
        asset_for_file,
        build_item,
        write_cog,
        write_vectors,
    )
    from spacebridge.earth.tables import write_table

    out = Path(out_dir)
    files: dict[str, Path] = {}
    for stem, table in tables.items():
        say(f"writing {stem}.csv")
        files[f"{stem}-csv"] = write_table(table.reset_index(), out / f"{stem}.csv")
        files[f"{stem}-parquet"] = write_table(table.reset_index(), out / f"{stem}.parquet")
    for name, draw in charts.items():
        say(f"drawing {name}")
        files[name.removesuffix(".png")] = draw(out / name)
    for name, gdf in (vectors or {}).items():
        say(f"writing {name}")
        kind = "geojson" if name.endswith(".geojson") else "parquet"
        (path,) = write_vectors(gdf, **{kind: out / name})
        files[name.removesuffix(".geojson") if kind == "geojson" else name.replace(".", "-")] = path
    files["stats"] = atomic_write_text(out / "stats.json", json.dumps(statistics, indent=2, default=_plain))
    item_dir = out / collection_id
    shared = {
        key: asset_for_file(path, item_dir=item_dir, title=key.replace("-", " "), media_type=_MEDIA[path.suffix],
                            roles=("metadata",) if path.suffix in (".json", ".csv", ".parquet") else ("overview",))
        for key, path in files.items()
    }  # fmt: skip
    written: list[Path] = []
    for spec in items:
        assets: dict[str, Any] = dict(shared)
        for layer in spec.layers:
            say(f"writing {layer.filename}")
            path = write_cog(out / layer.filename, layer.data, nodata=layer.nodata, colormap=layer.colormap,
                             resampling=layer.resampling, description=layer.title)  # fmt: skip
            files[layer.filename.removesuffix(".tif")] = path
            fields: dict[str, Any] = {"data_type": str(layer.data.dtype)}
            if layer.nodata is not None:
                fields["nodata"] = "nan" if layer.nodata != layer.nodata else layer.nodata
            assets[layer.key] = asset_for_file(path, item_dir=item_dir, title=layer.title, media_type=COG_MEDIA_TYPE,
                                               **fields)  # fmt: skip
        gbox = geobox_of(spec.layers[0].data)
        item = build_item(spec.item_id, gbox=gbox, datetime_utc=spec.datetime_utc, assets=assets, lineage=lineage,
                          properties=dict(spec.properties))  # fmt: skip
        written.append(add_item_to_catalog(out, item, collection_id=collection_id, collection_title=collection_title,
                                           collection_description=collection_description))  # fmt: skip
    return SeriesProducts(files, tuple(written), statistics)
