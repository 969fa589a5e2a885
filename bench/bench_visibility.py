"""Benchmark: visibility of 10,000 targets over one night at Tien Shan; baseline astroplan's observability_table.

Both sides get the same seeded random targets (uniform on the sphere), the same astronomical night
(2026-11-20, dusk to dawn), the same time grid (astroplan's ``time_grid_from_range``) and the same constraints:
altitude >= 30 deg, air mass <= 2, Sun below -18 deg, Moon at least 30 deg away. Both produce the same table
(ever observable, always observable, fraction of the night observable). The IERS tables are loaded by a warm-up
call on each side before timing. The agreement of the two observability masks is printed.

Run twice: at astroplan's default 30-minute grid (both sides in full) and at a 5-minute grid (spacebridge in full;
astroplan on a 1,000-target subsample, extrapolated linearly in the number of targets, which is how its cost grows).
"""

from __future__ import annotations

import warnings

import numpy as np

from _harness import Measurement, measure, report

N_TARGETS = 10_000
N_BASELINE_FINE = 1_000
SITE = "tien-shan"
NIGHT = "2026-11-20"


def _targets(n: int, seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(0.0, 360.0, n), np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))


def main() -> None:
    import astropy.units as u
    from astroplan import (
        AirmassConstraint,
        AltitudeConstraint,
        AtNightConstraint,
        FixedTarget,
        MoonSeparationConstraint,
        Observer,
        observability_table,
    )
    from astroplan.utils import time_grid_from_range
    from astropy.coordinates import EarthLocation, SkyCoord
    from astropy.time import Time

    import spacebridge.sky as sky

    warnings.simplefilter("ignore")  # astroplan's NonRotationTransformationWarning etc.
    sky.use_offline_iers()
    site = sky.get_site(SITE)
    dusk, dawn = sky.night_of(site, NIGHT).bounds("astronomical")
    ra, dec = _targets(N_TARGETS)
    targets = sky.fixed_targets([f"t{i}" for i in range(N_TARGETS)], ra, dec)
    ours_constraints = [
        sky.AltitudeConstraint(min_deg=30.0),
        sky.AirmassConstraint(max_airmass=2.0),
        sky.TwilightConstraint("astronomical"),
        sky.MoonSeparationConstraint(min_deg=30.0),
    ]
    observer = Observer(
        location=EarthLocation.from_geodetic(site.longitude_deg * u.deg, site.latitude_deg * u.deg, site.height_m * u.m)
    )
    ap_constraints = [
        AltitudeConstraint(min=30 * u.deg),
        AirmassConstraint(max=2.0),
        AtNightConstraint.twilight_astronomical(),
        MoonSeparationConstraint(min=30 * u.deg),
    ]
    time_range = Time([str(dusk), str(dawn)], scale="utc")

    def ours_for(times: np.ndarray, tg: sky.FixedTargets):
        def run() -> dict[str, np.ndarray]:
            grid = sky.compute_visibility(site, tg, times_utc=times)
            obs = sky.evaluate_constraints(grid, ours_constraints).observable
            return {"ever": obs.any(axis=1), "always": obs.all(axis=1), "fraction": obs.mean(axis=1), "mask": obs}

        return run

    def astroplan_for(resolution_h: float, idx: np.ndarray):
        coords = zip(idx, ra[idx], dec[idx], strict=True)
        fixed = [FixedTarget(SkyCoord(r * u.deg, d * u.deg), name=f"t{i}") for i, r, d in coords]

        def run() -> object:
            return observability_table(
                ap_constraints, observer, fixed, time_range=time_range, time_grid_resolution=resolution_h * u.h
            )

        return run

    def astroplan_mask(resolution_h: float, idx: np.ndarray) -> np.ndarray:
        from astroplan.constraints import is_event_observable

        fixed = SkyCoord(ra[idx] * u.deg, dec[idx] * u.deg)
        grid = time_grid_from_range(time_range, resolution_h * u.h)
        return is_event_observable(ap_constraints, observer, FixedTarget(fixed), times=grid)

    # Warm-up: IERS tables, ephemerides, caches.
    warm = np.arange(10)
    ours_for(time_grid_from_range(time_range, 0.5 * u.h).datetime64, targets)()
    astroplan_for(0.5, warm)()

    results = {}
    for label, resolution_h in (("30 min (astroplan default)", 0.5), ("5 min", 5.0 / 60.0)):
        times = time_grid_from_range(time_range, resolution_h * u.h).datetime64
        m_ours, out = measure(
            f"spacebridge, {N_TARGETS} targets x {times.size} steps", ours_for(times, targets), repeat=3
        )
        if resolution_h >= 0.5:
            m_base, _ = measure(
                f"astroplan observability_table, {N_TARGETS} targets", astroplan_for(resolution_h, np.arange(N_TARGETS))
            )
            check = np.arange(N_TARGETS)
        else:
            sub = np.random.default_rng(1).choice(N_TARGETS, N_BASELINE_FINE, replace=False)
            m_sub, _ = measure(f"astroplan on {N_BASELINE_FINE} targets", astroplan_for(resolution_h, sub))
            factor = N_TARGETS // N_BASELINE_FINE
            m_base = Measurement(
                f"astroplan observability_table, {N_BASELINE_FINE} targets extrapolated x{factor}",
                m_sub.seconds * N_TARGETS / N_BASELINE_FINE,
                m_sub.peak_rss_mib,
                {"measured_seconds": m_sub.seconds, "measured_targets": N_BASELINE_FINE},
            )
            check = sub
        ref = astroplan_mask(resolution_h, check)
        agree = float(np.mean(ref == out["mask"][check]))
        results[label] = report(
            f"visibility_{'30min' if resolution_h >= 0.5 else '5min'}",
            m_ours,
            m_base,
            time_steps=int(times.size),
            targets=N_TARGETS,
            mask_agreement_with_astroplan=f"{agree:.6f}",
            target_budget_s=0.1,
            machine_note="shared 2-core machine; other jobs were running",
        )


if __name__ == "__main__":
    main()
