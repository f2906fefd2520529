"""A target that refuses connections, hangs or answers 500 gets verdicts, not a crash or a hang,
and the run still writes its results."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conformance import results as results_module
from conftest import DATE, load_results, run_hsba

ONLY = ["TV-01", "NK-01", "PQ-01", "PQ-04"]


class _Stub(BaseHTTPRequestHandler):
    mode = "500"

    def _answer(self) -> None:
        if self.mode == "hang":
            time.sleep(4)
        body = b'{"error": "internal"}'
        try:
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stub(request: pytest.FixtureRequest) -> Iterator[str]:
    handler = type("Handler", (_Stub,), {"mode": request.param})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _appraise(tmp_path: Path, base_url: str) -> tuple[int, dict[str, object], str]:
    target = tmp_path / "target.toml"
    accounts = "\n".join(f'[accounts.{k}]\nusername = "{k}"\npassword_env = "HSBA_TEST_PW"\n'
                         for k in ("bac_si", "dieu_duong", "quan_tri", "tai_khoan_khoa"))
    target.write_text(f'[target]\nname = "broken"\nadapter = "reference"\nbase_url = "{base_url}"\n'
                      f"connect_timeout = 1\nread_timeout = 1\n\n{accounts}", encoding="utf-8")
    out = tmp_path / "out"
    args = ["appraise", "--target", str(target), "--out", str(out), "--date", DATE]
    for cid in ONLY:
        args += ["--only", cid]
    proc = run_hsba(args, cwd=tmp_path, env={"HSBA_TEST_PW": "not-a-real-password"}, timeout=240)
    return proc.returncode, load_results(out), proc.stdout + proc.stderr


def _check(code: int, document: dict[str, object], output: str) -> None:
    assert "Traceback" not in output
    assert results_module.validate(document) == []
    verdicts = {c["id"]: c["verdict"] for c in document["criteria"]}  # type: ignore[attr-defined]
    assert set(verdicts) == set(ONLY)
    assert set(verdicts.values()) <= {"error", "indeterminate"}
    assert "error" in verdicts.values()
    assert document["summary"]["overall"] == "undecided"  # type: ignore[index]
    assert code == 4


def test_connection_refused(tmp_path: Path) -> None:
    code, document, output = _appraise(tmp_path, f"http://127.0.0.1:{_closed_port()}")
    _check(code, document, output)
    messages = " ".join(c["message"]["en"] for c in document["criteria"])  # type: ignore[attr-defined]
    assert "cannot reach the target" in messages


@pytest.mark.parametrize("stub", ["500"], indirect=True)
def test_server_error(tmp_path: Path, stub: str) -> None:
    code, document, output = _appraise(tmp_path, stub)
    _check(code, document, output)
    messages = " ".join(c["message"]["en"] for c in document["criteria"])  # type: ignore[attr-defined]
    assert "HTTP 500" in messages


@pytest.mark.parametrize("stub", ["hang"], indirect=True)
def test_hanging_target(tmp_path: Path, stub: str) -> None:
    code, document, output = _appraise(tmp_path, stub)
    _check(code, document, output)
    messages = " ".join(c["message"]["en"] for c in document["criteria"])  # type: ignore[attr-defined]
    assert "no answer within" in messages
