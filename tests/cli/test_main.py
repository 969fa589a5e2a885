import subprocess
import sys

from spacebridge.cli.main import main


def test_version(capsys):
    assert main(["--version"]) == 0
    assert "spacebridge" in capsys.readouterr().out


def test_help_lists_the_pillars(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "demo" in out


def test_unknown_command_is_a_usage_error(capsys):
    assert main(["no-such-command"]) == 2


def test_import_is_light():
    """Importing the CLI must not pull in the heavy scientific stack."""
    code = (
        "import sys, spacebridge.cli.main; "
        "heavy = [m for m in ('xarray', 'dask', 'rasterio', 'astropy', 'itur', 'sqlalchemy', 'matplotlib') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_batch_commands_tune_the_allocator_and_the_server_does_not(monkeypatch, capsys):
    import spacebridge.core.memory as memory

    calls = []
    monkeypatch.setattr(memory, "tune_allocator", lambda: calls.append(1) or True)
    assert main(["sky", "--help"]) == 0
    assert calls == [1]
    assert main(["serve", "--help"]) == 0
    assert calls == [1]  # a long-running server keeps glibc's defaults
