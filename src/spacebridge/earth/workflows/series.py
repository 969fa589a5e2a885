"""What the time-series workflows share: the request, opening the series, zones, dates and validity checks.

A :class:`SeriesRequest` names the dates (see :mod:`spacebridge.earth.load_series` for the input forms) and the
options common to ``earth drought|snow|water|composite``. :func:`open_for` opens them either as rasters of values
(a single-band NDVI/SCL/water file per date, recognised by its band description) or as sensor scenes with the bands
an index needs, after a capability check on the first date.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from spacebridge.core.errors import InvalidInputError, NoValidDataError

__all__ = [
    "SeriesRequest",
    "date_index",
    "date_label",
    "inside_mask",
    "open_for",
    "per_zone",
    "require_dates",
    "require_valid",
    "zones_of",
]


@dataclass(frozen=True)
class SeriesRequest:
    """The dates of a time series and the options shared by the time-series commands."""

    src: tuple[str, ...]
    """Folders, files, STAC JSON files or a STAC API URL (with ``collection``)."""
    sensor: str | None = None
    bands: Mapping[str, str | int] | None = None
    aoi: str | None = None
    align: bool = False
    cloud_mask: bool = True
    collection: str | None = None
    datetime: str | None = None
    max_items: int = 200

    def parameters(self) -> dict[str, Any]:
        """The request as lineage parameters."""
        return {"src": list(self.src), "sensor": self.sensor, "bands": dict(self.bands or {}), "aoi": self.aoi,
                "align": self.align, "cloud_mask": self.cloud_mask, "collection": self.collection,
                "datetime": self.datetime}  # fmt: skip


def _bbox(aoi: str | None) -> tuple[float, float, float, float] | None:
    if aoi is None:
        return None
    from spacebridge.earth._load_reader import parse_aoi

    return tuple(parse_aoi(aoi).to_crs("EPSG:4326").boundingbox)


def sources(request: SeriesRequest) -> list[Any]:
    """The dates' sources (paths, URLs, STAC items)."""
    from spacebridge.earth.load_series import series_sources

    return series_sources(request.src, collection=request.collection, datetime=request.datetime,
                          bbox=_bbox(request.aoi), max_items=request.max_items)  # fmt: skip


def open_for(
    request: SeriesRequest,
    *,
    rasters: Mapping[str, str],
    indices: Sequence[str],
    purpose: str,
    keep_snow: bool = False,
    extra_bands: Sequence[str] = (),
) -> tuple[Any, str]:
    """Open the series for an analysis; returns ``(SceneSeries, kind)``.

    ``rasters`` maps single-band descriptions the analysis accepts as values (``{"ndvi": "ndvi"}``) to the variable
    name; the kind is then that variable. Otherwise the dates are scenes and the first of ``indices`` the first date
    can compute decides the bands (kind = the index name); none computable is a :class:`CapabilityError`.
    ``extra_bands`` are loaded too when the scenes have them (the analysis checks for the ones it needs).
    """
    from spacebridge.earth.capability import check_scene_index, missing_bands
    from spacebridge.earth.indices import get_index, resolve_bands
    from spacebridge.earth.load import open_scene
    from spacebridge.earth.load_series import open_series, single_band_name

    srcs = sources(request)
    described = single_band_name(srcs[0]) if request.sensor is None and not request.bands else None
    if described is not None and described.strip().lower() in rasters:
        variable = rasters[described.strip().lower()]
        return open_series(srcs, variable=variable, aoi=request.aoi, align=request.align), variable
    probe = open_scene(srcs[0], sensor=request.sensor, bands=request.bands, aoi=request.aoi, validate=False)
    available = [str(v) for v in probe.data.data_vars]
    chosen = next((i for i in indices if not missing_bands(i, available)), None)
    if chosen is None:
        check_scene_index(probe, indices[0], role="first", alternatives=indices, option="index", purpose=purpose)
    mapping = resolve_bands(get_index(str(chosen)), available) or {}
    bands: Any = request.bands or list(dict.fromkeys([*mapping.values(), *(b for b in extra_bands if b in available)]))
    series = open_series(srcs, sensor=probe.sensor.id, bands=bands, aoi=request.aoi, align=request.align,
                         cloud_mask=request.cloud_mask, keep_snow=keep_snow)  # fmt: skip
    return series, str(chosen)


def require_dates(series: Any, minimum: int, what: str) -> None:
    """Raise :class:`InvalidInputError` when the series has fewer than ``minimum`` dates."""
    n = int(series.data.sizes["time"])
    if n < minimum:
        raise InvalidInputError(
            f"{what} needs a time series of at least {minimum} dates; {n} given "
            f"({', '.join(date_label(t) for t in series.times)})",
            hint="Give a folder or a STAC collection with several acquisitions of the place",
            dates=n,
        )


def require_valid(valid: Any, what: str) -> None:
    """Raise :class:`NoValidDataError` when no date has a valid pixel (all cloud, nodata or outside the AOI)."""
    if not bool(valid.any().compute() if hasattr(valid, "compute") else valid.any()):
        raise NoValidDataError(
            f"no valid pixel for {what}: every date is nodata, cloud or outside the AOI",
            hint="Check that the AOI overlaps the scenes and that some dates are clear",
        )


def date_index(times: Any, date: str) -> int:
    """Position of ``date`` (``YYYY-MM-DD``) among the series' ``times``; :class:`InvalidInputError` listing the
    dates when it is not one of them."""
    import pandas as pd

    labels = pd.DatetimeIndex(times).normalize()
    hits = np.flatnonzero(labels == pd.Timestamp(date).normalize())
    if not len(hits):
        raise InvalidInputError(
            f"--date {date} is not a date of the series",
            hint=f"Choose one of {', '.join(t.strftime('%Y-%m-%d') for t in labels)}",
            name="date",
            value=date,
        )
    return int(hits[0])


def date_label(t: Any) -> str:
    """``YYYY-MM-DD`` of a numpy/pandas time."""
    return str(np.datetime_as_string(np.datetime64(t, "D")))


def zones_of(aoi: str | None) -> Any:
    """The AOI's polygons as a GeoDataFrame (``None`` without an AOI), numbered from 0."""
    from spacebridge.earth.products.stats import read_zones

    zones = read_zones(aoi)
    return None if zones is None else zones.reset_index(drop=True)


def inside_mask(zones: Any, gbox: Any) -> list[tuple[str, np.ndarray]]:
    """``(zone name, boolean pixel mask)`` per AOI polygon, or one ``("all", everything)`` without zones."""
    if zones is None:
        return [("all", np.ones(gbox.shape, bool))]
    from rasterio.features import geometry_mask

    gdf = zones.to_crs(gbox.crs.to_wkt())
    out = []
    for i, row in gdf.iterrows():
        name = next((str(row[c]) for c in ("name", "id", "NAME") if c in gdf.columns and row[c] is not None), str(i))
        inside = ~geometry_mask([row.geometry], out_shape=gbox.shape, transform=gbox.transform)
        out.append((name, inside))
    return out


def per_zone(tabulate: Callable[[np.ndarray], Any], zones: list[tuple[str, np.ndarray]]) -> tuple[Any, list[str]]:
    """One table per zone, stacked with a ``zone`` column, and the names of the zones covering no pixel (left out).

    ``tabulate`` makes a zone's table (a DataFrame indexed by time) from its boolean pixel mask.
    """
    import pandas as pd

    frames = [tabulate(inside).assign(zone=name) for name, inside in zones if inside.any()]
    empty = [name for name, inside in zones if not inside.any()]
    return pd.concat(frames), empty
