"""Benchmark: satellite passes of 30,000 TLEs over one night at Tien Shan; baseline skyfield's find_events.

The catalogue is synthetic, built from the 190 real CelesTrak element sets of ``examples/data/tle`` (epochs
2026-06-26/27): each synthetic satellite copies a real one (85 % drawn from the LEO ones, since LEO objects dominate
CelesTrak's active catalogue, 15 % from the others) with its mean anomaly and right ascension of the ascending node
redrawn uniformly (seeded), then written as TLE text with sgp4's exporter, so parsing is timed too.

The window is the night of 2026-06-27 (sunset to sunrise, 8.7 h); passes must reach 10 deg. spacebridge runs the
whole catalogue after a 10-satellite warm-up (the night computation before it loads astropy's IERS tables once per
process; that time is printed separately). skyfield runs ``find_events`` and ``is_sunlit`` at each culmination on a
random subsample of 300 satellites; its time is extrapolated linearly to 30,000 (it works satellite by satellite).
The rise and set times of both on the subsample are compared.
"""

from __future__ import annotations

import datetime as dt
import time
import warnings
from pathlib import Path

import numpy as np

from _harness import Measurement, measure, report

N_SATELLITES = 30_000
N_BASELINE = 300
LEO_SHARE = 0.85
MIN_ELEVATION_DEG = 10.0
SITE = "tien-shan"
NIGHT = "2026-06-27"
SAMPLE_TLE = Path(__file__).resolve().parents[1] / "examples" / "data" / "tle" / "celestrak-active-20260626-excerpt.tle"


def synthetic_tle(n: int, seed: int = 2026) -> str:
    """TLE text of ``n`` satellites cloned from the bundled real ones, mean anomaly and RAAN redrawn."""
    from sgp4.api import WGS72, Satrec
    from sgp4.exporter import export_tle

    from spacebridge.sky.satellites import parse_catalog

    real = parse_catalog(SAMPLE_TLE.read_text())
    rng = np.random.default_rng(seed)
    leo = np.flatnonzero(real.mean_motion_rev_day > 6.0)
    other = np.flatnonzero(real.mean_motion_rev_day <= 6.0)
    picks = np.where(rng.random(n) < LEO_SHARE, rng.choice(leo, n), rng.choice(other, n))
    lines = []
    for i, j in enumerate(picks):
        src = real.satrecs[j]
        sat = Satrec()
        sat.sgp4init(
            WGS72, "i", 70000 + i, src.jdsatepoch + src.jdsatepochF - 2433281.5, src.bstar, src.ndot, src.nddot,
            src.ecco, src.argpo, src.inclo, rng.uniform(0, 2 * np.pi), src.no_kozai, rng.uniform(0, 2 * np.pi),
        )  # fmt: skip
        sat.classification, sat.intldesg, sat.elnum, sat.revnum = "U", "26001A", 999, 1
        line1, line2 = export_tle(sat)
        lines += [f"SYN-{i} (from {real.norad_ids[j]})", line1, line2]
    return "\n".join(lines) + "\n"


def main() -> None:
    import skyfield_data
    from skyfield.api import EarthSatellite, Loader, wgs84

    import spacebridge.sky as sky
    from spacebridge.sky.passes import find_passes
    from spacebridge.sky.satellites import parse_catalog

    warnings.simplefilter("ignore")
    site = sky.get_site(SITE)
    sky.use_offline_iers()
    first = time.perf_counter()
    start, end = sky.night_of(site, NIGHT).bounds("sunset")  # first astropy use: loads the IERS tables
    night_s = time.perf_counter() - first
    text = synthetic_tle(N_SATELLITES)

    warm_start = time.perf_counter()
    find_passes(parse_catalog(text[: text.index("SYN-10 ")]), site, start, end)  # 10 satellites: warm-up
    warm_s = time.perf_counter() - warm_start

    def ours() -> object:
        return find_passes(parse_catalog(text), site, start, end, min_elevation_deg=MIN_ELEVATION_DEG)

    m_ours, result = measure(f"spacebridge find_passes, {N_SATELLITES} TLEs", ours)

    catalog = parse_catalog(text)
    sub = np.sort(np.random.default_rng(1).choice(N_SATELLITES, N_BASELINE, replace=False))
    load = Loader(skyfield_data.get_skyfield_data_path(), expire=False)
    ts, eph = load.timescale(builtin=True), load("de421.bsp")
    topos = wgs84.latlon(site.latitude_deg, site.longitude_deg, elevation_m=site.height_m)
    t0 = ts.from_datetime(start.astype("datetime64[us]").astype(dt.datetime).replace(tzinfo=dt.UTC))
    t1 = ts.from_datetime(end.astype("datetime64[us]").astype(dt.datetime).replace(tzinfo=dt.UTC))
    sats = [EarthSatellite.from_satrec(catalog.satrecs[i], ts) for i in sub]

    def baseline() -> list:
        out = []
        for sat in sats:
            times, events = sat.find_events(topos, t0, t1, altitude_degrees=MIN_ELEVATION_DEG)
            culm = times[events == 1]
            sunlit = sat.at(culm).is_sunlit(eph) if len(culm) else []
            out.append((times, events, sunlit))
        return out

    m_sub, sky_events = measure(f"skyfield find_events + is_sunlit, {N_BASELINE} TLEs", baseline)
    eph.close()
    m_base = Measurement(
        f"skyfield, {N_BASELINE} TLEs extrapolated x{N_SATELLITES // N_BASELINE}",
        m_sub.seconds * N_SATELLITES / N_BASELINE,
        m_sub.peak_rss_mib,
        {"measured_seconds": m_sub.seconds, "measured_satellites": N_BASELINE},
    )
    worst, compared, missing = _compare(result, [catalog.norad_ids[i] for i in sub], sky_events)
    report(
        "passes",
        m_ours,
        m_base,
        satellites=N_SATELLITES,
        passes_found=len(result.passes),
        window_utc=f"{start} to {end}",
        night_with_first_iers_load_s=round(night_s, 2),
        warmup_10_satellites_s=round(warm_s, 2),
        subsample_events_compared=compared,
        subsample_events_missing=missing,
        subsample_worst_time_difference_s=round(worst, 3),
        target_budget_s=60.0,
        machine_note="shared 2-core machine; other jobs were running",
    )


def _compare(result, norad_ids: list[int], sky_events: list) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
    ours: dict[int, list] = {}
    for p in result.passes:
        ours.setdefault(p.norad_id, []).append(p)
    worst, compared, missing = 0.0, 0, 0
    for norad, (times, events, _) in zip(norad_ids, sky_events, strict=True):
        for t, event in zip(times, events, strict=True):
            if event == 1:
                continue  # culminations of slow satellites are ill-conditioned; rise and set are compared
            field = "rise_utc" if event == 0 else "set_utc"
            ref = np.datetime64(t.utc_datetime().replace(tzinfo=None), "ns")
            cands = [getattr(p, field) for p in ours.get(norad, []) if not np.isnat(getattr(p, field))]
            if not cands:
                missing += 1
                continue
            worst = max(worst, min(abs((c - ref) / np.timedelta64(1, "ns")) / 1e9 for c in cands))
            compared += 1
    return worst, compared, missing


if __name__ == "__main__":
    main()
