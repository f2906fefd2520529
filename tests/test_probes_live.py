"""The live-system probes and their validators on small stand-ins: a plain-HTTP port behind an https://
address, a TLS server, prescription codes, security headers, and a target whose writes misbehave under
hostile input (5xx; a refusal that still changes data) — each caught, with the shrunk example kept."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from conformance import prescription_code, transport_check
from conformance.adapters.protocol import (
    Adapter,
    Capability,
    Encounter,
    Endpoint,
    Entry,
    Patient,
    Refused,
    TargetFailure,
    TargetSession,
)
from conformance.adapters.reference.pki import ca_bundle, server_ssl_context
from conformance.probe_api import EvidenceSink, ProbeContext, ProbeResult, registered_probes
from conformance.verdicts import Verdict


class DictSink(EvidenceSink):
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def add_file(self, name: str, content: bytes, media_type: str) -> str:
        self.files[name] = content
        return f"evidence/{name}"


def run(name: str, adapter: Adapter, params: dict[str, Any] | None = None) -> tuple[ProbeResult, DictSink]:
    sink = DictSink()
    result = registered_probes()[name].function(ProbeContext(adapter, params or {}, "XX-01", sink, date(2026, 1, 15)))
    json.dumps(result.details, ensure_ascii=False)
    assert result.message.vi and result.message.en
    return result, sink


class EndpointOnly(Adapter):
    name = "endpoint-only"

    def __init__(self, url: str, verify: bool | str = True) -> None:
        self.url, self.verify = url, verify

    def capabilities(self) -> frozenset[str]:
        return frozenset({Capability.TRANSPORT})

    def roles(self) -> list[str]:
        return []

    def session(self, role: str) -> TargetSession:
        raise NotImplementedError

    def login(self, role: str, *, password: str | None = None) -> TargetSession:
        raise NotImplementedError

    def anonymous(self) -> TargetSession:
        raise NotImplementedError

    def endpoint(self) -> Endpoint:
        return Endpoint(self.url, self.verify)


class _Open(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"patients": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def plain_server() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Open)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port
    server.shutdown()
    server.server_close()


@pytest.fixture
def tls_server() -> Iterator[int]:
    ctx = server_ssl_context()
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                raw, _ = listener.accept()
            except OSError:
                continue
            try:
                with ctx.wrap_socket(raw, server_side=True) as tls:
                    tls.recv(1024)
            except (OSError, ssl.SSLError):
                raw.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    listener.close()


def test_plain_http_behind_an_https_address_fails(plain_server: int) -> None:
    result, sink = run("transport.https_only", EndpointOnly(f"https://127.0.0.1:{plain_server}"))
    assert result.verdict is Verdict.FAIL and "200" in result.message.en
    assert "plain-http.json" in sink.files
    result, _ = run("transport.https_only", EndpointOnly(f"http://127.0.0.1:{plain_server}"))
    assert result.verdict is Verdict.FAIL and "not HTTPS" in result.message.en


def test_a_tls_only_port_passes_https_only_and_modern_tls(tls_server: int) -> None:
    adapter = EndpointOnly(f"https://127.0.0.1:{tls_server}", str(ca_bundle()))
    assert run("transport.https_only", adapter)[0].verdict is Verdict.PASS
    result, _ = run("transport.modern_tls", adapter)
    assert result.verdict is Verdict.PASS, result.message.en
    assert result.details["modern"]["negotiated"] in ("TLSv1.2", "TLSv1.3")


def test_prescription_codes() -> None:
    assert prescription_code.check("99999ab3k9x2-N", kind="N", facility="99999") == []
    assert prescription_code.check("01001AB3K9X2-H") == []
    for bad in ("99999ab3k9x2N", "99999ab3k9x-N", "9999ab3k9x2-N", "99999ab3k9_x2-N", "99999ab3k9x2-", "", None,
                "x" * 500, "99999ab3k9x2-NN"):
        assert prescription_code.check(bad), bad
    assert prescription_code.check("99999ab3k9x2-Q")  # not a known type
    assert prescription_code.check("99999ab3k9x2-N", kind="H")  # not the type issued
    assert prescription_code.check("99999ab3k9x2-N", facility="01001")


def test_security_header_rules() -> None:
    good = {"Strict-Transport-Security": "max-age=31536000", "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store", "Content-Security-Policy": "frame-ancestors 'none'"}
    assert transport_check.header_problems(good) == []
    assert len(transport_check.header_problems({})) == 4
    assert transport_check.header_problems({**good, "Strict-Transport-Security": "max-age=0"})


# --- a tiny in-memory target for the bad-input probe ------------------------------------------------------

class MemorySession(TargetSession):
    """Validates like a careful API, except for the misbehaviour it is given."""

    def __init__(self, misbehave: str | None) -> None:
        self.role = "bac_si"
        self.account = None
        self.misbehave = misbehave
        self.patients: dict[str, Patient] = {}
        self.entries: dict[str, Entry] = {}

    def _refuse(self, what: str) -> Refused:
        return Refused(422, f"invalid {what}", body={"error": {"vi": what, "en": what}})

    def create_patient(self, national_id: str, name: str, birth_date: str, sex: str) -> Patient:
        ok_date = len(birth_date) == 10 and birth_date[4] == "-" and birth_date.replace("-", "").isascii() \
            and birth_date.replace("-", "").isdigit()
        if not ok_date and self.misbehave == "crash":
            raise TargetFailure("POST /patients: the target failed with HTTP 500")
        if not ok_date and self.misbehave == "dirty-refusal":
            self.patients[f"p{len(self.patients)}"] = Patient(f"p{len(self.patients)}", national_id, name)
            raise self._refuse("birth_date")
        if not (national_id.isascii() and national_id.isdigit() and len(national_id) == 12):
            raise self._refuse("national_id")
        if not ok_date or not name.strip() or len(name) > 200 or sex not in ("male", "female", "other", "unknown"):
            raise self._refuse("field")
        p = Patient(f"p{len(self.patients)}", national_id, name, birth_date, sex)
        self.patients[p.id] = p
        return p

    def find_patients(self, national_id: str) -> list[Patient]:
        return [p for p in self.patients.values() if p.national_id == national_id]

    def create_encounter(self, patient_id: str, department: str, kind: str = "noi-tru") -> Encounter:
        return Encounter("e1", patient_id, department, kind)

    def create_entry(self, encounter_id: str, kind: str, text: str, extra: dict[str, Any] | None = None) -> Entry:
        if not text.strip() or len(text) > 10_000 or (not kind.isidentifier() and "-" not in kind) or extra:
            raise self._refuse("entry")
        e = Entry(f"n{len(self.entries)}", encounter_id, kind, text, 1, "u1", None)
        self.entries[e.id] = e
        return e

    def list_entries(self, encounter_id: str) -> list[Entry]:
        return list(self.entries.values())


class MemoryAdapter(EndpointOnly):
    def __init__(self, misbehave: str | None = None) -> None:
        super().__init__("https://127.0.0.1:1")
        self.s = MemorySession(misbehave)

    def capabilities(self) -> frozenset[str]:
        return frozenset({Capability.PATIENTS, Capability.ENCOUNTERS, Capability.ENTRIES})

    def session(self, role: str) -> TargetSession:
        return self.s


PARAMS = {"department": "noi", "examples": 30, "seed": 7}


def test_bad_input_passes_on_a_careful_target() -> None:
    result, sink = run("bad_input.writes_fail_safely", MemoryAdapter(), PARAMS)
    assert result.verdict is Verdict.PASS, result.message.en
    assert result.details["runs"]["create_patient"]["examples"] >= 10
    assert "bad-input.json" in sink.files


@pytest.mark.parametrize("misbehave, words", [("crash", "failed instead of answering 4xx"),
                                              ("dirty-refusal", "stored data changed")])
def test_bad_input_catches_a_misbehaving_target(misbehave: str, words: str) -> None:
    result, sink = run("bad_input.writes_fail_safely", MemoryAdapter(misbehave), PARAMS)
    assert result.verdict is Verdict.FAIL and words in result.message.en
    shrunk = json.loads(sink.files["bad-input-shrunk-example.json"])
    assert shrunk[0]["example"]["field"] == "birth_date"
    assert "shrunk example" in result.message.en
    again, _ = run("bad_input.writes_fail_safely", MemoryAdapter(misbehave), PARAMS)
    assert again.message.en == result.message.en  # seeded: the same example every run
