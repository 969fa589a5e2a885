"""Benchmark: P.618-14 total attenuation for 100,000 sites, cold start, memory; baseline ``itur`` (ITU-Rpy).

- Throughput: spacebridge on 100,000 random sites over Kazakhstan (one frequency, one percentage) against itur's
  ``atmospheric_attenuation_slant_path`` on a random subsample, extrapolated linearly to 100,000 sites (itur
  evaluates P.676 site by site, so its time is linear in the number of sites).
- Cold start: a fresh Python subprocess importing the library and computing one site, maps included (the
  converted-map cache of spacebridge exists: it is built once per installation, its build time is printed).
- Memory: peak resident memory of the 100,000-site run.
- The machine may be shared: the CPU time of our best run and the load average before and after are printed too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np

from _harness import Measurement, measure, report

N_SITES = 100_000
N_BASELINE = 400
FREQ_GHZ = 20.0
P_PERCENT = 0.1


def _sites(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(40.6, 55.4, n), rng.uniform(46.5, 87.3, n), rng.uniform(15.0, 45.0, n)


def _cold(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    from spacebridge.connect.itur import mapcache, total_attenuation
    from spacebridge.core.settings import Settings

    load_before = os.getloadavg()
    maps_dir = Settings.from_env().itur_cache
    start = time.perf_counter()
    mapcache.build_pack(maps_dir=maps_dir)
    build_s = time.perf_counter() - start

    lat, lon, el = _sites(N_SITES)
    cpu_s: list[float] = []

    def ours() -> object:
        cpu = time.process_time()
        result = total_attenuation(lat, lon, FREQ_GHZ, el, P_PERCENT, diameter_m=1.2, efficiency=0.65, tau_deg=45.0,
                                   maps_dir=maps_dir)  # fmt: skip
        cpu_s.append(time.process_time() - cpu)
        return result

    ours()  # first call: map pages, line tables
    m_ours, _ = measure(f"spacebridge total_attenuation, {N_SITES} sites", ours, repeat=3)

    import itur

    sub = np.random.default_rng(1).choice(N_SITES, N_BASELINE, replace=False)

    def baseline() -> object:
        return itur.atmospheric_attenuation_slant_path(
            lat[sub], lon[sub], FREQ_GHZ, el[sub], P_PERCENT, 1.2, eta=0.65, return_contributions=True
        )

    baseline()
    m_base_sub, _ = measure(f"itur, {N_BASELINE} sites", baseline)
    m_base = Measurement(
        f"itur atmospheric_attenuation_slant_path, {N_SITES} sites (extrapolated from {N_BASELINE})",
        m_base_sub.seconds * N_SITES / N_BASELINE,
        m_base_sub.peak_rss_mib,
    )
    cold_ours = _cold(
        "from spacebridge.connect.itur import total_attenuation as t; "
        "t(43.24, 76.95, 20.0, 35.0, 0.1, diameter_m=1.2, efficiency=0.65, tau_deg=45.0)"
    )
    cold_itur = _cold("import itur; itur.atmospheric_attenuation_slant_path(43.24, 76.95, 20.0, 35.0, 0.1, 1.2)")
    report(
        "itur_total_attenuation",
        m_ours,
        m_base,
        cpu_seconds_best=round(min(cpu_s), 3),
        sites_per_second=round(N_SITES / m_ours.seconds),
        itur_sites_per_second=round(N_BASELINE / m_base_sub.seconds),
        cold_start_s=round(cold_ours, 3),
        itur_cold_start_s=round(cold_itur, 3),
        cold_start_ratio=round(cold_itur / cold_ours, 2),
        peak_memory_mib=round(m_ours.peak_rss_mib),
        map_cache_build_s=round(build_s, 2),
        load_average_1_5_15_before=[round(x, 2) for x in load_before],
        load_average_1_5_15_after=[round(x, 2) for x in os.getloadavg()],
        logical_cpus=os.cpu_count(),
        targets="<= 1 s for 100k sites, >= 25x itur, cold start <= 1 s, memory <= 500 MB",
    )


if __name__ == "__main__":
    main()
