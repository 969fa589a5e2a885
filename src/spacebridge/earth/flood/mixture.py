"""Two-component Gaussian mixtures fitted to histograms, many at once: the bimodality test of the threshold search.

A tile is tested by fitting two Gaussians to its histogram by expectation-maximisation (EM), started from the two
classes of Otsu's (1979) split, and by Ashman's D of the fit (Ashman et al. 1994). The fit is hand-written because
no installed library fits a mixture to binned counts (scikit-learn is not a dependency and would need every pixel
in memory), and because the split-based search fits thousands of tile histograms per Sentinel-2 tile: they are
fitted together, as ``(rows, 2, bins)`` arrays, in batches that run in threads (numpy releases the GIL on arrays
of this size).

Each row follows the same arithmetic whatever the batch it is in (element-wise operations, and sums along the
bins of a C-contiguous array, which numpy computes row by row), so a fit does not depend on the other rows, on the
batch size or on the number of threads. Otsu's threshold of each row is computed with scikit-image's formulas
(``threshold_otsu(hist=...)``: float32 counts, trimmed empty ends, first maximum) on all rows at once, and is
tested equal to it.

References
----------
Ashman, K. M., Bird, C. M., Zepf, S. E. (1994). Detecting bimodality in astronomical datasets. AJ 108, 2348-2361.
Dempster, A. P., Laird, N. M., Rubin, D. B. (1977). Maximum likelihood from incomplete data via the EM algorithm.
J. R. Stat. Soc. B 39(1), 1-38.
Otsu, N. (1979). A threshold selection method from gray-level histograms. IEEE SMC 9(1), 62-66.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from spacebridge.core.errors import InvalidInputError

__all__ = ["Gaussian2", "ashman_d", "fit_many", "fit_two_gaussians", "otsu_rows"]

FloatArray = npt.NDArray[np.float64]

_FIT_BATCH = 256
"""Most histograms fitted together in one batch (bounded temporaries: a few MB per batch)."""
_MIN_BATCH = 32
"""Fewest histograms per batch when a level is shared between threads."""


@dataclass(frozen=True)
class Gaussian2:
    """A two-component 1-D Gaussian mixture; component 0 has the lower mean."""

    weight: tuple[float, float]
    mean: tuple[float, float]
    std: tuple[float, float]

    @property
    def ashman_d(self) -> float:
        return ashman_d(self.mean[0], self.std[0], self.mean[1], self.std[1])


def ashman_d(mean1: float, std1: float, mean2: float, std2: float) -> float:
    """Ashman's D = sqrt(2)·|mu1 - mu2| / sqrt(s1² + s2²) (Ashman et al. 1994).

    Examples
    --------
    >>> round(ashman_d(0.0, 1.0, 4.0, 1.0), 3)
    4.0
    """
    denom = math.sqrt(std1 * std1 + std2 * std2)
    if denom == 0.0:
        return math.inf if mean1 != mean2 else 0.0
    return math.sqrt(2.0) * abs(mean1 - mean2) / denom


def otsu_rows(counts: npt.ArrayLike, centers: npt.ArrayLike) -> FloatArray:
    """Otsu's threshold of each row of ``counts`` (``(k, nbins)``, each with at least two occupied bins).

    The same values as ``skimage.filters.threshold_otsu(hist=(row, centers))`` row by row: the counts as float32,
    the between-class variance only where the histogram trimmed of its empty ends has bins on both sides, and the
    first maximum.

    Examples
    --------
    >>> otsu_rows([[0, 5, 1, 0, 4, 6, 0], [3, 0, 0, 0, 0, 0, 3]], np.arange(7.0))
    array([3., 0.])
    """
    x = np.asarray(centers, dtype=np.float64)
    c = np.asarray(counts).astype(np.int64).astype(np.float32)
    if c.ndim != 2 or x.ndim != 1 or c.shape[1] != x.size:
        raise InvalidInputError(
            f"counts of shape {c.shape} do not match {x.size} bin centres",
            hint="Give a (rows, bins) array of counts and the bins' centres",
        )
    nb = c.shape[1]
    occupied = c > 0
    if (np.count_nonzero(occupied, axis=1) < 2).any():
        raise InvalidInputError(
            "a histogram has fewer than two occupied bins: Otsu's threshold is not defined",
            hint="Leave such rows out (fit_many gives them no fit)",
            rows=np.flatnonzero(np.count_nonzero(occupied, axis=1) < 2).tolist(),
        )
    start = np.argmax(occupied, axis=1)
    end = nb - np.argmax(occupied[:, ::-1], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):  # 0/0 in the empty ends, masked below
        weight1 = np.cumsum(c, axis=1)
        weight2 = np.cumsum(c[:, ::-1], axis=1)[:, ::-1]
        moment = c * x
        mean1 = np.cumsum(moment, axis=1) / weight1
        mean2 = (np.cumsum(moment[:, ::-1], axis=1) / weight2[:, ::-1])[:, ::-1]
        variance12 = weight1[:, :-1] * weight2[:, 1:] * (mean1[:, :-1] - mean2[:, 1:]) ** 2
    j = np.arange(nb - 1)
    inside = (j >= start[:, None]) & (j < end[:, None] - 1)
    return x[np.argmax(np.where(inside, variance12, -np.inf), axis=1)]


def _em_starts(n: FloatArray, x: FloatArray, floor_var: float) -> tuple[np.ndarray, FloatArray, FloatArray, FloatArray]:
    """Rows that can be fitted, and the weights, means and variances of their Otsu classes (the EM's start)."""
    total = n.sum(axis=1)
    rows = np.flatnonzero((total > 0) & (np.count_nonzero(n, axis=1) >= 2))
    n, total = n[rows], total[rows]
    low = x[None, :] <= otsu_rows(n, x)[:, None]
    counts = np.stack([np.where(low, n, 0.0).sum(axis=1), np.where(low, 0.0, n).sum(axis=1)], axis=1)
    w = counts / total[:, None]
    keep = w.min(axis=1) > 0.0
    rows, n, low, counts, w = rows[keep], n[keep], low[keep], counts[keep], w[keep]
    sides = np.stack([low, ~low], axis=1)  # (rows, 2, bins)
    mu = np.where(sides, x * n[:, None, :], 0.0).sum(axis=2) / counts
    spread = np.where(sides, (x - mu[:, :, None]) ** 2 * n[:, None, :], 0.0).sum(axis=2) / counts
    return rows, w, mu, spread + floor_var


def fit_two_gaussians(
    counts: npt.ArrayLike, centers: npt.ArrayLike, *, max_iter: int = 200, tol: float = 1e-7
) -> Gaussian2 | None:
    """Fit a two-component Gaussian mixture to a histogram by expectation-maximisation.

    Starts from the two classes of Otsu's split. Returns ``None`` for histograms with fewer than two occupied bins.

    Parameters
    ----------
    counts
        Pixel count per bin.
    centers
        Bin centres, evenly spaced, in the unit of the variable.
    """
    return fit_many(np.asarray(counts)[None, :], centers, max_iter=max_iter, tol=tol)[0]


def fit_many(
    counts: npt.ArrayLike, centers: npt.ArrayLike, *, max_iter: int = 200, tol: float = 1e-7, threads: int | None = None
) -> list[Gaussian2 | None]:
    """:func:`fit_two_gaussians` of each row of ``counts`` (``(k, nbins)``), the rows fitted together.

    Rows are fitted in batches of at most 256, in up to ``threads`` threads (default: one per core); rows that
    have converged leave their batch. A row's fit is the same whatever the batches and threads.
    """
    n_all = np.asarray(counts, dtype=np.float64)
    x = np.asarray(centers, dtype=np.float64)
    width = float(x[1] - x[0]) if x.size > 1 else 1.0
    floor_var = width * width / 12.0  # a bin's own variance: keeps a spike from collapsing to zero width
    out: list[Gaussian2 | None] = [None] * n_all.shape[0]
    rows, w, mu, var = _em_starts(n_all, x, floor_var)
    if not len(rows):
        return out
    workers = max(1, threads if threads is not None else (os.cpu_count() or 1))
    size = min(_FIT_BATCH, max(_MIN_BATCH, -(-len(rows) // workers)))
    batches = [slice(top, top + size) for top in range(0, len(rows), size)]

    def run(b: slice) -> list[Gaussian2]:
        return _em(n_all[rows[b]], x, w[b].copy(), mu[b].copy(), var[b].copy(), floor_var, max_iter, tol)

    if len(batches) == 1 or workers == 1:
        fitted = [run(b) for b in batches]
    else:
        with ThreadPoolExecutor(max_workers=min(workers, len(batches))) as pool:
            fitted = list(pool.map(run, batches))
    for b, fits in zip(batches, fitted, strict=True):
        for i, fit in zip(rows[b], fits, strict=True):
            out[i] = fit
    return out


def _em(
    n: FloatArray, x: FloatArray, w: FloatArray, mu: FloatArray, var: FloatArray, floor_var: float,
    max_iter: int, tol: float,
) -> list[Gaussian2]:  # fmt: skip
    """EM iterations of one batch (rows of ``n`` with their starting ``w``, ``mu``, ``var``); one fit per row."""
    out: list[Gaussian2 | None] = [None] * n.shape[0]
    idx = np.arange(n.shape[0])
    total = n.sum(axis=1)
    previous = np.full(len(idx), -np.inf)
    xb = x[None, None, :]
    buffers: dict[int, np.ndarray] = {}
    tiny = np.finfo(np.float64).tiny
    for _ in range(max_iter):
        dens = np.subtract(xb, mu[:, :, None], out=_buffer(buffers, 0, (len(idx), 2, x.size)))
        np.square(dens, out=dens)
        np.multiply(-0.5, dens, out=dens)
        np.divide(dens, var[:, :, None], out=dens)
        np.exp(dens, out=dens)
        np.multiply(w[:, :, None], dens, out=dens)
        np.divide(dens, np.sqrt(2 * np.pi * var)[:, :, None], out=dens)
        mix = np.add(dens[:, 0, :], dens[:, 1, :], out=_buffer(buffers, 1, (len(idx), x.size)))
        np.copyto(mix, tiny, where=~(mix > 0))
        resp = np.divide(dens, mix[:, None, :], out=dens)
        loglik = np.sum(np.multiply(n, np.log(mix, out=mix), out=mix), axis=1) / total
        rn = np.multiply(resp, n[:, None, :], out=resp)
        nk = rn.sum(axis=2)
        stalled = np.any(nk <= 0, axis=1)  # a row that would divide by zero stops before its update
        go = ~stalled
        w_new = nk / total[:, None]
        tmp = _buffer(buffers, 2, (len(idx), 2, x.size))
        with np.errstate(divide="ignore", invalid="ignore"):  # the stalled rows' values are discarded
            mu_new = np.multiply(rn, xb, out=tmp).sum(axis=2) / nk
            np.subtract(xb, mu_new[:, :, None], out=tmp)
            np.square(tmp, out=tmp)
            var_new = np.multiply(rn, tmp, out=tmp).sum(axis=2) / nk + floor_var
        w[go], mu[go], var[go] = w_new[go], mu_new[go], var_new[go]
        converged = go & (np.abs(loglik - previous) < tol)
        previous = loglik
        done = stalled | converged
        if done.any():
            for j in np.flatnonzero(done):
                out[idx[j]] = _ordered(w[j], mu[j], var[j])
            keep = ~done
            idx, n, total, w, mu, var, previous = (
                idx[keep], n[keep], total[keep], w[keep], mu[keep], var[keep], previous[keep],
            )  # fmt: skip
            if not len(idx):
                break
    for k in range(len(idx)):
        out[idx[k]] = _ordered(w[k], mu[k], var[k])
    return [fit for fit in out if fit is not None]


def _buffer(buffers: dict[int, np.ndarray], key: int, shape: tuple[int, ...]) -> np.ndarray:
    """A float64 scratch array of ``shape`` (a view of the first, largest one allocated under ``key``)."""
    size = math.prod(shape)
    if key not in buffers or buffers[key].size < size:
        buffers[key] = np.empty(size, np.float64)
    return buffers[key][:size].reshape(shape)


def _ordered(w: FloatArray, mu: FloatArray, var: FloatArray) -> Gaussian2:
    order = np.argsort(mu)
    return Gaussian2(
        weight=(float(w[order[0]]), float(w[order[1]])),
        mean=(float(mu[order[0]]), float(mu[order[1]])),
        std=(float(math.sqrt(var[order[0]])), float(math.sqrt(var[order[1]]))),
    )
