"""Shared step of the signature and document probes: a fresh, discharged record's documents, each checked once
with the project's signature validator.

Bước dùng chung: tạo một hồ sơ mới, cho ra viện, lấy các tài liệu của hồ sơ và kiểm tra chữ ký số của từng
tài liệu (một lần cho mỗi tiến trình kiểm thử: các phép thử chữ ký chỉ đọc kết quả này).

The trust folder and the signing policy come from the target file: ``[target] trust = "test-pki" | "DIR"``
(relative to the target file) and ``[target] signing_policy = "FILE"`` (default: the project's policy). Without
a trust folder nothing is trusted, and the criteria that need one cannot be decided.
"""

from __future__ import annotations

import hashlib
import tomllib
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.adapters.protocol import Document, TargetSession
from conformance.probe_api import CannotDecide, ProbeContext
from conformance.probes import _setup as su
from conformance.signature_report import FileSignatures, SignatureReport
from conformance.signing_policy import SignerSeen, SigningPolicy, load_policy
from conformance.target import TargetError
from conformance.trust import TrustStore, TrustStoreError
from conformance.verify_signature import verify_bytes

ALLOWED_AFTER_SIGNING = ("none", "lta_updates", "form_filling")


@dataclass
class CheckedDocument:
    document: Document
    data: bytes
    result: FileSignatures

    @property
    def signatures(self) -> list[SignatureReport]:
        return [s for s in self.result.signatures if s.kind == "pdf"]

    def summary(self) -> dict[str, Any]:
        return {"id": self.document.id, "title": self.document.title, "doc_type": self.document.doc_type,
                "sha256": hashlib.sha256(self.data).hexdigest(), **self.result.to_json()}


@dataclass
class RecordDocuments:
    encounter_id: str
    documents: list[CheckedDocument]
    policy: SigningPolicy
    trusted: bool  # a trust folder was configured

    def signed(self) -> list[CheckedDocument]:
        return [d for d in self.documents if d.signatures]


def _target_table(ctx: ProbeContext) -> tuple[dict[str, Any], Path | None]:
    config = getattr(ctx.adapter, "config", None)
    path = getattr(config, "path", None)
    if not isinstance(path, Path) or not path.is_file():
        return {}, None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}, None
    table = data.get("target")
    return (table if isinstance(table, dict) else {}), path.parent


def trust_store(ctx: ProbeContext) -> TrustStore | None:
    """The trust folder of the target file (``[target] trust``), or the probe's ``trust`` parameter."""
    value = ctx.param("trust")
    try:
        if value:
            return TrustStore.test_pki() if value == "test-pki" else TrustStore.load(value)
        config = getattr(ctx.adapter, "config", None)
        loader = getattr(config, "trust_store", None)
        store = loader() if callable(loader) else None
        return store if isinstance(store, TrustStore) else None
    except (TrustStoreError, TargetError) as exc:
        raise CannotDecide(f"không dùng được thư mục tin cậy: {exc.message.vi}",
                           f"the trust folder cannot be used: {exc.message.en}") from None


def signing_policy(ctx: ProbeContext) -> SigningPolicy:
    table, base = _target_table(ctx)
    value = table.get("signing_policy")
    if not value:
        return load_policy()
    path = Path(str(value))
    return load_policy(path if path.is_absolute() or base is None else base / path)


_CACHE: weakref.WeakKeyDictionary[Any, dict[str, RecordDocuments]] = weakref.WeakKeyDictionary()


def record_documents(ctx: ProbeContext) -> RecordDocuments:
    """A fresh record (patient, encounter, one entry), discharged, with its documents checked. Made once per
    adapter and author in a process; every probe keeps its own evidence of it."""
    role = ctx.param("author_role", "bac_si")
    per_adapter = _CACHE.setdefault(ctx.adapter, {})
    cached = per_adapter.get(role)
    if cached is None:
        author: TargetSession = su.session(ctx, "author_role", "bac_si")
        rec = su.new_record(ctx, author, "diễn biến bệnh")
        author.discharge_encounter(rec.encounter.id)
        listed = author.list_documents(rec.encounter.id)
        if not listed:
            raise CannotDecide("hệ thống không trả về tài liệu nào của hồ sơ đã ra viện",
                               "the target returned no document for a discharged record")
        trust = trust_store(ctx)
        policy = signing_policy(ctx)
        checked = []
        for doc in listed:
            data = author.get_document(doc.id)
            checked.append(CheckedDocument(doc, data, verify_bytes(data, name=doc.title or doc.id, trust=trust,
                                                                   policy=policy)))
        cached = per_adapter[role] = RecordDocuments(rec.encounter.id, checked, policy, trust is not None)
    ctx.attach("documents.json", {"encounter": cached.encounter_id,
                                  "documents": [d.summary() for d in cached.documents]})
    for kept in cached.documents:  # the files themselves (the evidence store keeps one copy of each)
        ctx.evidence.add_file(f"{kept.document.id}.pdf", kept.data, kept.document.media_type or "application/pdf")
    return cached


def signers_seen(doc: CheckedDocument) -> list[SignerSeen]:
    sigs = doc.signatures
    out = []
    for i, s in enumerate(sigs):
        organisation = bool(s.details.get("certificate", {}).get("organisation_certificate"))
        whole = i == len(sigs) - 1 and s.modification in ("none", "lta_updates")
        out.append(SignerSeen(s.title, organisation, whole))
    return out


def label(doc: CheckedDocument) -> str:
    return f"{doc.document.title} ({doc.document.id})"
