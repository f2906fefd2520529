"""Secrets never reach evidence: headers, JSON fields, URLs, and known secret values anywhere."""

import json
from pathlib import Path

from conformance.evidence import EvidenceStore
from conformance.redaction import REDACTED, redact_body, redact_headers, redact_url


def test_secret_headers_are_redacted_and_others_kept() -> None:
    headers = redact_headers({"Authorization": "Bearer abc.def", "Cookie": "s=1", "Accept": "application/json"})
    assert headers == {"Authorization": REDACTED, "Cookie": REDACTED, "Accept": "application/json"}


def test_json_secret_fields_are_redacted_and_reported() -> None:
    body = json.dumps({"username": "bs.an", "password": "S3cret!pw", "nested": {"access_token": "tok-123456"}})
    redacted, found = redact_body(body.encode(), "application/json")
    doc = json.loads(redacted)
    assert doc["username"] == "bs.an"
    assert doc["password"] == REDACTED
    assert doc["nested"]["access_token"] == REDACTED
    assert found == {"S3cret!pw", "tok-123456"}


def test_known_secret_values_are_scrubbed_from_text_and_urls() -> None:
    redacted, _ = redact_body(b"echo: my pw is hunter2hunter2", "text/plain", {"hunter2hunter2"})
    assert b"hunter2" not in redacted
    url = redact_url("https://127.0.0.1/api?token=abcdef&q=1&x=hunter2hunter2", {"hunter2hunter2"})
    assert "abcdef" not in url and "hunter2" not in url and "q=1" in url


def test_exchange_evidence_holds_no_secret(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path, {"pw-from-env-1"})
    evidence = store.collector()
    login = {"kind": "http-exchange", "request": {"method": "POST", "url": "https://127.0.0.1/api/auth/login",
                                                  "headers": {"Content-Type": "application/json"}},
             "response": {"status": 200, "headers": {"Content-Type": "application/json"}}}
    evidence.record_exchange(login, b'{"username": "bs.an", "password": "pw-from-env-1"}',
                             b'{"token": "tok-secret-42", "user": {"id": "u1"}}', frozenset())
    later = {"kind": "http-exchange", "request": {"method": "GET", "url": "https://127.0.0.1/api/me",
                                                  "headers": {"Authorization": "Bearer tok-secret-42"}},
             "response": {"status": 200, "headers": {"Content-Type": "text/plain"}}}
    evidence.record_exchange(later, None, b"you sent tok-secret-42", frozenset())
    files = [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()]
    assert len(evidence.paths) == 2 and files
    everything = b"".join(p.read_bytes() for p in files)
    assert b"pw-from-env-1" not in everything
    assert b"tok-secret-42" not in everything
    assert b"bs.an" in everything  # what is not secret stays, to be read by an auditor


def test_evidence_is_content_addressed(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    first = store.put(b"same content", ".txt")
    second = store.put(b"same content", ".txt")
    assert first == second
    assert first.startswith("evidence/objects/")
    import hashlib
    assert hashlib.sha256((tmp_path / first).read_bytes()).hexdigest() in first
