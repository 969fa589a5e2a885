"""The ITU-R digital maps: which files they come from, their grids, and how they are interpolated.

The maps are the ITU-R data files shipped (as compressed ``.npz``) by the ``itur`` package (ITU-Rpy 0.4.0,
MIT licence). :mod:`~spacebridge.connect.itur.mapcache` converts each one on first use into a memory-mapped
pack folder and returns it as a :class:`Grid`.

Interpolation follows Recommendation ITU-R P.1144-12, Annex 1: bilinear (§1b) on the four surrounding grid
points, or bicubic (§1c, Keys kernel with a = -0.5) on the sixteen surrounding points, as each Recommendation
asks. Hand-written because scipy's ``RegularGridInterpolator`` neither wraps longitudes nor implements the
P.1144 bicubic kernel, and because a gather of four or sixteen points over numpy arrays is faster for 10^5 sites.

Provenance of every map: see :data:`MAPS` (source file in ITU-Rpy, Recommendation and version) and
``docs/decisions/0201-itur-digital-maps.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

__all__ = ["MAPS", "P836_PERCENTAGES", "Grid", "MapSpec", "bicubic", "bilinear", "bracket", "p_token", "unique_pairs"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class MapSpec:
    """One ITU-R digital map: the itur file it is read from and its regular grid."""

    key: str
    """Our name for the map, e.g. ``"p1511/topo"``."""
    source: str
    """Path of the values inside ``itur/data``."""
    lat_source: str
    """Path of the latitude grid inside ``itur/data`` (its first column gives the latitudes)."""
    lon_source: str
    """Path of the longitude grid inside ``itur/data`` (its first row gives the longitudes)."""
    step_deg: float
    """Grid spacing in degrees (exact: the itur grids carry rounding errors, e.g. 0.08333333 for 1/12)."""
    recommendation: str
    """Recommendation and version whose data file this is, e.g. ``"P.1511-3"``."""
    lat0_deg: float | None = None
    """First latitude when it differs from the latitude file (the P.1511 EGM2008 map is one row larger)."""
    lon0_deg: float | None = None
    """First longitude when it differs from the longitude file."""


@dataclass(frozen=True)
class Grid:
    """A regular latitude/longitude grid of values, rows in increasing latitude."""

    values: FloatArray
    """``values[i, j]`` at latitude ``lat0_deg + i*step_deg`` and longitude ``lon0_deg + j*step_deg``."""
    lat0_deg: float
    lon0_deg: float
    step_deg: float
    spec: MapSpec
    folder: Path
    """The pack folder the map was read from."""

    @property
    def lon_period(self) -> int:
        """Number of columns spanning 360 degrees of longitude."""
        return round(360.0 / self.step_deg)


def _spec(key: str, source: str, lat: str, lon: str, step: float, rec: str, **kw: float) -> tuple[str, MapSpec]:
    return key, MapSpec(key, source, lat, lon, step, rec, **kw)


def p_token(p: float) -> str:
    """itur's file-name token for a percentage: 0.1 -> '01', 0.5 -> '05', 1 -> '1', 50 -> '50'."""
    return str(p).replace(".", "") if p < 1 else str(int(p))


#: Exceedance percentages of the annual maps of P.836-6 (and P.840-8), in %.
P836_PERCENTAGES: tuple[float, ...] = (0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5, 10, 20, 30, 50, 60, 70, 80, 90, 95, 99)


def _registry() -> dict[str, MapSpec]:
    entries = [
        _spec("p1510/t_annual", "1510/v1_t_annual.npz", "1510/v1_lat.npz", "1510/v1_lon.npz", 0.75, "P.1510-1"),
        *[
            _spec(
                f"p1510/t_month{m:02d}",
                f"1510/v1_t_month{m:02d}.npz",
                "1510/v1_lat.npz",
                "1510/v1_lon.npz",
                0.75,
                "P.1510-1",
            )
            for m in range(1, 13)
        ],
        _spec("p1511/topo", "1511/v2_topo.npz", "1511/v2_lat.npz", "1511/v2_lon.npz", 1 / 12, "P.1511-3"),
        _spec(
            "p1511/egm2008",
            "1511/v2_egm2008.npz",
            "1511/v2_lat.npz",
            "1511/v2_lon.npz",
            1 / 12,
            "P.1511-3",
            lat0_deg=-90 - 1 / 6,
            lon0_deg=-180 - 1 / 6,
        ),
        _spec("p453/nwet_50", "453/v13_nwet_annual_50.npz", "453/v13_lat_n.npz", "453/v13_lon_n.npz", 0.75, "P.453-14"),
        _spec("p837/r001", "837/v7_r001.npz", "837/v7_lat_r001.npz", "837/v7_lon_r001.npz", 0.125, "P.837-7"),
        *[
            _spec(
                f"p837/mt_month{m:02d}",
                f"837/v7_mt_month{m:02d}.npz",
                "837/v7_lat_mt.npz",
                "837/v7_lon_mt.npz",
                0.25,
                "P.837-7",
            )
            for m in range(1, 13)
        ],
        _spec("p839/h0", "839/v4_esa0height.npz", "839/v4_esalat.npz", "839/v4_esalon.npz", 1.5, "P.839-4"),
        _spec("p836/topo", "836/v6_topo_0dot5.npz", "836/v6_topolat.npz", "836/v6_topolon.npz", 0.5, "P.836-6"),
    ]
    for p in P836_PERCENTAGES:
        for var in ("rho", "v", "vsch"):
            entries.append(
                _spec(
                    f"p836/{var}_{p_token(p)}",
                    f"836/v6_{var}_{p_token(p)}.npz",
                    "836/v6_lat.npz",
                    "836/v6_lon.npz",
                    1.125,
                    "P.836-6",
                )
            )
        entries.append(
            _spec(
                f"p840/lred_{p_token(p)}",
                f"840/v7_lred_{p_token(p)}.npz",
                "840/v7_lat.npz",
                "840/v7_lon.npz",
                1.125,
                "P.840-8",
            )
        )
    return dict(entries)


#: Every map spacebridge can use, by key.
MAPS: dict[str, MapSpec] = _registry()


def _fractional_index(grid: Grid, lat_deg: FloatArray, lon_deg: FloatArray) -> tuple[FloatArray, FloatArray]:
    row = (lat_deg - grid.lat0_deg) / grid.step_deg
    col = np.mod(lon_deg - grid.lon0_deg, 360.0) / grid.step_deg
    return row, col


def bilinear(grid: Grid, lat_deg: FloatArray, lon_deg: FloatArray) -> FloatArray:
    """Bilinear interpolation of ``grid`` at the points (P.1144-12 Annex 1 §1b).

    Latitudes outside the grid are clamped to its edge rows; longitudes wrap around.
    """
    row, col = _fractional_index(grid, lat_deg, lon_deg)
    n_rows = grid.values.shape[0]
    r0 = np.clip(np.floor(row).astype(np.intp), 0, n_rows - 2)
    c0 = np.floor(col).astype(np.intp)
    fr = np.clip(row - r0, 0.0, 1.0)
    fc = col - c0
    period = grid.lon_period
    c0w = np.mod(c0, period)
    c1w = np.mod(c0 + 1, period)
    v = grid.values
    return np.asarray(
        v[r0, c0w] * (1 - fr) * (1 - fc)
        + v[r0 + 1, c0w] * fr * (1 - fc)
        + v[r0, c1w] * (1 - fr) * fc
        + v[r0 + 1, c1w] * fr * fc,
        dtype=np.float64,
    )


def _keys_kernel(d: FloatArray, a: float = -0.5) -> FloatArray:
    d = np.abs(d)
    near = (a + 2) * d**3 - (a + 3) * d**2 + 1
    far = a * d**3 - 5 * a * d**2 + 8 * a * d - 4 * a
    return np.where(d <= 1, near, np.where(d < 2, far, 0.0))


def bicubic(grid: Grid, lat_deg: FloatArray, lon_deg: FloatArray) -> FloatArray:
    """Bicubic interpolation of ``grid`` at the points (P.1144-12 Annex 1 §1c, a = -0.5)."""
    row, col = _fractional_index(grid, lat_deg, lon_deg)
    r0 = np.floor(row).astype(np.intp)
    c0 = np.floor(col).astype(np.intp)
    n_rows = grid.values.shape[0]
    period = grid.lon_period
    wr = [_keys_kernel(row - (r0 + i)) for i in range(-1, 3)]
    wc = [_keys_kernel(col - (c0 + j)) for j in range(-1, 3)]
    out = np.zeros(np.shape(row), dtype=np.float64)
    for i in range(-1, 3):
        rows = np.clip(r0 + i, 0, n_rows - 1)
        acc = np.zeros_like(out)
        for j in range(-1, 3):
            acc += grid.values[rows, np.mod(c0 + j, period)] * wc[j + 1]
        out += acc * wr[i + 1]
    return out


def bracket(percentages: Sequence[float], p: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The tabulated percentages just below and above ``p`` (equal when ``p`` is tabulated)."""
    table = np.asarray(percentages, dtype=np.float64)
    idx = np.clip(np.searchsorted(table, p, side="right") - 1, 0, len(table) - 1)
    below = table[idx]
    above = np.where(np.isclose(below, p, rtol=0, atol=1e-12), below, table[np.clip(idx + 1, 0, len(table) - 1)])
    return below, above


def unique_pairs(below: FloatArray, above: FloatArray) -> list[tuple[float, float]]:
    """The distinct (below, above) percentage pairs, to evaluate each pair of maps once."""
    b, a = np.ravel(below), np.ravel(above)
    if b.size and b.min() == b.max() and a.min() == a.max():
        return [(float(b[0]), float(a[0]))]
    codes = np.unique(b + 1j * a)  # one complex number per pair: a fast 1-D unique
    return [(float(c.real), float(c.imag)) for c in codes]
