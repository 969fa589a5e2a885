"""Cloud-masked composites per period over a time series: per-pixel median and maximum-NDVI, lazily with dask.

Why a kernel of our own: xarray's ``resample(...).median()`` (numpy ``nanmedian``; no bottleneck or flox here)
concatenates all dates of a block, then goes through masked arrays for short axes. Here each period's dates are
passed to the kernel as separate planes of the same spatial block (no concatenation, no rechunking), invalid
values become +inf, the planes are sorted pixel-wise by an odd-even transposition network of whole-plane
``minimum``/``maximum`` (a contiguous sort beyond 12 dates), and the median is read at the valid count's middle.
The values are exactly ``nanmedian``'s (the mean of the two middle values for even counts). Max-NDVI takes every
band from the date of highest valid NDVI (Holben 1986).

References
----------
- Holben, B.N. (1986) Characteristics of maximum-value composite images from temporal AVHRR data. Int. J. Remote
  Sens. 7, 1417-1434.
- Flood, N. (2013) Seasonal composite Landsat TM/ETM+ images using the medoid (a multi-dimensional median).
  Remote Sens. 5, 6481-6500 (per-band median as the robust cloud-residual filter).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from spacebridge.core.errors import DegradedResultWarning, InvalidInputError

__all__ = ["Composite", "max_ndvi_composite", "median_composite", "period_groups"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Composite:
    """A composite per period: bands, the number of valid observations used, and how it was made."""

    data: xr.Dataset
    """Composited bands, dims ``(time, y, x)`` with ``time`` the period start; NaN where no valid observation."""
    count: xr.DataArray
    """uint16 number of valid observations per pixel and period."""
    method: str
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {"method": self.method, **self.parameters}


def period_groups(times: Any, period: str) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Period start labels and, for each time, the index of its period (pandas offset alias, e.g. ``"1MS"``)."""
    index = pd.DatetimeIndex(np.asarray(times))
    if index.hasnans:
        raise InvalidInputError("the time coordinate has missing values", name="time")
    try:
        resampler = pd.Series(np.arange(len(index)), index=index).resample(period)
    except ValueError as exc:
        raise InvalidInputError(
            f"period={period!r} is not a pandas offset alias",
            hint="Use e.g. '1MS' (months), 'QS-DEC' (seasons), '10D', 'YS'",
            name="period",
            value=period,
        ) from exc
    labels: list[pd.Timestamp] = []
    groups = np.full(len(index), -1, dtype="int64")
    for label, members in resampler.indices.items():
        if len(members):
            groups[np.asarray(members)] = len(labels)
            labels.append(pd.Timestamp(label))  # type: ignore[arg-type]
    return pd.DatetimeIndex(labels), groups


def _prepare(data: xr.Dataset | xr.DataArray, time_dim: str) -> xr.Dataset:
    ds = data.to_dataset(name=data.name or "value") if isinstance(data, xr.DataArray) else data
    if time_dim not in ds.dims:
        raise InvalidInputError(f"the data has no {time_dim!r} dimension", name="data", value=list(ds.dims))
    n = ds.sizes[time_dim]
    if n < 2:
        warnings.warn(
            f"the time series has {n} date(s): the composite is that date, masked",
            DegradedResultWarning,
            stacklevel=3,
        )
    return ds


def _sort_network(planes: np.ndarray) -> None:
    """Sort the k planes of ``planes`` (k, y, x) pixel-wise in place: odd-even transposition network.

    k rounds of whole-plane ``minimum``/``maximum`` into the planes themselves and one scratch plane (no
    allocation per comparison).
    """
    k = planes.shape[0]
    scratch = np.empty_like(planes[0])
    for rnd in range(k):
        for i in range(rnd % 2, k - 1, 2):
            np.minimum(planes[i], planes[i + 1], out=scratch)
            np.maximum(planes[i], planes[i + 1], out=planes[i + 1])
            planes[i] = scratch


_NETWORK_MAX = 12
"""Above this many dates per period, sort along a contiguous last axis instead of the network."""


def _median_kernel(*blocks: np.ndarray, k: int, has_valid: bool) -> np.ndarray:
    """Median of k date planes (NaN or ``valid=False`` excluded); blocks = k data planes [+ k valid planes].

    Every step writes into preallocated planes (``out=``/``copyto``): the kernel is memory-bound, and a
    temporary per operation costs as much as the operation.
    """
    shape = blocks[0].shape[-2:]
    if k == 2:
        return _median2(*blocks, has_valid=has_valid, shape=shape)
    planes = np.empty((k, *shape), dtype="float32")
    n = np.zeros(shape, dtype="uint8" if k < 255 else "uint16")
    ok = np.empty(shape, dtype=bool)
    for i in range(k):
        p = np.asarray(blocks[i], dtype="float32").reshape(shape)
        np.equal(p, p, out=ok)  # not NaN
        if has_valid:
            ok &= np.asarray(blocks[k + i], dtype=bool).reshape(shape)
        n += ok
        planes[i].fill(np.inf)
        np.copyto(planes[i], p, where=ok)
    if k == 1:
        med = planes[0]
    else:
        if k <= _NETWORK_MAX:
            _sort_network(planes)
            ordered, axis = planes, 0
        else:
            ordered, axis = np.sort(np.ascontiguousarray(np.moveaxis(planes, 0, -1)), axis=-1), -1
        half = n // 2
        hi = np.take_along_axis(ordered, np.expand_dims(half, axis), axis=axis).reshape(shape)
        odd = (n & 1).astype(bool)  # odd counts: the median is ``hi``
        lo_idx = np.minimum(half - 1, half)  # lower middle of an even count (n == 0 wraps to 0, masked below)
        med = np.take_along_axis(ordered, np.expand_dims(lo_idx, axis), axis=axis).reshape(shape)
        med += hi
        med *= np.float32(0.5)
        np.copyto(med, hi, where=odd)
    np.copyto(med, np.float32(np.nan), where=n == 0)
    return med[np.newaxis]


def _median2(*blocks: np.ndarray, has_valid: bool, shape: tuple[int, ...]) -> np.ndarray:
    """The two-date median (the most common case: two dates a month): the mean of the valid ones, or the one.

    Most passes are over one-byte masks; the float planes are read once for the mean and once per one-sided case.
    """
    a, b = (np.asarray(blk, dtype="float32").reshape(shape) for blk in blocks[:2])
    ok_a, ok_b = np.equal(a, a), np.equal(b, b)  # not NaN
    if has_valid:
        ok_a &= np.asarray(blocks[2], dtype=bool).reshape(shape)
        ok_b &= np.asarray(blocks[3], dtype=bool).reshape(shape)
    med = np.add(a, b)
    med *= np.float32(0.5)  # what nanmedian computes for two values: their float32 mean
    only = np.greater(ok_a, ok_b)
    np.copyto(med, a, where=only)
    np.greater(ok_b, ok_a, out=only)
    np.copyto(med, b, where=only)
    np.logical_or(ok_a, ok_b, out=only)
    np.logical_not(only, out=only)
    np.copyto(med, np.float32(np.nan), where=only)
    return med[np.newaxis]


def _count_kernel(*blocks: np.ndarray, k: int, has_valid: bool) -> np.ndarray:
    n = np.zeros(blocks[0].shape[-2:], dtype="uint16")
    for i in range(k):
        ok = ~np.isnan(np.asarray(blocks[i]).reshape(n.shape))
        if has_valid:
            ok &= np.asarray(blocks[k + i], dtype=bool).reshape(n.shape)
        n += ok
    return n[np.newaxis]


def _max_kernel(*blocks: np.ndarray, k: int, has_valid: bool) -> np.ndarray:
    """blocks = k score planes, k band planes [+ k valid planes]: the band value at the highest valid score."""
    shape = blocks[0].shape[-2:]
    best = np.full(shape, -np.inf, dtype="float32")
    out = np.full(shape, np.nan, dtype="float32")
    for i in range(k):
        score = np.asarray(blocks[i], dtype="float32").reshape(shape)
        ok = ~np.isnan(score)
        if has_valid:
            ok &= np.asarray(blocks[2 * k + i], dtype=bool).reshape(shape)
        take = ok & (score > best)
        best = np.where(take, score, best)
        out = np.where(take, np.asarray(blocks[k + i], dtype="float32").reshape(shape), out)
    return out[np.newaxis]


def _planes(da: xr.DataArray, idx: np.ndarray, time_dim: str) -> list[Any]:
    arr = da.transpose(time_dim, ...).data
    return [arr[i : i + 1] for i in idx]


def _per_group(
    kernel: Any,
    inputs: list[xr.DataArray],
    valid: xr.DataArray | None,
    groups: np.ndarray,
    labels: pd.DatetimeIndex,
    time_dim: str,
    dtype: str,
) -> xr.DataArray:
    """Apply ``kernel`` to each period's date planes, block by block, without concatenating the dates."""
    import dask.array as dsa

    template = inputs[0].transpose(time_dim, ...)
    outs = []
    for g in range(len(labels)):
        idx = np.flatnonzero(groups == g)
        planes = [p for da in inputs for p in _planes(da, idx, time_dim)]
        if valid is not None:
            planes += _planes(valid.broadcast_like(template), idx, time_dim)
        kwargs = {"k": len(idx), "has_valid": valid is not None}
        if any(isinstance(p, dsa.Array) for p in planes):
            chunks = next(p.chunks for p in planes if isinstance(p, dsa.Array))
            planes = [dsa.asarray(p).rechunk(chunks) for p in planes]
            outs.append(dsa.map_blocks(kernel, *planes, dtype=dtype, **kwargs))
        else:
            outs.append(kernel(*planes, **kwargs))
    data = dsa.concatenate(outs, axis=0) if isinstance(outs[0], dsa.Array) else np.concatenate(outs, axis=0)
    coords = {k: v for k, v in template.coords.items() if time_dim not in v.dims}
    coords[time_dim] = labels
    return xr.DataArray(data, dims=template.dims, coords=coords, attrs=template.attrs)


def median_composite(
    data: xr.Dataset | xr.DataArray,
    *,
    valid: xr.DataArray | None = None,
    period: str = "1MS",
    time_dim: str = "time",
) -> Composite:
    """Per-pixel median of the valid observations of each period, for every band (lazy with dask input).

    Parameters
    ----------
    data
        Bands with a time dimension (reflectance or index values, NaN where invalid).
    valid
        Clear-observation mask broadcastable to ``data`` (e.g. ``CloudMask.valid``); ``None`` uses NaN only.
    period
        pandas offset alias of the compositing period (``"1MS"`` calendar months).

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> t = pd.to_datetime(["2024-01-02", "2024-01-12", "2024-01-22", "2024-02-01"])
    >>> da = xr.DataArray(np.array([1, 5, np.nan, 7.0]).reshape(4, 1, 1), dims=("time", "y", "x"),
    ...                   coords={"time": t}, name="red")
    >>> median_composite(da).data["red"].values.ravel().tolist()
    [3.0, 7.0]
    """
    ds = _prepare(data, time_dim)
    labels, groups = period_groups(ds[time_dim].values, period)
    bands = {
        name: _per_group(_median_kernel, [da], valid, groups, labels, time_dim, "float32")
        for name, da in ds.data_vars.items()
    }
    first = next(iter(ds.data_vars.values()))
    count = _per_group(_count_kernel, [first], valid, groups, labels, time_dim, "uint16")
    count.name = "count"
    params = {"period": period, "n_dates": int(ds.sizes[time_dim]), "n_periods": len(labels)}
    return Composite(xr.Dataset(bands), count, "median", params)


def max_ndvi_composite(
    data: xr.Dataset,
    *,
    ndvi: xr.DataArray,
    valid: xr.DataArray | None = None,
    period: str = "1MS",
    time_dim: str = "time",
) -> Composite:
    """Every band from the date of maximum valid NDVI in each period (Holben 1986); NaN where none is valid."""
    ds = _prepare(data, time_dim)
    labels, groups = period_groups(ds[time_dim].values, period)
    bands = {
        name: _per_group(_max_kernel, [ndvi, da], valid, groups, labels, time_dim, "float32")
        for name, da in ds.data_vars.items()
    }
    count = _per_group(_count_kernel, [ndvi], valid, groups, labels, time_dim, "uint16")
    count.name = "count"
    params = {"period": period, "n_dates": int(ds.sizes[time_dim]), "n_periods": len(labels)}
    return Composite(xr.Dataset(bands), count, "max_ndvi", params)
