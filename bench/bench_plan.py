"""Benchmark: a full connectivity plan for 100,000 settlements; baseline: the same plan with ``itur`` propagation.

- Ours: :func:`spacebridge.connect.plan.make_plan` on 100,000 seeded synthetic settlements over Kazakhstan with
  the default scenario: 3 systems (KazSat-3, KazSat-2, Starlink-like LEO) x 4 availability targets, forward link
  at 6 percentages of time and return link at the design availability, ACM with the DVB-S2X tables, capacity
  sharing, costs, three options and their greedy rollouts. Propagation: ``connect.itur`` (P.618-14), site terms
  computed once (:class:`~spacebridge.connect.propagation.SitePropagation`).
- Baseline: the same ``make_plan`` with the ``itur`` package (ITU-Rpy 0.4, its default recommendation versions)
  as the propagation model, on a random subsample of the settlements, extrapolated linearly to 100,000
  (propagation dominates and is linear in the number of settlements; the extrapolation is printed as such).
- Agreement: on the subsample, how often both plans pick the same system, and the spread of Es/N0 differences.
- Memory: peak resident memory of our 100,000-settlement run (target <= 500 MB); time target <= 15 s.
- The machine may be shared: our run's CPU time and the load average before and after are printed too.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import numpy as np

from _harness import Measurement, measure, report

N_SETTLEMENTS = 100_000
N_BASELINE = 300
SEED = 2026


@dataclass(frozen=True)
class _IturResult:
    gas_db: np.ndarray
    cloud_db: np.ndarray
    rain_db: np.ndarray
    scint_db: np.ndarray
    total_db: np.ndarray
    versions: dict = field(default_factory=dict)


def itur_model(lat_deg, lon_deg, freq_ghz, elevation_deg, p_percent, *, diameter_m, efficiency, tau_deg, hs_km=None):
    """``itur.atmospheric_attenuation_slant_path`` behind the signature of ``connect.itur.total_attenuation``."""
    import itur

    lat, lon, el, p = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in
                                            (lat_deg, lon_deg, elevation_deg, p_percent)))  # fmt: skip
    out = {k: np.zeros(lat.shape) for k in ("gas", "cloud", "rain", "scint", "total")}
    for value in np.unique(p):
        sel = p == value
        parts = itur.atmospheric_attenuation_slant_path(
            lat[sel], lon[sel], float(np.asarray(freq_ghz)), el[sel], float(value), float(diameter_m),
            eta=float(efficiency), tau=float(tau_deg), return_contributions=True,
        )  # fmt: skip
        for key, part in zip(("gas", "cloud", "rain", "scint", "total"), parts, strict=True):
            out[key][sel] = np.asarray(part.value, dtype=float)
    return _IturResult(out["gas"], out["cloud"], out["rain"], out["scint"], out["total"],
                       {"total": f"itur {itur.__version__} defaults"})  # fmt: skip


def main() -> None:
    from spacebridge.connect.itur import mapcache
    from spacebridge.connect.plan import make_plan
    from spacebridge.connect.scenario import default_scenario
    from spacebridge.connect.settlements import synthetic_settlements
    from spacebridge.core.settings import Settings

    load_before = os.getloadavg()
    maps_dir = Settings.from_env().itur_cache
    mapcache.build_pack(maps_dir=maps_dir)
    scenario = default_scenario()
    settlements = synthetic_settlements(N_SETTLEMENTS, seed=SEED)
    make_plan(synthetic_settlements(50, seed=1), scenario, maps_dir=maps_dir)  # warm: map pages, imports
    cpu = time.process_time()
    m_ours, plan = measure(f"spacebridge make_plan, {N_SETTLEMENTS} settlements x 3 systems x 4 targets",
                           lambda: make_plan(settlements, scenario, maps_dir=maps_dir))  # fmt: skip
    cpu_s = time.process_time() - cpu

    sub = np.sort(np.random.default_rng(SEED).choice(N_SETTLEMENTS, N_BASELINE, replace=False))
    small = settlements.subset(sub)
    make_plan(synthetic_settlements(5, seed=1), scenario, model=itur_model)  # warm itur's maps
    m_sub, base_plan = measure(f"make_plan with itur, {N_BASELINE} settlements",
                               lambda: make_plan(small, scenario, model=itur_model))  # fmt: skip
    m_base = Measurement(
        f"make_plan with itur propagation, {N_SETTLEMENTS} settlements (extrapolated linearly from {N_BASELINE})",
        m_sub.seconds * N_SETTLEMENTS / N_BASELINE,
        m_sub.peak_rss_mib,
    )
    ours_small = make_plan(small, scenario, maps_dir=maps_dir)
    same = float(np.mean(ours_small.option("hybrid").system_index == base_plan.option("hybrid").system_index))
    d_esn0 = np.concatenate([(a.esn0_db - b.esn0_db).ravel() for a, b in zip(ours_small.links, base_plan.links,
                                                                                strict=True)])  # fmt: skip
    d_esn0 = d_esn0[np.isfinite(d_esn0)]
    report(
        "plan",
        m_ours,
        m_base,
        settlements=N_SETTLEMENTS,
        cpu_seconds=round(cpu_s, 2),
        timings_s={k: round(v, 2) for k, v in plan.timings_s.items()},
        peak_memory_mib=round(m_ours.peak_rss_mib),
        hybrid_same_system_fraction_vs_itur=round(same, 4),
        esn0_difference_vs_itur_db={"median": round(float(np.median(d_esn0)), 3),
                                    "p95_abs": round(float(np.percentile(np.abs(d_esn0), 95)), 3)},
        baseline_note=f"itur time measured on {N_BASELINE} settlements in this run and extrapolated linearly",
        targets="<= 15 s, <= 500 MB",
        load_average_1_5_15_before=[round(x, 2) for x in load_before],
        load_average_1_5_15_after=[round(x, 2) for x in os.getloadavg()],
        logical_cpus=os.cpu_count(),
    )  # fmt: skip


if __name__ == "__main__":
    main()
