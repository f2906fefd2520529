"""The evidence store: content-addressed files under ``<out>/evidence/objects/``.

Every blob is named by its SHA-256, so the same content is kept once, a path proves its content,
and concurrent writers (pytest-xdist workers) cannot clash. An HTTP exchange is kept as a JSON
record (method, URL, status, headers, timing) whose bodies are blobs of their own; all of it is
redacted before it touches the disk.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from conformance.redaction import redact_body, redact_headers, redact_url, scrub_text

EVIDENCE_DIR = "evidence/objects"

_SUFFIX_BY_MEDIA = {
    "application/json": ".json", "application/fhir+json": ".json", "text/plain": ".txt",
    "application/xml": ".xml", "text/xml": ".xml", "application/pdf": ".pdf", "text/html": ".html",
}


def suffix_for(media_type: str) -> str:
    return _SUFFIX_BY_MEDIA.get(media_type.split(";")[0].strip().lower(), ".bin")


def object_path(digest: str, suffix: str) -> str:
    """Where a blob of SHA-256 ``digest`` lives inside the report bundle."""
    return f"{EVIDENCE_DIR}/{digest[:2]}/{digest}{suffix}"


class EvidenceStore:
    """Blobs under ``out_dir/evidence/objects``; paths returned are relative to ``out_dir``
    (the root of the report bundle)."""

    def __init__(self, out_dir: Path, secrets: set[str] | None = None) -> None:
        self.out_dir = out_dir
        self.root = out_dir / EVIDENCE_DIR
        self.secrets: set[str] = set(secrets or ())

    def put(self, content: bytes, suffix: str = ".bin") -> str:
        digest = hashlib.sha256(content).hexdigest()
        rel = object_path(digest, suffix)
        path = self.out_dir / rel
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(content)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return rel

    def put_json(self, data: Any) -> str:
        text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, default=str)
        return self.put(scrub_text(text, self.secrets).encode(), ".json")

    def collector(self) -> CriterionEvidence:
        return CriterionEvidence(self)


class CriterionEvidence:
    """The evidence of one criterion: an exchange recorder for the HTTP client and a sink for probes."""

    def __init__(self, store: EvidenceStore) -> None:
        self.store = store
        self.paths: list[str] = []
        self.attachments: list[dict[str, str]] = []

    def _keep(self, rel: str) -> str:
        if rel not in self.paths:
            self.paths.append(rel)
        return rel

    # EvidenceSink ----------------------------------------------------------------------------
    def add_file(self, name: str, content: bytes, media_type: str) -> str:
        if media_type.startswith(("text/", "application/json")):
            content = scrub_text(content.decode("utf-8", "replace"), self.store.secrets).encode()
        rel = self._keep(self.store.put(content, suffix_for(media_type)))
        self.attachments.append({"name": name, "path": rel, "media_type": media_type})
        return rel

    # ExchangeRecorder ------------------------------------------------------------------------
    def record_exchange(self, exchange: dict[str, Any], request_body: bytes | None,
                        response_body: bytes | None, secrets: frozenset[str]) -> None:
        store = self.store
        store.secrets |= secrets
        request = exchange["request"]
        response = exchange.get("response")
        # Bodies first: a login answer reveals a token that must be scrubbed everywhere else.
        req_media = _header(request["headers"], "content-type")
        resp_media = _header(response["headers"], "content-type") if response else ""
        req_blob = self._body_blob(request_body, req_media)
        resp_blob = self._body_blob(response_body, resp_media) if response is not None else None
        request["url"] = redact_url(request["url"], store.secrets)
        request["headers"] = redact_headers(request["headers"], store.secrets)
        request["body"] = req_blob
        if response is not None:
            response["headers"] = redact_headers(response["headers"], store.secrets)
            response["body"] = resp_blob
        if "error" in exchange:
            exchange["error"] = scrub_text(str(exchange["error"]), store.secrets)
        self._keep(store.put_json(exchange))

    def _body_blob(self, body: bytes | None, media_type: str) -> dict[str, Any] | None:
        if not body:
            return None
        redacted, found = redact_body(body, media_type, self.store.secrets)
        self.store.secrets |= found
        rel = self.store.put(redacted, suffix_for(media_type or "application/octet-stream"))
        return {"path": rel, "size": len(body), "media_type": media_type or None,
                "redacted": redacted != body}


def _header(headers: dict[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return ""
