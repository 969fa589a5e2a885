"""Open a scene lazily, harmonised to reflectance (or dB for SAR), with an explicit validity mask.

Sources: a local GeoTIFF/COG (bands found by their descriptions, e.g. ``B3``/``VV``), a folder or list of
single-band files (plus a Landsat ``*_MTL.txt``), a STAC Item (JSON file, URL, dict or ``pystac.Item``), or the
items of a STAC API search (:func:`search_scenes`). Every source becomes a STAC Item and is read by odc-stac into
a dask-backed ``xarray.Dataset``; nothing is read until computed, except the cheap checks of ``validate=True``.

Harmonisation: stored values become float32 ``x * scale + offset`` (odc-stac does not apply ``raster:bands``
scale/offset), with the scale/offset chosen by :func:`spacebridge.earth.sensors.band_scale_offset` from the
product's metadata; nodata, NaN and out-of-range (saturated) values become NaN; SAR is given in dB.

Example
-------
>>> from spacebridge.earth.load import open_scene
>>> scene = open_scene("examples/data/flood-spain-2019/Spain_7370579_S2Hand.tif", bands=["green", "nir"])
>>> scene.sensor.id, sorted(scene.data.data_vars)
('sentinel-2-l1c', ['green', 'nir'])
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from spacebridge.core.errors import (
    CapabilityError,
    GridMismatchError,
    InvalidAOIError,
    MissingBandError,
    NoValidDataError,
)
from spacebridge.core.provenance import InputRef
from spacebridge.earth import _load_sources as srcs
from spacebridge.earth._expr import Decoding
from spacebridge.earth._load_reader import SafeRioDriver, check_readable, decode_lazy, parse_aoi
from spacebridge.earth.align import align_to, check_same_grid  # re-exported: part of the loader's interface
from spacebridge.earth.sensors import Band, ScaleOffset, Sensor, band_scale_offset, get_sensor

if TYPE_CHECKING:
    import pystac
    import xarray as xr
    from odc.geo.geobox import GeoBox

__all__ = ["Scene", "align_to", "check_same_grid", "open_scene", "search_scenes"]

log = logging.getLogger(__name__)

_SMALL_SCENE_PX = 4096 * 4096
"""Scenes up to this many pixels are checked for at least one valid pixel at open (validate=True)."""


@dataclass(frozen=True)
class Scene:
    """A loaded scene: lazy harmonised bands, their validity, and where they came from."""

    data: xr.Dataset
    """float32 reflectance (unitless) or SAR backscatter (dB), NaN where invalid; quality bands keep their dtype.
    Dims are odc-geo's spatial dims (``y, x`` or ``latitude, longitude``); the grid is ``data.odc.geobox``."""
    valid: xr.DataArray
    """True where every loaded measurement band is valid (not nodata, NaN, saturated or outside the AOI)."""
    sensor: Sensor
    id: str
    datetime_utc: str | None
    href: str
    radiometry: Mapping[str, ScaleOffset] = field(default_factory=dict)
    """Per band: the scale/offset applied and where they were read."""

    @property
    def geobox(self) -> GeoBox:
        return self.data.odc.geobox

    def input_ref(self, role: str) -> InputRef:
        """This scene as an input of a product's lineage."""
        return InputRef(role=role, href=self.href, id=self.id, datetime_utc=self.datetime_utc)

    def require_valid(self) -> None:
        """Raise :class:`NoValidDataError` if no pixel is valid (computes the validity mask)."""
        if not bool(self.valid.any().compute()):
            raise NoValidDataError(
                f"scene {self.id!r} has no valid pixel (all nodata, NaN or saturated"
                + (" inside the AOI)" if "aoi" in self.data.attrs else ")"),
                hint="Check the AOI and the scene's nodata value, or choose another acquisition",
                scene=self.id,
                href=self.href,
            )


def _is_stac(src: Any) -> bool:
    import pystac

    if isinstance(src, pystac.Item | Mapping):
        return True
    text = str(src)
    return text.startswith(("http://", "https://")) or text.lower().endswith(".json")


def _resolve(src: Any, sensor: str | Sensor | None) -> tuple[srcs.Source, Sensor, str]:
    if _is_stac(src):
        source = srcs.stac_item(src)
    else:
        paths, mtl = srcs.resolve_paths(src)
        source = srcs.local_item(paths, mtl_path=mtl)
    if sensor is not None:
        return source, get_sensor(sensor), "given"
    hint = source.sensor_hint
    if hint is None and source.local_files:
        hint = srcs.guess_sensor(srcs.describe_files(source.local_files))
    if hint is None:
        raise MissingBandError(
            f"cannot tell which sensor {source.href!r} comes from (no STAC collection, band descriptions or MTL)",
            hint="Pass sensor='sentinel-2-l2a' (or --sensor) and, if the bands have no descriptions, "
            "bands={'green': 3, 'nir': 8} (or --bands green=3,nir=8)",
            href=source.href,
        )
    return source, get_sensor(hint), "metadata"


class _Available:
    """The bands a source offers, looked up by selector, label or 1-based number."""

    def __init__(self, source: srcs.Source) -> None:
        self.source = source
        self.bands = srcs.asset_bands(source.item)
        self.labels = ", ".join(sorted({lab for _, labs, _ in self.bands for lab in labs})) or "none"

    def lookup(self, label: str | int) -> tuple[str, Mapping[str, Any]] | None:
        if isinstance(label, int):
            return (self.bands[label - 1][0], self.bands[label - 1][2]) if 0 < label <= len(self.bands) else None
        wanted = str(label).lower()
        for sel, labs, meta in self.bands:
            if wanted in (sel.lower(), *(lab.lower() for lab in labs)):
                return sel, meta
        return None

    def find(self, band: Band) -> tuple[str, Mapping[str, Any]] | None:
        return next((f for f in map(self.lookup, band.names()) if f is not None), None)

    def missing(self, what: str) -> MissingBandError:
        return MissingBandError(
            f"{what} is not in {self.source.href!r}; its bands are: {self.labels}",
            hint="Name the file's bands with bands={'nir': 'B8', 'red': 4} (or --bands nir=B8,red=4)",
            href=self.source.href,
            available=self.labels.split(", "),
        )


def _plan(source: srcs.Source, sensor: Sensor, bands: Any) -> list[tuple[Band, str, Mapping[str, Any]]]:
    available = _Available(source)
    plan: list[tuple[Band, str, Mapping[str, Any]]] = []
    if isinstance(bands, Mapping):
        for key, label in bands.items():
            found = available.lookup(label)
            if found is None:
                raise available.missing(f"band {label!r} (given for {key!r})")
            plan.append((srcs.match_band(sensor, key), *found))
        return plan
    if bands:
        for band in (srcs.match_band(sensor, b) for b in bands):
            found = available.find(band)
            if found is None:
                raise available.missing(f"{sensor.id} band {band.key!r} ({band.name})")
            plan.append((band, *found))
        return plan
    default = [b for b in sensor.bands if b.kind in ("reflectance", "sar")]
    for band in default or [b for b in sensor.bands if b.kind == "class"]:
        found = available.find(band)
        if found is not None:
            plan.append((band, *found))
    if not plan:
        raise available.missing(f"no band of {sensor.id}")
    return plan


def _decoding(
    sensor: Sensor, band: Band, meta: Mapping[str, Any], source: srcs.Source, dtype: str
) -> tuple[Decoding, ScaleOffset]:
    acquired = (
        source.item.datetime.date() if source.item.datetime and source.metadata.get("_has_datetime", True) else None
    )
    so = band_scale_offset(sensor, band, source.metadata, raster_band=meta, acquired=acquired)
    nodata = meta.get("nodata", None)
    if isinstance(nodata, str):
        nodata = float(nodata)
    integer = dtype.startswith(("int", "uint"))
    if nodata is None and integer:
        nodata = band.nodata  # the product's documented fill value applies to stored integers only
    limits = (band.valid_min, band.valid_max) if integer else (None, None)
    return Decoding(so.scale, so.offset, nodata, *limits), so


def _sar_to_db(band: Band, meta: Mapping[str, Any], dtype: str, sar_units: str | None) -> bool:
    if dtype.startswith(("int", "uint")):
        raise CapabilityError(
            f"SAR band {band.key!r} holds integers ({dtype}): uncalibrated digital numbers",
            hint="Calibrate to sigma0/gamma0 first (e.g. ESA SNAP, sarsen) or use a calibrated product "
            "(Planetary Computer sentinel-1-rtc)",
            band=band.key,
        )
    unit = (sar_units or str(meta.get("unit", "dB"))).lower()
    return unit not in ("db", "decibel", "decibels")


def _check_overlap(source: srcs.Source, aoi: Any, geobox: Any) -> None:
    from odc.geo.geom import Geometry

    footprint = Geometry(source.item.geometry, crs="EPSG:4326")
    if aoi is not None and not aoi.intersects(footprint):
        raise InvalidAOIError(
            f"the AOI {tuple(round(v, 4) for v in aoi.boundingbox)} does not overlap the scene "
            f"{tuple(round(v, 4) for v in footprint.boundingbox)} (west, south, east, north)",
            hint="Check the AOI's coordinates (longitude first) and that it is the right scene",
            aoi_bbox=list(aoi.boundingbox),
            scene_bbox=list(footprint.boundingbox),
        )
    if geobox is not None and not geobox.extent.to_crs("EPSG:4326").intersects(footprint):
        raise GridMismatchError(
            "the target grid does not overlap the scene",
            hint="Give a GeoBox that covers the scene, or use align_to() with a scene that overlaps",
            grid_bbox=list(geobox.extent.to_crs("EPSG:4326").boundingbox),
            scene_bbox=list(footprint.boundingbox),
        )


def open_scene(
    src: Any,
    *,
    sensor: str | Sensor | None = None,
    bands: Sequence[str] | Mapping[str, str | int] | None = None,
    aoi: Any = None,
    geobox: GeoBox | None = None,
    chunks_px: int = 2048,
    sar_units: Literal["db", "linear"] | None = None,
    validate: bool = True,
) -> Scene:
    """Open a scene lazily as harmonised float32 bands named by STAC common name.

    Parameters
    ----------
    src
        GeoTIFF/COG path; folder or list of single-band files (with a Landsat ``*_MTL.txt``); STAC Item as a JSON
        path, URL, dict or ``pystac.Item``.
    sensor
        Sensor id (see :func:`~spacebridge.earth.sensors.list_sensors`); read from the metadata when omitted.
    bands
        Bands to load by common name or product name (``["green", "nir"]``), or a mapping naming the source's
        bands (``{"green": "B3", "nir": 8}``: a label or a 1-based band number). Default: every measurement band.
    aoi
        Area of interest: ``(west, south, east, north)`` in degrees, a GeoJSON geometry/Feature(Collection)
        mapping, or a GeoJSON file. The scene is cropped to it and pixels outside the polygon are invalid.
    geobox
        Target grid (odc-geo ``GeoBox``); the scene is reprojected onto it (nearest neighbour).
    chunks_px
        Dask chunk size in pixels along x and y.
    sar_units
        Units of float SAR bands when the metadata does not say (default: dB).
    validate
        Read each local file's last block (a truncated file raises :class:`CorruptRasterError` now) and, for scenes
        up to 16 Mpix, check that at least one pixel is valid (:class:`NoValidDataError`).
    """
    import odc.stac

    source, sensor_obj, sensor_source = _resolve(src, sensor)
    plan = _plan(source, sensor_obj, bands)
    aoi_geom = parse_aoi(aoi) if aoi is not None else None
    _check_overlap(source, aoi_geom, geobox)
    if validate and source.local_files:
        check_readable(source.local_files)
    kwargs: dict[str, Any] = {"geobox": geobox} if geobox is not None else {}
    if aoi_geom is not None and geobox is None:
        kwargs["geopolygon"] = aoi_geom
    if geobox is None:
        kwargs["resolution"] = _native_resolution(source.item, plan)
    raw = odc.stac.load(
        [source.item],
        bands=[sel for _, sel, _ in plan],
        chunks={"x": chunks_px, "y": chunks_px},
        driver=SafeRioDriver(),
        **kwargs,
    )
    raw = raw.isel(time=0, drop=not source.metadata.get("_has_datetime", True))
    scene = _harmonise(raw, source, sensor_obj, plan, sar_units, aoi_geom)
    log.info(
        "opened %s as %s (%s, sensor from %s)", source.href, sensor_obj.id, list(scene.data.data_vars), sensor_source
    )
    if validate and scene.valid.size <= _SMALL_SCENE_PX:
        scene.require_valid()
    return scene


def _native_resolution(item: pystac.Item, plan: Sequence[tuple[Band, str, Mapping[str, Any]]]) -> Any:
    """The finest resolution among the loaded bands, in the item's CRS units (None: let odc-stac decide)."""
    sizes = [abs(float(m["proj:transform"][0])) for _, _, m in plan if m.get("proj:transform")]
    return min(sizes) if sizes else None


def _harmonise(raw: xr.Dataset, source: srcs.Source, sensor: Sensor, plan: Sequence[Any], sar_units: str | None,
               aoi: Any) -> Scene:  # fmt: skip
    import xarray as xr

    out: dict[str, xr.DataArray] = {}
    radiometry: dict[str, ScaleOffset] = {}
    classes: list[str] = []
    for band, sel, meta in plan:
        da = raw[sel]
        if band.kind in ("qa", "class"):
            out[band.key] = da  # bit fields and classes keep their stored integers
            if band.kind == "class":
                classes.append(band.key)
            continue
        decoding, so = _decoding(sensor, band, meta, source, str(da.dtype))
        to_db = band.kind == "sar" and _sar_to_db(band, meta, str(da.dtype), sar_units)
        decoded = decode_lazy(da, decoding, to_db=to_db)
        decoded.attrs = {"units": band.unit, "scale": so.scale, "offset": so.offset, "radiometry_source": so.source,
                         "band": band.name}  # fmt: skip
        if band.center_wavelength_um:
            decoded.attrs["center_wavelength_um"] = band.center_wavelength_um
        out[band.key] = decoded
        radiometry[band.key] = so
    ds = xr.Dataset(out, attrs={"sensor": sensor.id, "quantity": sensor.quantity, "id": source.item.id})
    measured = [k for k in out if k in radiometry]
    nodata = {band.key: meta.get("nodata", band.nodata) for band, _, meta in plan}
    checks = [ds[k].notnull() for k in measured] + [ds[k] != nodata[k] for k in classes if nodata[k] is not None]
    if not checks:
        checks = [xr.ones_like(ds[next(iter(out))], dtype=bool)]
    valid = functools.reduce(lambda a, b: a & b, checks)
    if aoi is not None:
        from odc.geo.xr import rasterize

        inside = rasterize(aoi.to_crs(ds.odc.geobox.crs), ds.odc.geobox)
        valid = valid & inside
        ds = ds.assign({k: ds[k].where(inside) for k in measured})
        ds.attrs["aoi"] = aoi.json if hasattr(aoi, "json") else str(aoi)
    valid.name = "valid"
    valid.attrs = {"description": "True where every measurement band is valid"}
    when = None
    if source.metadata.get("_has_datetime", True) and source.item.datetime is not None:
        when = source.item.datetime.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return Scene(ds, valid, sensor, source.item.id, when, source.href, radiometry)


def search_scenes(
    api_url: str,
    *,
    bbox: Sequence[float],
    datetime: str,
    collections: Sequence[str],
    max_items: int = 50,
    query: Mapping[str, Any] | None = None,
) -> list[pystac.Item]:
    """STAC API search (pystac-client); open the returned items with :func:`open_scene`.

    Example: ``search_scenes("https://earth-search.aws.element84.com/v1", bbox=(76.8, 43.1, 77.1, 43.4),
    datetime="2024-04-01/2024-04-30", collections=["sentinel-2-l2a"], query={"eo:cloud_cover": {"lt": 20}})``.
    """
    from pystac_client import Client

    from spacebridge.core.geo import BBox

    box = BBox.from_sequence(list(bbox))
    client = Client.open(api_url)
    search = client.search(
        bbox=box.as_tuple(),
        datetime=datetime,
        collections=list(collections),
        max_items=max_items,
        query=dict(query) if query else None,
    )
    return list(search.items())
