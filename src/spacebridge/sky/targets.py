"""Targets: fixed ICRS positions with proper motion, and solar-system bodies by name.

Proper motion is applied linearly in the tangent plane from the catalogue epoch to the night
(``p(t) = normalize(p0 + dt (mu_a* e_a + mu_d e_d))``): the error against astropy's rigorous
``apply_space_motion`` is below 0.2 arcsec after 30 years even for Barnard's star (10 arcsec/yr); parallax and
radial velocity are ignored (below 1 arcsec for every star but the nearest few).

Earth satellites (TLE/OMM) are in :mod:`spacebridge.sky.satellites`.

Examples
--------
>>> t = fixed_targets(["M31", "Vega"], [10.6847, 279.2347], [41.2690, 38.7837])
>>> t.ids
('M31', 'Vega')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from spacebridge.core.errors import InvalidInputError, MalformedInputError, OutOfRangeError

__all__ = ["FixedTargets", "fixed_targets", "targets_from_records"]

FloatArray = npt.NDArray[np.float64]
_MAS_TO_RAD = np.pi / (180.0 * 3600.0 * 1000.0)


@dataclass(frozen=True, eq=False)
class FixedTargets:
    """N fixed targets: ICRS right ascension and declination (deg) at ``epoch_jyear``, proper motions (mas/yr)."""

    ids: tuple[str, ...]
    ra_deg: FloatArray
    dec_deg: FloatArray
    pm_ra_cosdec_mas_yr: FloatArray
    pm_dec_mas_yr: FloatArray
    epoch_jyear: float = 2000.0

    def __len__(self) -> int:
        return len(self.ids)

    def unit_vectors(self, at_jyear: float | None = None) -> FloatArray:
        """ICRS unit vectors (N, 3) at Julian epoch ``at_jyear`` (proper motion applied linearly)."""
        ra, dec = np.radians(self.ra_deg), np.radians(self.dec_deg)
        cd = np.cos(dec)
        p = np.stack([cd * np.cos(ra), cd * np.sin(ra), np.sin(dec)], axis=1)
        if at_jyear is None or not (np.any(self.pm_ra_cosdec_mas_yr) or np.any(self.pm_dec_mas_yr)):
            return p
        years = float(at_jyear) - self.epoch_jyear
        e_ra = np.stack([-np.sin(ra), np.cos(ra), np.zeros_like(ra)], axis=1)
        e_dec = np.stack([-np.sin(dec) * np.cos(ra), -np.sin(dec) * np.sin(ra), cd], axis=1)
        shift = years * _MAS_TO_RAD * (self.pm_ra_cosdec_mas_yr[:, None] * e_ra + self.pm_dec_mas_yr[:, None] * e_dec)
        moved = p + shift
        return moved / np.linalg.norm(moved, axis=1, keepdims=True)

    def index(self, target_id: str) -> int:
        """Row of ``target_id``."""
        try:
            return self.ids.index(target_id)
        except ValueError:
            raise InvalidInputError(f"no target {target_id!r} in this list", value=target_id) from None


def _column(values: Any, n: int, name: str, default: float = 0.0) -> FloatArray:
    if values is None:
        return np.full(n, default)
    try:
        arr = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be numbers, got {values!r}", argument=name) from None
    if arr.size == 1 and n != 1:
        arr = np.full(n, arr[0])
    if arr.size != n:
        raise InvalidInputError(f"{name} has {arr.size} values for {n} targets", argument=name)
    return arr


def fixed_targets(
    ids: Sequence[str],
    ra_deg: npt.ArrayLike,
    dec_deg: npt.ArrayLike,
    *,
    pm_ra_cosdec_mas_yr: npt.ArrayLike | None = None,
    pm_dec_mas_yr: npt.ArrayLike | None = None,
    epoch_jyear: float = 2000.0,
) -> FixedTargets:
    """Validated fixed targets.

    Raises
    ------
    OutOfRangeError
        A declination outside [-90, 90] deg or a non-finite coordinate (the message names the targets).
    """
    names = tuple(str(i) for i in ids)
    n = len(names)
    ra = _column(ra_deg, n, "ra_deg")
    dec = _column(dec_deg, n, "dec_deg")
    bad_dec = ~np.isfinite(dec) | (dec < -90.0) | (dec > 90.0)
    if bad_dec.any():
        rows = np.flatnonzero(bad_dec)[:5]
        shown = ", ".join(f"{names[i]}={dec[i]:g}" for i in rows)
        raise OutOfRangeError(
            f"declination outside [-90, 90] deg for {int(bad_dec.sum())} target(s): {shown}",
            hint="give dec_deg in degrees between -90 and 90",
            argument="dec_deg",
            targets=[names[i] for i in rows],
        )
    bad_ra = ~np.isfinite(ra)
    if bad_ra.any():
        rows = np.flatnonzero(bad_ra)[:5]
        raise OutOfRangeError(
            f"right ascension is not a finite number for target(s) {', '.join(names[i] for i in rows)}",
            hint="give ra_deg in degrees (any finite value, wrapped to [0, 360))",
            argument="ra_deg",
        )
    if len(set(names)) != n:
        dupes = sorted({x for x in names if names.count(x) > 1})[:5]
        raise InvalidInputError(f"duplicate target ids: {', '.join(dupes)}", hint="give every target a unique id")
    return FixedTargets(
        ids=names,
        ra_deg=np.mod(ra, 360.0),
        dec_deg=dec,
        pm_ra_cosdec_mas_yr=_column(pm_ra_cosdec_mas_yr, n, "pm_ra_cosdec_mas_yr"),
        pm_dec_mas_yr=_column(pm_dec_mas_yr, n, "pm_dec_mas_yr"),
        epoch_jyear=float(epoch_jyear),
    )


def targets_from_records(records: Iterable[Mapping[str, Any]], *, epoch_jyear: float = 2000.0) -> FixedTargets:
    """Targets from rows with ``id`` (or ``name``), ``ra_deg``, ``dec_deg`` and optional proper motions.

    This is the shape of a CSV read with :class:`csv.DictReader` or of a JSON list of objects.
    """
    rows = list(records)
    ids, ra, dec, pmra, pmdec = [], [], [], [], []
    for i, row in enumerate(rows, start=1):
        ident = row.get("id", row.get("name"))
        if ident in (None, "") or row.get("ra_deg") in (None, "") or row.get("dec_deg") in (None, ""):
            raise MalformedInputError(
                f"target row {i} lacks id, ra_deg or dec_deg: {dict(row)!r}",
                hint="each target needs id (or name), ra_deg and dec_deg; pm_ra_cosdec_mas_yr and pm_dec_mas_yr "
                "are optional",
                row=i,
            )
        try:
            ra.append(float(row["ra_deg"]))
            dec.append(float(row["dec_deg"]))
            pmra.append(float(row.get("pm_ra_cosdec_mas_yr") or 0.0))
            pmdec.append(float(row.get("pm_dec_mas_yr") or 0.0))
        except (TypeError, ValueError):
            raise MalformedInputError(
                f"target row {i} ({ident}) has a non-numeric coordinate: {dict(row)!r}", row=i
            ) from None
        ids.append(str(ident))
    if not ids:
        raise MalformedInputError("the target list is empty", hint="give at least one target")
    return fixed_targets(ids, ra, dec, pm_ra_cosdec_mas_yr=pmra, pm_dec_mas_yr=pmdec, epoch_jyear=epoch_jyear)
