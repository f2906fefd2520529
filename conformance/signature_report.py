"""What a signature check says, in the shape of the ``verify-signature --json`` contract (DESIGN.md).

Kết quả kiểm tra chữ ký số: một bản ghi cho mỗi chữ ký, một kết luận cho mỗi tệp.

The PDF validator and the XML-signature validator both fill these records; the CLI prints them and the
probes judge criteria from them. A record is data: the processes that fill it live elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from asn1crypto import x509 as asn1_x509

from conformance.messages import Msg
from conformance.trust import INDETERMINATE, TOTAL_FAILED, TOTAL_PASSED

INDICATIONS = (TOTAL_PASSED, TOTAL_FAILED, INDETERMINATE)
KINDS = ("pdf", "pdf-timestamp", "xml")
MODIFICATIONS = ("none", "lta_updates", "form_filling", "annotations", "other")
COVERAGES = ("entire_file", "entire_revision", "partial", "unclear")
FILE_VERDICTS = ("valid", "invalid", "indeterminate", "no-signature")

TITLE_OID = "2.5.4.12"


@dataclass(frozen=True)
class SignerIdentity:
    """Who signed, as the certificate says. ``title_source`` tells where the chức danh was found:
    ``title`` (X.509 attribute 2.5.4.12), ``ou``, ``cn``, or None when absent."""

    name: str | None
    title: str | None
    title_source: str | None
    organisation: str | None = None


def signer_identity(cert: asn1_x509.Certificate | bytes, known_titles: tuple[str, ...] = ()) -> SignerIdentity:
    """Name and title (chức danh) of a certificate's subject.

    The title is looked for in the X.509 *title* attribute first, then — only when it matches one of
    ``known_titles`` (a facility's list of job titles) — in OU, then in CN (``Name - Title`` style)."""
    if not isinstance(cert, asn1_x509.Certificate):
        cert = asn1_x509.Certificate.load(cert)
    subject = cert.subject.native
    name = _first(subject.get("common_name"))
    org = _first(subject.get("organization_name"))
    title = _first(subject.get("title"))
    if title:
        return SignerIdentity(name, title, "title", org)
    lowered = {t.casefold(): t for t in known_titles}
    for ou in _all(subject.get("organizational_unit_name")):
        if ou.casefold() in lowered:
            return SignerIdentity(name, lowered[ou.casefold()], "ou", org)
    if name:
        for sep in (" - ", " – ", ", "):
            if sep in name:
                tail = name.rsplit(sep, 1)[1].strip()
                if tail.casefold() in lowered:
                    return SignerIdentity(name, lowered[tail.casefold()], "cn", org)
    return SignerIdentity(name, None, None, org)


def _all(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _first(value: Any) -> str | None:
    values = _all(value)
    return values[0] if values else None


@dataclass
class SignatureReport:
    """One signature (or document timestamp) in a file. Fields that do not apply are None."""

    index: int
    kind: str  # pdf | pdf-timestamp | xml
    indication: str  # TOTAL_PASSED | TOTAL_FAILED | INDETERMINATE
    sub_indication: str | None = None
    signer: str | None = None
    title: str | None = None
    title_source: str | None = None
    signing_time: str | None = None  # ISO 8601 with offset
    intact: bool | None = None
    trusted: bool | None = None
    modification: str | None = None  # PDF only
    coverage: str | None = None  # PDF only
    scope: str | None = None  # XML: the element path the signature really covers
    timestamped: bool | None = None
    message: Msg | None = None
    details: dict[str, Any] = field(default_factory=dict)  # validator-specific facts kept as evidence

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown signature kind {self.kind!r}")
        if self.indication not in INDICATIONS:
            raise ValueError(f"unknown indication {self.indication!r}")

    @property
    def passed(self) -> bool:
        return self.indication == TOTAL_PASSED

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index, "kind": self.kind, "signer": self.signer, "title": self.title,
            "title_source": self.title_source, "signing_time": self.signing_time, "intact": self.intact,
            "trusted": self.trusted, "indication": self.indication, "sub_indication": self.sub_indication,
            "modification": self.modification, "coverage": self.coverage, "scope": self.scope,
            "timestamped": self.timestamped, "message": self.message.to_json() if self.message else None,
        }


@dataclass
class FileSignatures:
    """Every signature found in one file, and the file's verdict."""

    file: str
    signatures: list[SignatureReport] = field(default_factory=list)
    error: Msg | None = None  # the file could not be read or parsed: verdict indeterminate

    @property
    def verdict(self) -> str:
        if self.error is not None:
            return "indeterminate"
        if not self.signatures:
            return "no-signature"
        if any(s.indication == TOTAL_FAILED for s in self.signatures):
            return "invalid"
        if any(s.indication == INDETERMINATE for s in self.signatures):
            return "indeterminate"
        return "valid"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "verdict": self.verdict,
                               "signatures": [s.to_json() for s in self.signatures]}
        if self.error is not None:
            out["message"] = self.error.to_json()
        return out
