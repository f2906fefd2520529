"""The one HTTP client: a target's oversized, redirecting or slow answers become clear failures, recorded."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conformance.adapters.protocol import Forbidden, TargetFailure
from conformance.evidence import EvidenceStore
from conformance.http import HttpClient, check_status, recording


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            for _ in range(64):
                self.wfile.write(b"x" * 65536)
            return
        if self.path == "/slow":
            time.sleep(0.5)
        answers = {"/redirect": (302, b""), "/forbidden": (403, '{"error": {"vi": "cấm", "en": "no"}}'.encode())}
        status, body = answers.get(self.path, (200, b'{"ok": true}'))
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "http://example.invalid/")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the client hanging up on /huge is the point of that test


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_oversized_answer_is_a_target_failure(base_url: str) -> None:
    client = HttpClient(base_url, max_body=1024 * 1024)
    with pytest.raises(TargetFailure, match="larger than 1048576 bytes"):
        client.get("/huge")


def test_redirect_is_not_followed(base_url: str) -> None:
    response = HttpClient(base_url).get("/redirect")
    assert response.status == 302  # never followed off the target
    with pytest.raises(TargetFailure, match="unexpected redirect"):
        check_status(response)


def test_refusal_keeps_status_and_bilingual_text(base_url: str) -> None:
    with pytest.raises(Forbidden) as info:
        check_status(HttpClient(base_url).get("/forbidden"))
    assert info.value.status == 403 and "no" in info.value.en


def test_time_budget_and_recorded_failures(base_url: str, tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    evidence = store.collector()
    client = HttpClient(base_url, timeout=(1.0, 0.2))
    with recording(evidence, budget_s=5):
        assert client.get("/ok").json() == {"ok": True}
        with pytest.raises(TargetFailure, match="no answer within"):
            client.get("/slow")
    with recording(evidence, budget_s=0.001):
        time.sleep(0.01)
        with pytest.raises(TargetFailure, match="time budget"):
            client.get("/ok")
    records = [json.loads((tmp_path / p).read_text(encoding="utf-8")) for p in evidence.paths]
    assert [r["request"]["url"].rsplit("/", 1)[-1] for r in records] == ["ok", "slow"]
    assert records[0]["response"]["status"] == 200 and records[1]["response"] is None
    assert "timeout" in records[1]["error"]
