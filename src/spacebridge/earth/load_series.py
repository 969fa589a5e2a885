"""Open a time series: many dates of one place, stacked lazily on one grid with a validity mask per date.

Input forms (the ``SRC...`` of the time-series commands), each date being one scene or one raster:

1. a **folder**: every GeoTIFF/COG in it (sorted by date) is one date; or, when it holds no raster, each
   sub-folder is one scene (band files, e.g. a Landsat scene with its ``*_MTL.txt``); a folder holding an MTL is
   itself one scene;
2. one or more **files** (or STAC Item JSON files / URLs), one date each;
3. a **STAC ItemCollection** (a ``FeatureCollection`` JSON file, e.g. saved from a search) or a **STAC Catalog /
   Collection** JSON file (its items, found recursively);
4. a **STAC API** URL searched with ``collection`` (and ``datetime`` and the AOI's bounding box).

What a date holds:

- a **scene** of a registered sensor (bands found as for :func:`spacebridge.earth.load.open_scene`, with
  ``sensor``/``bands`` when the files do not say), harmonised to reflectance; its cloud mask comes from its own
  quality band or s2cloudless (:mod:`spacebridge.earth.scene_masks`), recorded per date;
- or a single-band **raster of values** (``variable``): an index already computed (``NDVI``, ``NDSI``...: float,
  NaN or nodata invalid) or a class map (uint8, e.g. water 0/1/255), read as stored.

Dates come from the metadata (STAC ``datetime``; GeoTIFF tags ``ACQUISITION_DATETIME``, ``SENSING_TIME``...), else
from the file name (``20240611``, ``2024-06-11`` or ``2024_06_11``); a date that cannot be found is an error
naming the file. Every date must be on the first date's grid unless ``align=True`` (reprojection, nearest
neighbour, recorded). Nothing is read until computed, except headers.

Example
-------
>>> from spacebridge.earth.load_series import series_sources
>>> series_sources(["examples/data/flood-spain-2019/Spain_7370579_S2Hand.tif"])
['examples/data/flood-spain-2019/Spain_7370579_S2Hand.tif']
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from spacebridge.core.errors import GridMismatchError, MalformedInputError, NotFoundError
from spacebridge.core.provenance import InputRef

if TYPE_CHECKING:
    import xarray as xr
    from odc.geo.geobox import GeoBox

__all__ = [
    "SceneSeries",
    "date_from_name",
    "open_raster_on",
    "open_series",
    "open_values_on",
    "series_sources",
    "single_band_name",
]

log = logging.getLogger(__name__)

_RASTERS = (".tif", ".tiff", ".jp2", ".vrt", ".img")
_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_]?(0[1-9]|1[0-2])[-_]?(0[1-9]|[12]\d|3[01])(?!\d)")


@dataclass(frozen=True)
class SceneSeries:
    """A stack of dates on one grid: ``data`` (time, y, x) per variable, ``valid`` (time, y, x), and provenance."""

    data: xr.Dataset
    valid: xr.DataArray
    """True where the date's observation is valid and clear (nodata, AOI and cloud mask applied)."""
    inputs: tuple[InputRef, ...]
    masks: tuple[Mapping[str, Any], ...]
    """Per date: the cloud mask's lineage record."""
    sensor: str | None
    """Sensor id of scenes, ``None`` for rasters of values."""
    aligned: tuple[str, ...] = field(default_factory=tuple)
    """Ids of the dates reprojected onto the first date's grid."""

    @property
    def geobox(self) -> GeoBox:
        return self.data.odc.geobox

    @property
    def times(self) -> Any:
        return self.data["time"].values


def date_from_name(name: str) -> dt.datetime | None:
    """The date written in a file name (``S2_20240611.tif``, ``ndvi_2024-06-11.tif``), at 00:00 UTC.

    Examples
    --------
    >>> date_from_name("S2B_MSIL2A_20240611T061629_T42TXS.tif").date().isoformat()
    '2024-06-11'
    >>> date_from_name("scene.tif") is None
    True
    """
    match = _DATE.search(Path(name).name)
    if match is None:
        return None
    return dt.datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=dt.UTC)


def _items_of(path: Path) -> list[Any] | None:
    """Items of a STAC ItemCollection / Catalog / Collection JSON file, or ``None`` for a single Item."""
    import json

    import pystac

    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise MalformedInputError(f"cannot read {path} as JSON: {exc}", hint="Give a STAC JSON file") from exc
    kind = doc.get("type")
    if kind == "FeatureCollection":
        return list(pystac.ItemCollection.from_dict(doc))
    if kind in ("Catalog", "Collection"):
        root = pystac.read_file(str(path))
        if not isinstance(root, pystac.Catalog):  # a Collection is a Catalog
            raise MalformedInputError(f"{path} is not a STAC Catalog or Collection", hint="Give a STAC JSON file")
        return list(root.get_items(recursive=True))
    return None


def series_sources(
    src: Sequence[str],
    *,
    collection: str | None = None,
    datetime: str | None = None,
    bbox: Sequence[float] | None = None,
    max_items: int = 200,
) -> list[Any]:
    """The dates of a series as ``open_scene`` sources (paths, URLs, ``pystac.Item``), from the input forms above."""
    out: list[Any] = []
    for entry in src:
        text = str(entry)
        if text.startswith(("http://", "https://")) and collection:
            from spacebridge.earth.load import search_scenes

            if bbox is None or datetime is None:
                raise MalformedInputError(
                    f"searching the STAC API {text} needs an area and a time range",
                    hint="Give --aoi FILE and --datetime 2024-01-01/2024-12-31 with --collection",
                )
            out += search_scenes(text, bbox=bbox, datetime=datetime, collections=[collection], max_items=max_items)
            continue
        path = Path(text)
        if path.is_dir():
            out += _folder_dates(path)
        elif path.suffix.lower() == ".json" and path.is_file():
            items = _items_of(path)
            out += [text] if items is None else items
        elif "://" in text or path.is_file():
            out.append(text)
        else:
            raise NotFoundError(f"{text}: no such file or folder", hint="Give raster files, a folder or STAC JSON")
    if not out:
        raise NotFoundError("the time series is empty", hint="Give a folder of scenes, files or a STAC collection")
    return out


def _is_scene_folder(path: Path) -> bool:
    return any(p.name.upper().endswith("_MTL.TXT") for p in path.iterdir())


def _folder_dates(path: Path) -> list[str]:
    """The dates of a folder: itself if it is one Landsat scene (band files + MTL), else its raster files, else
    its sub-folders holding rasters (one scene per sub-folder, e.g. ``L8_20150804/``)."""
    if _is_scene_folder(path):
        return [str(path)]
    children = sorted(path.iterdir())
    files = [str(p) for p in children if p.is_file() and p.suffix.lower() in _RASTERS]
    if files:
        return files
    scenes = [str(p) for p in children if p.is_dir() and any(c.suffix.lower() in _RASTERS for c in p.iterdir())]
    if scenes:
        return scenes
    raise NotFoundError(
        f"no raster file in the folder {path}",
        hint="Put one GeoTIFF/COG per date in it, or one sub-folder per scene (band files, Landsat MTL)",
        path=str(path),
    )


def single_band_name(src: Any) -> str | None:
    """The description of a local single-band raster (``"NDVI"``, ``"SCL"``...), ``""`` if it has none, or
    ``None`` for anything else (multi-band files, STAC items)."""
    if not isinstance(src, str) or "://" in src or Path(src).suffix.lower() not in _RASTERS:
        return None
    import rasterio

    with rasterio.open(src) as ds:
        return (ds.descriptions[0] or "") if ds.count == 1 else None


def _when(src: Any, found: str | None) -> dt.datetime:
    import pandas as pd

    if found:
        return pd.Timestamp(found).to_pydatetime()
    name = src.id if hasattr(src, "id") else str(src)
    guessed = date_from_name(name)
    if guessed is None:
        raise MalformedInputError(
            f"{name}: no acquisition date in its metadata or file name",
            hint="Put the date in the file name (e.g. S2_20240611.tif) or use STAC items with a datetime",
            src=name,
        )
    return guessed


def _open_raster(src: str, variable: str, aoi: Any, geobox: Any, chunks_px: int) -> tuple[Any, Any, str | None]:
    """A single-band raster of values: (values, valid, acquisition time from tags)."""
    import numpy as np
    import rioxarray

    from spacebridge.earth._load_reader import parse_aoi
    from spacebridge.earth._load_sources import _tag_datetime

    da = cast("xr.DataArray", rioxarray.open_rasterio(src, chunks={"x": chunks_px, "y": chunks_px}, lock=False))
    tags = dict(da.attrs)
    da = da.isel(band=0, drop=True)
    nodata = da.rio.nodata
    if da.dtype.kind == "f":
        da = da.where(da != nodata) if nodata is not None and nodata == nodata else da
        valid = da.notnull()
    else:
        valid = da != nodata if nodata is not None else da == da
    da, valid = da.rename(variable), valid.rename("valid")
    if geobox is not None and da.odc.geobox != geobox:
        fill = np.nan if da.dtype.kind == "f" else nodata
        da = da.odc.reproject(geobox, resampling="nearest", dst_nodata=fill)
        valid = valid.astype("uint8").odc.reproject(geobox, resampling="nearest", dst_nodata=0) == 1
    if aoi is not None:
        from odc.geo.xr import rasterize

        poly = parse_aoi(aoi)
        inside = rasterize(poly.to_crs(da.odc.geobox.crs), da.odc.geobox)
        valid = valid & inside
    when = _tag_datetime(tags)
    return da, valid, when.isoformat() if when else None


def open_series(
    src: Sequence[Any],
    *,
    variable: str | None = None,
    sensor: str | None = None,
    bands: Sequence[str] | Mapping[str, str | int] | None = None,
    aoi: Any = None,
    align: bool = False,
    cloud_mask: bool = True,
    keep_snow: bool = False,
    chunks_px: int = 1024,
) -> SceneSeries:
    """Open every date of ``src`` (from :func:`series_sources`) on the first date's grid and stack them by time.

    Parameters
    ----------
    src
        Paths, URLs or ``pystac.Item`` objects, one per date.
    variable
        Read each date as a single-band raster of values named ``variable`` (``"ndvi"``, ``"water"``), not as a
        sensor scene.
    sensor, bands
        For scenes: the sensor id and the bands to load (names or ``{role: band}``), as for ``open_scene``.
    aoi
        Area of interest (bbox, GeoJSON or file); pixels outside are invalid.
    align
        Reproject dates on another grid onto the first date's grid (nearest neighbour); otherwise an error.
    cloud_mask, keep_snow
        Apply each scene's cloud mask (snow kept valid for snow analyses).
    """
    import pandas as pd
    import xarray as xr

    datasets, valids, inputs, masks, aligned = [], [], [], [], []
    times: list[Any] = []
    grid = None
    for i, entry in enumerate(src):
        if variable is not None:
            da, valid, found = _open_raster(str(entry), variable, aoi, grid if align else None, chunks_px)
            ds, ident = da.to_dataset(), Path(str(entry)).stem
            mask: dict[str, Any] = {"method": "none", "note": "values read as stored"}
            ref = InputRef(f"date-{i + 1}", str(entry), ident, None)
        else:
            scene, mask = _open_scene(entry, sensor, bands, aoi, grid if align else None, chunks_px, cloud_mask,
                                      keep_snow)  # fmt: skip
            ds, valid, found, ident = scene.data, scene.valid, scene.datetime_utc, scene.id
            sensor = sensor or scene.sensor.id
            ref = scene.input_ref(f"date-{i + 1}")
            valid = valid & mask.pop("_valid") if "_valid" in mask else valid
            ds = ds.drop_vars(mask.pop("_extra", []))
        when = _when(entry, found)
        if grid is None:
            grid = ds.odc.geobox
        elif ds.odc.geobox != grid:
            raise GridMismatchError(
                f"date {ident!r} is on another grid than the first date ({ds.odc.geobox.crs}, "
                f"{ds.odc.geobox.shape} vs {grid.crs}, {grid.shape})",
                hint="Pass --align to reproject every date onto the first date's grid, or give dates on one grid",
                date=str(ident),
            )
        elif align:
            aligned.append(str(ident))
        datasets.append(ds)
        valids.append(valid)
        times.append(pd.Timestamp(when).tz_convert("UTC").tz_localize(None) if pd.Timestamp(when).tzinfo
                     else pd.Timestamp(when))  # fmt: skip
        inputs.append(InputRef(ref.role, ref.href, ref.id, ref.datetime_utc or pd.Timestamp(when).isoformat()))
        masks.append(mask)
    order = sorted(range(len(times)), key=lambda k: times[k])
    index = pd.DatetimeIndex([times[k] for k in order], name="time")
    data = xr.concat([datasets[k] for k in order], dim=index, coords="minimal", compat="override")
    valid = xr.concat([valids[k] for k in order], dim=index, coords="minimal", compat="override")
    log.info("opened a series of %d dates on %s", len(index), grid)
    return SceneSeries(data, valid.rename("valid"), tuple(inputs[k] for k in order), tuple(masks[k] for k in order),
                       sensor if variable is None else None, tuple(aligned))  # fmt: skip


def _open_scene(
    src: Any, sensor: str | None, bands: Any, aoi: Any, geobox: Any, chunks_px: int, cloud_mask: bool, keep_snow: bool
) -> tuple[Any, dict[str, Any]]:
    """One date as a scene, with its cloud-mask bands; returns the scene and its mask record (+ ``_valid``)."""
    from spacebridge.core.errors import MissingBandError
    from spacebridge.earth.areas import pixel_size_m
    from spacebridge.earth.load import open_scene
    from spacebridge.earth.scene_masks import NO_MASK, mask_bands, scene_cloud_mask

    probe = open_scene(src, sensor=sensor, bands=bands, aoi=aoi, validate=False)
    wanted: Any = bands
    extra: list[str] = []
    if cloud_mask and not isinstance(bands, Mapping):
        names = [str(v) for v in probe.data.data_vars]  # the bands asked for, by the names they load as
        every = open_scene(src, sensor=probe.sensor.id, aoi=aoi, validate=False) if bands else probe
        available = [str(v) for v in every.data.data_vars]
        present = []
        for qa in ("scl", "qa_pixel", "bqa"):
            if probe.sensor.find_band(qa) is None or qa in names:
                continue
            try:
                found = open_scene(src, sensor=probe.sensor.id, bands=[qa], aoi=aoi, validate=False)
            except MissingBandError:
                continue
            present += [str(v) for v in found.data.data_vars]  # the name it loads as (qa_pixel may be a bqa alias)
        wanted = names + [b for b in mask_bands(probe.sensor.id, available + present) if b not in names]
    scene = open_scene(src, sensor=probe.sensor.id, bands=wanted, aoi=aoi, geobox=geobox, chunks_px=chunks_px)
    if cloud_mask and not isinstance(bands, Mapping):
        extra = [str(v) for v in scene.data.data_vars if v not in names]
    if not cloud_mask:
        return scene, {"method": "none", "note": "cloud mask disabled"}
    mask = scene_cloud_mask(scene.data, sensor_id=scene.sensor.id, pixel_size_m=pixel_size_m(scene.geobox),
                            keep_snow=keep_snow)  # fmt: skip
    if mask is None:
        return scene, {**NO_MASK, "_extra": extra}
    return scene, {**mask.describe(), "_valid": mask.valid.data, "_extra": extra}


def open_raster_on(path: str, geobox: GeoBox, *, name: str, resampling: str = "bilinear") -> xr.DataArray:
    """A single-band raster (a DEM, a mask) reprojected onto ``geobox``, float32 with NaN where it has no data."""
    import numpy as np
    import rioxarray

    if not Path(path).is_file():
        raise NotFoundError(f"{name} file {path} does not exist", hint="Give a GeoTIFF", path=path)
    da = cast("xr.DataArray", rioxarray.open_rasterio(path, masked=True)).isel(band=0, drop=True).astype("float32")
    out = da.odc.reproject(geobox, resampling=resampling, dst_nodata=np.nan)
    return out.rename(name)


def open_values_on(
    src: Sequence[Any], geobox: GeoBox, *, name: str, role: str, resampling: str = "bilinear"
) -> tuple[xr.DataArray, tuple[InputRef, ...]]:
    """A series of single-band rasters of values (e.g. brightness temperature) reprojected onto ``geobox``.

    Each date (from :func:`series_sources`: local files) is read with its nodata as NaN and reprojected explicitly
    onto another series' grid (``resampling``, bilinear by default: continuous values on a coarser or another
    grid); dates come from the tags or the file name, as for :func:`open_series`. Returns the ``(time, y, x)``
    float32 stack sorted by date, and one :class:`InputRef` per date (roles ``<role>-1``, ``<role>-2``...).
    """
    import pandas as pd
    import rasterio
    import xarray as xr

    from spacebridge.earth._load_sources import _tag_datetime

    planes, times, refs = [], [], []
    for i, entry in enumerate(src):
        path = str(entry)
        with rasterio.open(path) as ds:
            found = _tag_datetime(ds.tags())
        when = pd.Timestamp(_when(path, found.isoformat() if found else None))
        when = when.tz_convert("UTC").tz_localize(None) if when.tzinfo else when
        planes.append(open_raster_on(path, geobox, name=name, resampling=resampling))
        times.append(when)
        refs.append(InputRef(f"{role}-{i + 1}", path, Path(path).stem, when.isoformat() + "Z"))
    order = sorted(range(len(times)), key=lambda k: times[k])
    index = pd.DatetimeIndex([times[k] for k in order], name="time")
    stack = xr.concat([planes[k] for k in order], dim=index, coords="minimal", compat="override")
    return stack.rename(name), tuple(refs[k] for k in order)
