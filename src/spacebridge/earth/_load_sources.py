"""Turn what the user gives (files, folders, STAC items) into one STAC Item and a plan of bands to load.

Local rasters are described by an in-memory :class:`pystac.Item` (one asset per file, ``raster:bands`` with data
type and nodata, ``eo:bands`` with the band labels, ``proj:*`` from the file), so that every source, local or
remote, is loaded by the same odc-stac code path (design record 0103). Only headers are read here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pystac

from spacebridge.core.errors import CorruptRasterError, MalformedInputError, MissingBandError, NotFoundError
from spacebridge.earth.sensors import Band, Sensor, get_sensor, list_sensors

_RASTER_EXT = "https://stac-extensions.github.io/raster/v1.1.0/schema.json"
_EO_EXT = "https://stac-extensions.github.io/eo/v1.1.0/schema.json"
_PROJ_EXT = "https://stac-extensions.github.io/projection/v1.1.0/schema.json"
RASTER_SUFFIXES = (".tif", ".tiff", ".jp2", ".vrt", ".img")
_NO_DATE = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class FileBand:
    """One band of a local raster file, as its header describes it."""

    path: str
    index: int
    """1-based band index in the file."""
    labels: tuple[str, ...]
    """Names it may answer to: description, file-name suffixes."""
    dtype: str
    nodata: float | None
    tags: Mapping[str, str]
    scale: float = 1.0
    offset: float = 0.0


@dataclass(frozen=True)
class Source:
    """A resolved input: the STAC item to load and the facts found while resolving it."""

    item: pystac.Item
    href: str
    metadata: Mapping[str, Any]
    """Item properties, file tags and MTL values, merged (used for radiometric rules)."""
    local_files: tuple[str, ...] = ()
    sensor_hint: str | None = None
    """A sensor id implied by the metadata (MTL, STAC collection), if any."""


def _open_header(path: str) -> Any:
    import rasterio
    from rasterio.errors import RasterioIOError

    if not Path(path).exists():
        raise NotFoundError(f"raster file {path!r} does not exist", hint="Check the path", path=path)
    try:
        return rasterio.open(path)
    except RasterioIOError as exc:
        raise CorruptRasterError(
            f"cannot open {path!r} as a raster: {exc}",
            hint="The file is truncated or not a GeoTIFF/COG; download or export it again",
            path=path,
        ) from exc


def _labels(path: str, description: str | None, count: int) -> tuple[str, ...]:
    labels = [description] if description else []
    if count == 1:
        stem = Path(path).stem
        parts = stem.split("_")
        labels += [stem, parts[-1], "_".join(parts[-2:])]
    return tuple(dict.fromkeys(labels))


def describe_files(paths: Sequence[str]) -> list[FileBand]:
    """Read the headers of local raster files (no pixel data)."""
    out: list[FileBand] = []
    for path in paths:
        with _open_header(path) as src:
            tags = dict(src.tags())
            for i in range(1, src.count + 1):
                desc = src.descriptions[i - 1]
                out.append(
                    FileBand(
                        path, i, _labels(path, desc, src.count), src.dtypes[i - 1], src.nodatavals[i - 1],
                        {**tags, **src.tags(i)}, float(src.scales[i - 1]), float(src.offsets[i - 1]),
                    )
                )  # fmt: skip
    return out


def parse_mtl(path: str) -> dict[str, Any]:
    """Key/value pairs of a Landsat ``*_MTL.txt`` file (ODL text), numbers converted."""
    values: dict[str, Any] = {}
    for line in Path(path).read_text(errors="replace").splitlines():
        key, sep, value = line.partition("=")
        if not sep:
            continue
        key, value = key.strip(), value.strip().strip('"')
        if key in ("GROUP", "END_GROUP"):
            continue
        try:
            values[key] = float(value)
        except ValueError:
            values[key] = value
    if "SUN_ELEVATION" not in values:
        raise MalformedInputError(
            f"{path!r} is not a Landsat MTL metadata file (no SUN_ELEVATION)",
            hint="Pass the scene's *_MTL.txt",
            path=path,
        )
    return values


def _mtl_sensor(mtl: Mapping[str, Any]) -> str | None:
    level = str(mtl.get("PROCESSING_LEVEL", mtl.get("DATA_TYPE", "")))
    spacecraft = str(mtl.get("SPACECRAFT_ID", ""))
    if spacecraft not in ("LANDSAT_8", "LANDSAT_9"):
        return None
    return "landsat-c2-l2" if level.startswith("L2") else "landsat-oli-l1"


def _mtl_datetime(mtl: Mapping[str, Any]) -> dt.datetime | None:
    date = mtl.get("DATE_ACQUIRED")
    if not isinstance(date, str):
        return None
    time = str(mtl.get("SCENE_CENTER_TIME", "00:00:00")).rstrip("Z")[:8]
    return dt.datetime.fromisoformat(f"{date}T{time}+00:00")


def guess_sensor(bands: Sequence[FileBand]) -> str | None:
    """The sensor whose band names the file labels match best, or ``None`` if nothing is convincing."""
    labels = {lab.upper() for b in bands for lab in b.labels}
    if any(str(b.tags.get("PRODUCT_TYPE", "")).upper() == "DSWX-HLS" for b in bands):
        return "opera-dswx-hls"
    if labels & {"VV", "VH", "HH", "HV"}:
        return "sentinel-1-grd"
    if any(lab.startswith("SR_B") for lab in labels):
        return "landsat-c2-l2"
    s2_only = {"B8A", "B08A", "B11", "B12", "B05", "B06", "B07", "B09"}
    if labels & s2_only:
        level = " ".join(str(v) for b in bands for v in b.tags.values()).upper()
        if "L2A" in level:
            return "sentinel-2-l2a"
        return "sentinel-2-l1c" if labels & {"B10"} or "L1C" in level else "sentinel-2-l2a"
    return None


def local_item(paths: Sequence[str], *, mtl_path: str | None = None) -> Source:
    """An in-memory STAC item for local raster files (one multi-band file, or one file per band)."""
    from shapely.geometry import box, mapping

    bands = describe_files(paths)
    metadata: dict[str, Any] = {}
    for b in bands:
        metadata.update(b.tags)
    mtl = parse_mtl(mtl_path) if mtl_path else {}
    metadata.update(mtl)
    first = _grid(paths[0])
    for path in paths[1:]:
        if _grid(path)[:3] != first[:3]:
            from spacebridge.core.errors import GridMismatchError

            raise GridMismatchError(
                f"{path!r} is not on the same grid as {paths[0]!r}",
                hint="Give files of one scene on one grid, or open them separately and use align_to()",
                path=path,
            )
    crs, transform, shape, bounds_4326 = first
    when = _mtl_datetime(mtl) or _tag_datetime(metadata)
    item = pystac.Item(
        id=Path(paths[0]).stem if len(paths) == 1 else Path(paths[0]).parent.name or Path(paths[0]).stem,
        geometry=mapping(box(*bounds_4326)),
        bbox=list(bounds_4326),
        datetime=when or _NO_DATE,  # odc-stac needs a time; the placeholder is never reported
        properties={},
        stac_extensions=[_RASTER_EXT, _EO_EXT, _PROJ_EXT],
    )
    for path in paths:
        fbands = [b for b in bands if b.path == path]
        item.add_asset(
            _asset_key(path, len(paths)),
            pystac.Asset(
                href=str(Path(path).resolve()),
                media_type=pystac.MediaType.GEOTIFF,
                roles=["data"],
                extra_fields={
                    "raster:bands": [_raster_band(b) for b in fbands],
                    "eo:bands": [{"name": b.labels[0] if b.labels else f"band{b.index}"} for b in fbands],
                    "spacebridge:labels": [list(b.labels) for b in fbands],
                    "proj:wkt2": crs,
                    "proj:shape": list(shape),
                    "proj:transform": list(transform),
                },
            ),
        )
    return Source(
        item=item,
        href=str(Path(paths[0]).resolve()) if len(paths) == 1 else str(Path(paths[0]).resolve().parent),
        metadata={**metadata, "_has_datetime": when is not None},
        local_files=tuple(str(Path(p).resolve()) for p in paths),
        sensor_hint=_mtl_sensor(mtl) if mtl else None,
    )


def _raster_band(band: FileBand) -> dict[str, Any]:
    out: dict[str, Any] = {"data_type": band.dtype, "nodata": _json_nodata(band.nodata)}
    if (band.scale, band.offset) != (1.0, 0.0):  # GDAL scale/offset metadata in the file
        out.update(scale=band.scale, offset=band.offset)
    unit = band.tags.get("units") or band.tags.get("UNITS")
    if unit:
        out["unit"] = unit
    return out


def _json_nodata(value: float | None) -> float | str | None:
    if value is None:
        return None
    if value != value:
        return "nan"
    return float(value)


def _asset_key(path: str, n_files: int) -> str:
    return "data" if n_files == 1 else re.sub(r"[^A-Za-z0-9_]", "_", Path(path).stem)


def _tag_datetime(tags: Mapping[str, Any]) -> dt.datetime | None:
    """Acquisition time from product tags (not TIFFTAG_DATETIME, which is when the file was written)."""
    for key in ("ACQUISITION_DATETIME", "SENSING_TIME", "DATATAKE_SENSING_START", "PRODUCT_START_TIME"):
        value = tags.get(key)
        if isinstance(value, str):
            try:
                parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                continue
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None


def _grid(path: str) -> tuple[str, tuple[float, ...], tuple[int, int], tuple[float, float, float, float]]:
    from rasterio.warp import transform_bounds

    with _open_header(path) as src:
        if src.crs is None:
            raise CorruptRasterError(
                f"{path!r} has no coordinate reference system", hint="Georeference the file (gdal_edit.py -a_srs)",
                path=path,
            )  # fmt: skip
        bounds = transform_bounds(src.crs, "EPSG:4326", *src.bounds, densify_pts=21)
        return src.crs.to_wkt(), tuple(src.transform)[:6], (src.height, src.width), bounds


def resolve_paths(src: str | Path | Sequence[str | Path]) -> tuple[list[str], str | None]:
    """Raster paths and the Landsat MTL path (if any) from a file, a folder, or a list of files."""
    items = [src] if isinstance(src, str | Path) else list(src)
    paths: list[str] = []
    mtl: str | None = None
    for entry in items:
        p = Path(entry)
        if p.is_dir():
            children = sorted(p.iterdir())
            paths += [str(c) for c in children if c.suffix.lower() in RASTER_SUFFIXES]
            mtl = mtl or next((str(c) for c in children if c.name.upper().endswith("_MTL.TXT")), None)
        elif p.name.upper().endswith("_MTL.TXT"):
            mtl = str(p)
        else:
            paths.append(str(p))
    if not paths:
        raise NotFoundError(f"no raster file in {src!r}", hint="Give a GeoTIFF/COG, a folder of them or a STAC item")
    return paths, mtl


def stac_item(src: str | Path | Mapping[str, Any] | pystac.Item) -> Source:
    """A STAC item from a JSON file, a URL, a dict or a pystac Item."""
    if isinstance(src, pystac.Item):
        item = src
    elif isinstance(src, Mapping):
        item = pystac.Item.from_dict(dict(src))
    else:
        try:
            item = pystac.Item.from_file(str(src))
        except (ValueError, KeyError, TypeError, pystac.STACError, pystac.STACTypeError) as exc:
            raise MalformedInputError(
                f"{str(src)!r} is not a STAC Item: {exc}", hint="Give a STAC Item JSON (type 'Feature')", src=str(src)
            ) from exc
        except OSError as exc:
            raise NotFoundError(
                f"cannot read the STAC Item {str(src)!r}: {exc}", hint="Check the path or URL", src=str(src)
            ) from exc
    href = item.get_self_href() or (str(src) if isinstance(src, str | Path) else f"stac:{item.id}")
    return Source(item=item, href=href, metadata=dict(item.properties), sensor_hint=sensor_from_item(item))


def sensor_from_item(item: pystac.Item) -> str | None:
    """The registered sensor of a STAC item, from its collection id or platform."""
    for sid in list_sensors():
        if item.collection_id and item.collection_id in dict(get_sensor(sid).stac_collections).values():
            return sid
    platform = str(item.properties.get("platform", "")).lower()
    if platform.startswith("sentinel-2"):
        level = str(item.properties.get("s2:product_type", item.properties.get("processing:level", ""))).upper()
        return "sentinel-2-l1c" if "L1C" in level else "sentinel-2-l2a"
    if platform.startswith("sentinel-1"):
        return "sentinel-1-grd"
    if platform in ("landsat-8", "landsat-9"):
        return "landsat-c2-l2"
    return None


def asset_bands(item: pystac.Item) -> list[tuple[str, tuple[str, ...], Mapping[str, Any]]]:
    """``(odc band selector, labels, raster band metadata)`` for every band of every data asset."""
    out: list[tuple[str, tuple[str, ...], Mapping[str, Any]]] = []
    for key, asset in item.assets.items():
        roles = asset.roles or ["data"]
        if not ({"data", "reflectance", "backscatter"} & set(roles)) and "raster:bands" not in asset.extra_fields:
            continue
        raster = asset.extra_fields.get("raster:bands") or asset.extra_fields.get("bands") or [{}]
        eo = asset.extra_fields.get("eo:bands") or asset.extra_fields.get("bands") or []
        local = asset.extra_fields.get("spacebridge:labels") or []
        for i, rb in enumerate(raster):
            info = eo[i] if i < len(eo) else {}
            labels = tuple(x for x in (info.get("name"), info.get("common_name", info.get("eo:common_name"))) if x)
            labels = tuple(dict.fromkeys((*labels, *(local[i] if i < len(local) else ()))))
            if len(raster) == 1:
                out.append((key, (key, *labels), {**asset.extra_fields, **rb}))
            else:
                out.append((f"{key}.{i + 1}", labels, rb))
    return out


def match_band(sensor: Sensor, requested: str) -> Band:
    """The sensor band for a user label, with a MissingBandError listing the sensor's bands."""
    band = sensor.find_band(requested)
    if band is None:
        raise MissingBandError(
            f"{sensor.id} has no band {requested!r}; it has {', '.join(sensor.band_keys)}",
            hint="Use one of those names, or pass bands={'nir': 'B8', ...} / --bands nir=B8 to name the file's bands",
            sensor=sensor.id,
            band=requested,
            available=list(sensor.band_keys),
        )
    return band
