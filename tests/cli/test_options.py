"""Shared execution options: --dask and --workers, with SPACEBRIDGE_DASK_ADDRESS as the fallback."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from spacebridge.cli.options import DaskOption, WorkersOption, execution_settings
from spacebridge.core.errors import ConfigurationError
from spacebridge.core.settings import Settings


def _app(seen: list[Settings]) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    def run(dask: DaskOption = None, workers: WorkersOption = None) -> None:
        seen.append(execution_settings(dask, workers))

    return app


def test_options_reach_the_settings(monkeypatch):
    monkeypatch.delenv("SPACEBRIDGE_DASK_ADDRESS", raising=False)
    seen: list[Settings] = []
    runner = CliRunner()
    assert runner.invoke(_app(seen), ["--dask", "tcp://10.0.0.5:8786"]).exit_code == 0
    assert runner.invoke(_app(seen), ["--workers", "3"]).exit_code == 0
    assert runner.invoke(_app(seen), []).exit_code == 0
    assert [(s.dask_address, s.workers) for s in seen] == [("tcp://10.0.0.5:8786", None), (None, 3), (None, None)]


def test_environment_address_is_the_fallback_and_explicit_workers_win(monkeypatch):
    monkeypatch.setenv("SPACEBRIDGE_DASK_ADDRESS", "tcp://sched:8786")
    assert execution_settings(None, None).dask_address == "tcp://sched:8786"
    local = execution_settings(None, 2)
    assert (local.dask_address, local.workers) == (None, 2)


def test_both_options_at_once_is_an_error():
    with pytest.raises(ConfigurationError, match="--dask tcp://h:8786 and --workers 2 were both given"):
        execution_settings("tcp://h:8786", 2, settings=Settings())


def test_workers_must_be_positive():
    result = CliRunner().invoke(_app([]), ["--workers", "0"])
    assert result.exit_code == 2


def test_help_shows_the_execution_panel():
    result = CliRunner().invoke(_app([]), ["--help"], env={"COLUMNS": "200"})
    assert "--dask" in result.output
    assert "--workers" in result.output


@pytest.mark.parametrize("command", [["watch", "run"], ["watch", "daemon"]])
def test_the_watch_runner_takes_the_execution_options(command):
    from spacebridge.cli.main import app

    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--dask" in result.output
    assert "--workers" in result.output
