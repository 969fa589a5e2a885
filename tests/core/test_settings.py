from pathlib import Path

import pytest

from spacebridge.core.errors import ConfigurationError
from spacebridge.core.settings import Settings


def test_defaults_use_sqlite_in_data_dir():
    s = Settings()
    assert s.resolved_db_url.startswith("sqlite:///")
    assert s.resolved_db_url.endswith("spacebridge.sqlite")


def test_from_env_reads_prefixed_variables_and_overrides_win():
    env = {"SPACEBRIDGE_DATA_DIR": "/tmp/x", "SPACEBRIDGE_WORKERS": "3", "SPACEBRIDGE_MAX_AOI_KM2": "12.5"}
    s = Settings.from_env(env, workers=None, dask_address="tcp://h:8786")
    assert s.data_dir == Path("/tmp/x")
    assert s.workers == 3
    assert s.max_aoi_km2 == 12.5
    assert s.dask_address == "tcp://h:8786"


def test_bad_env_value_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="SPACEBRIDGE_WORKERS"):
        Settings.from_env({"SPACEBRIDGE_WORKERS": "many"})


def test_to_env_round_trips_through_from_env():
    s = Settings(data_dir=Path("/tmp/d"), db_url="postgresql://u@h/db", workers=2, max_aoi_km2=12.5, chunk_px=512)
    env = s.to_env()
    assert env["SPACEBRIDGE_DATA_DIR"] == "/tmp/d"
    assert "SPACEBRIDGE_DASK_ADDRESS" not in env  # unset fields stay unset
    assert Settings.from_env(env) == s
