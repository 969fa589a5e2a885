import spacebridge.connect as connect

# Locked: removing or renaming a public name is a breaking change; adding one means updating this list.
EXPECTED_PLAN_API = {
    "KAZSAT_2", "KAZSAT_3", "ONEWEB_LIKE", "STARLINK_LIKE", "EbN0Db", "ElevationStats", "EsN0Db", "LinkBudget",
    "LookAngles", "ModCod", "ModcodTable", "OrbitalSlot", "Terminal", "WalkerShell", "antenna_gain_dbi",
    "combine_cnir_db", "dvbs2_table", "dvbs2x_table", "ebn0_from_esn0", "ecef_positions_km", "esn0_from_cn0",
    "esn0_from_ebn0", "free_space_loss_db", "geo_look_angles", "get_slot", "link_availability_percent",
    "link_budget", "mean_throughput_mbps", "off_axis_gain_dbi", "satellites_from_tle", "serving_elevation_stats",
    "sky_noise_temperature_k", "symbol_rate_msps", "throughput_mbps", "walker_satellites",
    "Plan", "Scenario", "Settlements", "default_scenario", "load_scenario", "make_plan", "plan_rollout",
    "read_settlements", "synthetic_settlements", "write_plan",
}  # fmt: skip


def test_planning_api_is_locked():
    assert set(connect.__all__) == EXPECTED_PLAN_API
    for name in connect.__all__:
        assert hasattr(connect, name), name


def test_import_is_cheap():
    import subprocess
    import sys

    code = "import sys, spacebridge.connect; print('numpy' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
