"""Sun, Moon and planets seen from a site, on the per-time-step frames of :mod:`spacebridge.sky.frames`.

- Sun: the observer->Sun direction of ERFA's astrometry context (``apco``: ``epv00`` Earth ephemeris, observer
  included, so topocentric), plus aberration. Accurate to about 1 arcsec, enough for twilight to a second.
- Moon: ERFA ``moon98`` (Meeus 1998, *Astronomical Algorithms*, ch. 47; about 10 arcsec), topocentric.
- Planets: astropy's built-in ephemeris (ERFA ``plan94``, arcsec level) with one light-time iteration.
- Moon illumination: phase angle from the geocentric Sun and Moon vectors, ``k = (1 + cos i) / 2``
  (Meeus 1998, eqs. 48.2-48.3), as astroplan's ``moon_illumination``.

Checked against astropy's ``get_body`` + ``AltAz`` and skyfield (DE421) in ``tests/sky/test_ephemeris.py``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from spacebridge.core.errors import NotFoundError
from spacebridge.sky.frames import ObserverFrames, altaz_deg

__all__ = ["BODIES", "body_local", "local_altaz_deg", "moon_illumination", "moon_local", "sun_local"]

FloatArray = npt.NDArray[np.float64]
BODIES = ("sun", "moon", "mercury", "venus", "mars", "jupiter", "saturn", "uranus", "neptune")
_LIGHT_DAY_PER_AU = 0.0057755183  # light time for 1 au, in days (IAU 2012: 1 au / c)


def _rotate(frames: ObserverFrames, vec: FloatArray) -> FloatArray:
    return np.einsum("tij,tj->ti", frames.rotation, vec)


def sun_local(frames: ObserverFrames) -> FloatArray:
    """Unit vectors (T, 3) toward the Sun in the local frame (x south, y east, z up), aberration included."""
    local = _rotate(frames, frames.sun_dir + frames.beta)
    return local / np.linalg.norm(local, axis=1, keepdims=True)


def _moon_geocentric_au(frames: ObserverFrames) -> FloatArray:
    import erfa

    jd1 = np.floor(frames.jd_tt)
    pv = erfa.moon98(jd1, frames.jd_tt - jd1)
    return np.asarray(pv["p"], dtype=np.float64)


def moon_local(frames: ObserverFrames) -> tuple[FloatArray, FloatArray]:
    """Topocentric Moon: unit vectors (T, 3) in the local frame and distances (T,) in au."""
    geo = _moon_geocentric_au(frames)
    topo = _rotate(frames, geo) - frames.observer_local_au[None, :]
    dist = np.linalg.norm(topo, axis=1)
    return topo / dist[:, None], dist


def moon_illumination(frames: ObserverFrames) -> FloatArray:
    """Illuminated fraction of the Moon's disc (0-1) at each time step (Meeus 1998, eqs. 48.2-48.3)."""
    moon = _moon_geocentric_au(frames)
    sun = frames.sun_dir * frames.sun_dist_au[:, None]
    r_moon = np.linalg.norm(moon, axis=1)
    r_sun = np.linalg.norm(sun, axis=1)
    cos_elong = np.einsum("ti,ti->t", moon, sun) / (r_moon * r_sun)
    elong = np.arccos(np.clip(cos_elong, -1.0, 1.0))
    phase = np.arctan2(r_sun * np.sin(elong), r_moon - r_sun * np.cos(elong))
    return (1.0 + np.cos(phase)) / 2.0


def body_local(frames: ObserverFrames, name: str) -> FloatArray:
    """Unit vectors (T, 3) toward a solar-system body (one of :data:`BODIES`) in the local frame."""
    key = name.strip().lower()
    if key == "sun":
        return sun_local(frames)
    if key == "moon":
        return moon_local(frames)[0]
    if key not in BODIES:
        raise NotFoundError(
            f"unknown solar-system body {name!r}",
            hint=f"valid bodies: {', '.join(BODIES)}",
            argument="body",
            value=name,
            valid=list(BODIES),
        )
    from astropy.coordinates import get_body_barycentric
    from astropy.time import Time

    jd = frames.jd_tt
    vec = np.zeros((jd.size, 3))
    light_days = np.zeros(jd.size)
    for _ in range(2):  # geometric position, then one light-time iteration
        t = Time(jd - light_days, format="jd", scale="tt")
        bary = get_body_barycentric(key, t, ephemeris="builtin").xyz.to_value("au").T
        vec = bary - frames.observer_bcrs_au
        light_days = np.linalg.norm(vec, axis=1) * _LIGHT_DAY_PER_AU
    unit = vec / np.linalg.norm(vec, axis=1, keepdims=True)
    local = _rotate(frames, unit + frames.beta)
    return local / np.linalg.norm(local, axis=1, keepdims=True)


def local_altaz_deg(local: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Altitude and azimuth (deg) of local unit vectors (..., 3)."""
    return altaz_deg(local[..., 0], local[..., 1], local[..., 2])
