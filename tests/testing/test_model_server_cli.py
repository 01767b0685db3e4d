"""``python -m codeloop.testing.model_server`` as a real subprocess."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import httpx
import pytest

SCRIPT = [
    {"output": [{"type": "message", "text": "Hi from the CLI!"}], "usage": {"input_tokens": 42}},
    {"fault": {"type": "http_error", "status": 429, "headers": {"Retry-After": "1"}}},
]


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "codeloop.testing.model_server", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_cli_serves_a_json_script(tmp_path, sig):
    script = tmp_path / "script.json"
    script.write_text(json.dumps(SCRIPT), encoding="utf-8")
    proc = _start("--script", str(script))
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("listening on http://127.0.0.1:")
        base_url = line.removeprefix("listening on ")
        assert base_url.endswith("/v1")

        ok = httpx.post(base_url + "/responses", json={"model": "m", "input": []}, timeout=5)
        assert ok.status_code == 200
        assert "Hi from the CLI!" in ok.text
        assert '"input_tokens":42' in ok.text
        limited = httpx.post(base_url + "/responses", json={}, timeout=5)
        assert (limited.status_code, limited.headers["retry-after"]) == (429, "1")
        assert httpx.get(base_url + "/models", timeout=5).status_code == 200

        proc.send_signal(sig)
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_refuses_non_loopback(tmp_path):
    script = tmp_path / "script.json"
    script.write_text("[]", encoding="utf-8")
    proc = _start("--script", str(script), "--host", "0.0.0.0")
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 2
    assert "loopback" in err


def test_cli_reports_a_bad_script(tmp_path):
    script = tmp_path / "script.json"
    script.write_text('[{"output": [{"type": "nope"}]}]', encoding="utf-8")
    proc = _start("--script", str(script))
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 2
    assert "cannot load script" in err
