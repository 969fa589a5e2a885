import subprocess
import sys
import time

import httpx
import pytest

from spacebridge.cli.main import main


def test_serve_help(capsys):
    assert main(["serve", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--port" in out
    assert "--db" in out


@pytest.mark.parametrize("workers", ["1", pytest.param("2", marks=pytest.mark.slow)])
def test_serve_answers_on_loopback(tmp_path, workers):
    """One process, or several (``--workers``) that share the database the parent migrated once."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log_file = (tmp_path / "server.log").open("wb")
    cmd = [sys.executable, "-m", "spacebridge.cli.main", "serve", "--port", str(port), "--data", str(tmp_path)]
    proc = subprocess.Popen(
        [*cmd, "--workers", workers],
        stdout=subprocess.DEVNULL,
        stderr=log_file,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                resp = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert resp.json()["status"] == "ok"
        assert (tmp_path / "spacebridge.sqlite").exists()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            answers = [client.get(path) for path in ("/health", "/stac", "/stac/collections", "/analyses") * 5]
        assert {r.status_code for r in answers} == {200}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log_file.close()
    log = (tmp_path / "server.log").read_text()
    assert f"with {workers} process(es)" in log
    assert "Traceback" not in log
