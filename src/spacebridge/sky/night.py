"""The night of a local evening date: sunset, twilights and sunrise in UTC.

A night is searched between local civil noon of the evening date and local civil noon of the next day (so the
2024-03-01 change of Kazakhstan from UTC+6 to UTC+5 is handled by the time zone). Twilights are the times when the
geometric centre of the Sun crosses -6 (civil), -12 (nautical) and -18 deg (astronomical); sunset and sunrise use
-0.8333 deg (upper limb with 34 arcmin of standard refraction), as the USNO, skyfield's almanac and astroplan do.

The Sun's altitude is sampled every 10 minutes and each crossing is refined by regula falsi to well under a
second (``tests/sky/test_night.py`` compares with skyfield's almanac and astroplan).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from spacebridge.core.errors import InvalidInputError, NoValidDataError
from spacebridge.sky.ephemeris import local_altaz_deg, sun_local
from spacebridge.sky.frames import observer_frames
from spacebridge.sky.sites import Site, _parse_date, get_site

__all__ = ["TWILIGHT_SUN_ALTITUDE_DEG", "Night", "Twilight", "night_of", "sun_altitude_deg"]

Twilight = Literal["sunset", "civil", "nautical", "astronomical"]
TWILIGHT_SUN_ALTITUDE_DEG: dict[str, float] = {
    "sunset": -0.8333,
    "civil": -6.0,
    "nautical": -12.0,
    "astronomical": -18.0,
}
_STEP_S = 600
FloatArray = npt.NDArray[np.float64]
_NAT = np.datetime64("NaT", "ns")
_BRIGHTER_HINT = {
    "astronomical": "Use a brighter twilight (nautical or civil) or another date",
    "nautical": "Use a brighter twilight (civil or sunset) or another date",
    "civil": "Use twilight 'sunset' (the night between sunset and sunrise) or another date",
    "sunset": "The Sun does not set that night; choose another date",
}


def sun_altitude_deg(site: Site, times_utc: npt.NDArray[np.datetime64]) -> FloatArray:
    """Geometric (unrefracted) topocentric altitude of the Sun's centre (deg) at ``times_utc``."""
    frames = observer_frames(site, times_utc)
    return local_altaz_deg(sun_local(frames))[0]


@dataclass(frozen=True)
class Night:
    """Sun events of one night at one site, UTC ``datetime64[ns]`` (``NaT`` when an event does not happen).

    ``dusk_utc[name]`` / ``dawn_utc[name]`` for ``name`` in ``sunset``, ``civil``, ``nautical``, ``astronomical``.
    When the Sun is already below a threshold at the start of the search window (polar night) the dusk is the
    window start; likewise for the dawn.
    """

    site_id: str
    local_date: dt.date
    window_start_utc: np.datetime64
    window_end_utc: np.datetime64
    dusk_utc: dict[str, np.datetime64] = field(repr=False)
    dawn_utc: dict[str, np.datetime64] = field(repr=False)
    sun_min_altitude_deg: float

    def has_darkness(self, twilight: Twilight = "astronomical") -> bool:
        """Whether the Sun gets below the ``twilight`` threshold this night."""
        return self.sun_min_altitude_deg < TWILIGHT_SUN_ALTITUDE_DEG[_check_twilight(twilight)]

    def bounds(self, twilight: Twilight = "astronomical") -> tuple[np.datetime64, np.datetime64]:
        """Start and end (UTC) of the night between evening and morning ``twilight``.

        Raises
        ------
        NoValidDataError
            If the Sun never gets below the threshold (e.g. no astronomical darkness in summer at high latitude).
        """
        key = _check_twilight(twilight)
        if not self.has_darkness(twilight):
            raise NoValidDataError(
                f"no {key} darkness at {self.site_id} on the night of {self.local_date.isoformat()}: the Sun stays "
                f"above {TWILIGHT_SUN_ALTITUDE_DEG[key]:g} deg (lowest {self.sun_min_altitude_deg:.1f} deg)",
                hint=_BRIGHTER_HINT[key],
                site=self.site_id,
                night=self.local_date.isoformat(),
                twilight=key,
                sun_min_altitude_deg=round(self.sun_min_altitude_deg, 2),
            )
        return self.dusk_utc[key], self.dawn_utc[key]

    def duration_h(self, twilight: Twilight = "astronomical") -> float:
        """Length of the night between ``twilight`` s in hours (0 without darkness)."""
        if not self.has_darkness(twilight):
            return 0.0
        start, end = self.bounds(twilight)
        return float((end - start) / np.timedelta64(1, "s")) / 3600.0


def _check_twilight(twilight: str) -> str:
    if twilight not in TWILIGHT_SUN_ALTITUDE_DEG:
        raise InvalidInputError(
            f"unknown twilight {twilight!r}",
            hint=f"use one of {', '.join(TWILIGHT_SUN_ALTITUDE_DEG)}",
            argument="twilight",
            value=twilight,
        )
    return twilight


def _refine(site: Site, lo: FloatArray, hi: FloatArray, a_lo: FloatArray, a_hi: FloatArray, level: float) -> FloatArray:
    """Regula falsi on the Sun altitude for all brackets at once; times are seconds since the epoch."""
    epoch = np.datetime64("1970-01-01T00:00:00", "ns")
    t = lo
    for _ in range(6):
        t = lo + (level - a_lo) * (hi - lo) / (a_hi - a_lo)
        alt = sun_altitude_deg(site, epoch + (t * 1e9).astype("timedelta64[ns]"))
        left = np.sign(alt - level) == np.sign(a_lo - level)
        lo, a_lo = np.where(left, t, lo), np.where(left, alt, a_lo)
        hi, a_hi = np.where(left, hi, t), np.where(left, a_hi, alt)
        if np.all(hi - lo < 0.05) or np.all(np.abs(alt - level) < 1e-6):
            break
    return t


def night_of(site: Site | str, local_date: dt.date | str) -> Night:
    """Sunset, twilights and sunrise for the night starting on the local evening date ``local_date``.

    Examples
    --------
    >>> night = night_of("tien-shan", "2026-11-20")
    >>> start, end = night.bounds("astronomical")
    >>> round(night.duration_h("astronomical"), 1)
    11.1
    """
    site = get_site(site)
    day = _parse_date(local_date)
    start = np.datetime64(site.local_noon_utc(day).replace(tzinfo=None), "ns")
    end = np.datetime64(site.local_noon_utc(day + dt.timedelta(days=1)).replace(tzinfo=None), "ns")
    n = int((end - start) / np.timedelta64(_STEP_S, "s"))
    times = start + np.arange(n + 1) * np.timedelta64(_STEP_S, "s")
    times[-1] = end
    alt = sun_altitude_deg(site, times)
    secs = (times - np.datetime64("1970-01-01T00:00:00", "ns")) / np.timedelta64(1, "s")
    dusk: dict[str, np.datetime64] = {}
    dawn: dict[str, np.datetime64] = {}
    for name, level in TWILIGHT_SUN_ALTITUDE_DEG.items():
        below = alt < level
        if not below.any():
            dusk[name] = dawn[name] = _NAT
            continue
        down = np.flatnonzero(~below[:-1] & below[1:])  # sets below the level between i and i+1
        up = np.flatnonzero(below[:-1] & ~below[1:])
        idx = np.concatenate([down[:1], up[-1:]])
        found = _refine(site, secs[idx], secs[idx + 1], alt[idx], alt[idx + 1], level) if idx.size else np.empty(0)
        stamps = np.datetime64("1970-01-01T00:00:00", "ns") + (np.round(found * 1e9)).astype("timedelta64[ns]")
        dusk[name] = stamps[0] if down.size else start
        dawn[name] = stamps[-1] if up.size else end
    return Night(
        site_id=site.id,
        local_date=day,
        window_start_utc=start,
        window_end_utc=end,
        dusk_utc=dusk,
        dawn_utc=dawn,
        sun_min_altitude_deg=float(alt.min()),
    )
