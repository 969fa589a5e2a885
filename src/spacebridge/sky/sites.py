"""Observatories and telescopes, read from editable data files.

The three observatories of the Fesenkov Astrophysical Institute ship in ``sky/data/sites.yaml``; each value there
is marked as sourced or assumed. Pass your own file to :func:`load_sites` to use measured values.

All times in spacebridge are UTC. A site's IANA time zone is used only to turn a *local evening date* (the date an
observer writes in the log) into a UTC window, with the ``tzdata`` package (IANA 2024a and later know that Kazakhstan
moved from UTC+6 to UTC+5 on 2024-03-01).

Examples
--------
>>> site = get_site("tien-shan")
>>> site.telescope("zeiss-1000-east").aperture_m
1.0
>>> str(site.local_noon_utc("2024-03-01"))
'2024-03-01 07:00:00+00:00'
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import yaml

from spacebridge.core.errors import ConfigurationError, InvalidInputError, NotFoundError

__all__ = ["Site", "Telescope", "get_site", "list_sites", "load_sites"]

_TELESCOPE_FLOATS = (
    "aperture_m",
    "min_altitude_deg",
    "max_altitude_deg",
    "hour_angle_min_h",
    "hour_angle_max_h",
    "dec_min_deg",
    "dec_max_deg",
    "slew_rate_deg_s",
    "settle_s",
    "readout_s",
    "filter_change_s",
)


@dataclass(frozen=True)
class Telescope:
    """One telescope: aperture, mount limits and overheads (units in the names)."""

    id: str
    name: str
    aperture_m: float
    mount: str  # "equatorial" or "altaz"
    min_altitude_deg: float
    max_altitude_deg: float
    hour_angle_min_h: float
    hour_angle_max_h: float
    dec_min_deg: float
    dec_max_deg: float
    slew_rate_deg_s: float
    settle_s: float
    readout_s: float
    filter_change_s: float
    sources: tuple[str, ...] = ()
    assumed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Site:
    """An observatory: geodetic position (WGS84), horizon mask, time zone and telescopes."""

    id: str
    name: str
    latitude_deg: float
    longitude_deg: float
    height_m: float
    timezone: str
    horizon_az_deg: tuple[float, ...]
    horizon_min_alt_deg: tuple[float, ...]
    telescopes: tuple[Telescope, ...]
    sources: tuple[str, ...] = ()
    assumed: tuple[str, ...] = ()

    def telescope(self, telescope_id: str | None = None) -> Telescope:
        """The telescope ``telescope_id`` (the site's first telescope when ``None``)."""
        if telescope_id is None:
            return self.telescopes[0]
        for tel in self.telescopes:
            if tel.id == telescope_id:
                return tel
        valid = [t.id for t in self.telescopes]
        raise NotFoundError(
            f"unknown telescope {telescope_id!r} at site {self.id!r}",
            hint=f"valid telescopes: {', '.join(valid)}",
            argument="telescope",
            value=telescope_id,
            valid=valid,
        )

    def horizon_min_altitude_deg(self, azimuth_deg: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Lowest usable altitude (deg) toward ``azimuth_deg`` (north = 0, east = 90), linearly interpolated."""
        az = np.mod(np.asarray(azimuth_deg, dtype=np.float64), 360.0)
        return np.interp(az, self.horizon_az_deg, self.horizon_min_alt_deg, period=360.0)

    @property
    def standard_pressure_hpa(self) -> float:
        """Pressure of the ICAO standard atmosphere at the site height (hPa), for refraction.

        ``p = 1013.25 (1 - 2.25577e-5 h)^5.25588`` (ICAO Doc 7488, troposphere).
        """
        return 1013.25 * (1.0 - 2.25577e-5 * self.height_m) ** 5.25588

    def utc_offset_hours(self, when_utc: dt.datetime) -> float:
        """Offset of local civil time from UTC (hours) at the UTC instant ``when_utc``."""
        aware = when_utc if when_utc.tzinfo else when_utc.replace(tzinfo=dt.UTC)
        offset = aware.astimezone(_zone(self.timezone)).utcoffset()
        return 0.0 if offset is None else offset.total_seconds() / 3600.0

    def local_noon_utc(self, local_date: dt.date | str) -> dt.datetime:
        """The UTC instant of local civil noon on ``local_date`` (a date or ``YYYY-MM-DD``)."""
        day = _parse_date(local_date)
        noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=_zone(self.timezone))
        return noon.astimezone(dt.UTC)


def _parse_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInputError(
            f"night date {value!r} is not a date",
            hint="give the local evening date as YYYY-MM-DD, e.g. 2026-11-20",
            argument="night",
            value=str(value),
        ) from None


@functools.lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    """The IANA zone from the ``tzdata`` package (not the system's, which may predate the 2024 change)."""
    try:
        resource = importlib.resources.files("tzdata").joinpath("zoneinfo", *name.split("/"))
        with resource.open("rb") as fh:
            return ZoneInfo.from_file(fh, key=name)
    except (ModuleNotFoundError, FileNotFoundError):
        return ZoneInfo(name)


def _telescope(tel_id: str, raw: Mapping[str, Any], where: str) -> Telescope:
    try:
        values = {k: float(raw[k]) for k in _TELESCOPE_FLOATS}
        tel = Telescope(
            id=tel_id,
            name=str(raw["name"]),
            mount=str(raw["mount"]),
            sources=tuple(str(s) for s in raw.get("sources", ())),
            assumed=tuple(str(s) for s in raw.get("assumed", ())),
            **values,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"telescope {tel_id!r} in {where} is incomplete or malformed: {exc}",
            hint=f"each telescope needs name, mount and {', '.join(_TELESCOPE_FLOATS)}",
            telescope=tel_id,
        ) from None
    if tel.mount not in ("equatorial", "altaz") or tel.aperture_m <= 0 or tel.slew_rate_deg_s <= 0:
        raise ConfigurationError(
            f"telescope {tel_id!r} in {where}: mount must be equatorial or altaz, aperture and slew rate positive",
            telescope=tel_id,
        )
    return tel


def _site(site_id: str, raw: Mapping[str, Any], where: str) -> Site:
    try:
        lat, lon, height = float(raw["latitude_deg"]), float(raw["longitude_deg"]), float(raw["height_m"])
        mask = np.asarray(raw.get("horizon_mask", [[0, 0], [360, 0]]), dtype=np.float64)
        telescopes = tuple(_telescope(k, v, where) for k, v in (raw.get("telescopes") or {}).items())
        site = Site(
            id=site_id,
            name=str(raw["name"]),
            latitude_deg=lat,
            longitude_deg=lon,
            height_m=height,
            timezone=str(raw.get("timezone", "UTC")),
            horizon_az_deg=tuple(float(a) for a in mask[:, 0]),
            horizon_min_alt_deg=tuple(float(a) for a in mask[:, 1]),
            telescopes=telescopes,
            sources=tuple(str(s) for s in raw.get("sources", ())),
            assumed=tuple(str(s) for s in raw.get("assumed", ())),
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ConfigurationError(
            f"site {site_id!r} in {where} is incomplete or malformed: {exc}",
            hint="each site needs name, latitude_deg, longitude_deg, height_m and a horizon_mask of [az, alt] pairs",
            site=site_id,
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 360 and math.isfinite(height)) or not telescopes:
        raise ConfigurationError(
            f"site {site_id!r} in {where}: latitude must be in [-90, 90], longitude in [-180, 360], "
            "and at least one telescope is needed",
            site=site_id,
        )
    try:
        _zone(site.timezone)
    except Exception:
        raise ConfigurationError(f"site {site_id!r}: unknown time zone {site.timezone!r}", site=site_id) from None
    return site


def load_sites(path: str | Path | None = None) -> Mapping[str, Site]:
    """Read a sites file (YAML, see ``sky/data/sites.yaml``); the bundled one when ``path`` is ``None``."""
    if path is None:
        text = importlib.resources.files("spacebridge.sky").joinpath("data", "sites.yaml").read_text("utf-8")
        where = "the bundled sites.yaml"
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise ConfigurationError(f"cannot read sites file {str(path)!r}: {exc}", path=str(path)) from None
        where = str(path)
    try:
        doc = yaml.safe_load(text)
        raw_sites = doc["sites"]
        return {str(k): _site(str(k), v, where) for k, v in raw_sites.items()}
    except (yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigurationError(
            f"{where} is not a valid sites file: {exc}", hint="it needs a top-level 'sites:' mapping"
        ) from None


@functools.lru_cache(maxsize=1)
def _bundled() -> Mapping[str, Site]:
    return load_sites()


def list_sites() -> tuple[str, ...]:
    """Ids of the bundled sites."""
    return tuple(_bundled())


def get_site(site_id: str | Site, *, sites: Mapping[str, Site] | None = None) -> Site:
    """The site ``site_id`` (``tien-shan``, ``assy-turgen``, ``kamenskoe``) from ``sites`` or the bundled file.

    Raises
    ------
    NotFoundError
        For an unknown id; the message lists the valid ones.
    """
    if isinstance(site_id, Site):
        return site_id
    table = _bundled() if sites is None else sites
    key = str(site_id).strip().lower()
    if key in table:
        return table[key]
    valid = sorted(table)
    raise NotFoundError(
        f"unknown site {site_id!r}",
        hint=f"valid sites: {', '.join(valid)}",
        argument="site",
        value=str(site_id),
        valid=valid,
    )
