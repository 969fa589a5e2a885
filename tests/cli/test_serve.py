import subprocess
import sys
import time

import httpx

from spacebridge.cli.main import main


def test_serve_help(capsys):
    assert main(["serve", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--port" in out
    assert "--db" in out


def test_serve_answers_on_loopback(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "spacebridge.cli.main", "serve", "--port", str(port), "--data", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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
    finally:
        proc.terminate()
        proc.wait(timeout=20)
