"""The project's one XML-signature validator (XML-DSig, enveloped or by Id reference).

Bộ kiểm tra chữ ký số XML duy nhất của dự án: toàn vẹn, chứng thư số, và phạm vi thực sự được ký.

For every ``ds:Signature`` in a document: the cryptography is checked by signxml with the certificate carried in
the signature's KeyInfo; the certificate is judged by :func:`conformance.trust.check_certificate` at the signing
time (when the signature states one) or at ``at``; and the scope is established here, independently of
signxml: which element each Reference URI resolves to (``""`` = the whole document, ``#id`` = the one element
with that Id), refusing duplicated Ids, unresolvable or external references, and comparing the data signxml
says was signed with the element found here — so a wrapped signature (signed element moved aside, a forged one
put where readers look) does not pass. A signature whose references do not cover the whole document (or the
element the caller requires) does not pass either: its ``scope`` names what it really covers.

Used by the BHYT export validator (CHUKYDONVI) and by ``hsba verify-signature``.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from cryptography import x509
from lxml import etree
from signxml import (
    SignatureConfiguration,
)
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature

from conformance.messages import Msg
from conformance.signature_report import FileSignatures, SignatureReport, signer_identity
from conformance.trust import INDETERMINATE, TOTAL_FAILED, TrustStore, check_certificate_cached
from conformance.xml_safety import DEFAULT_LIMITS, Limits, UnsafeXML, parse_xml
from conformance.xmlsig_verifier import DS, NS, OneSignatureVerifier

__all__ = ["DS", "NS", "element_path", "verify_one", "verify_tree", "verify_xml_signatures"]

ID_ATTRIBUTES = ("Id", "ID", "id")
VN = timezone(timedelta(hours=7))


def _local(tag: Any) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else str(tag)


def element_path(element: etree._Element) -> str:
    """``/GIAMDINHHS/THONGTINHOSO`` style path (local names; ``[n]`` only where siblings share a name)."""
    parts: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        name = _local(node.tag)
        parent = node.getparent()
        if parent is not None:
            same = [c for c in parent if c.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/" + "/".join(reversed(parts))


_ID_XPATH = etree.XPath("//@*[local-name()='Id' or local-name()='ID' or local-name()='id']")


def _ids(root: etree._Element) -> dict[str, list[etree._Element]]:
    """Every Id/ID/id (any namespace, xml:id included) and the elements that carry it."""
    found: dict[str, list[etree._Element]] = {}
    for attr in _ID_XPATH(root):
        found.setdefault(str(attr), []).append(attr.getparent())
    return found


def _fingerprint(element: etree._Element, skip: etree._Element | None = None) -> list[tuple[str, str]]:
    """What a reader sees of an element: every element's name and text, in document order, without ``skip``
    (the enveloped signature) and its descendants."""
    skipped = set(skip.iter()) if skip is not None else set()
    return [(el.tag, (el.text or "").strip()) for el in element.iter("*") if el not in skipped]


@dataclass
class _Reference:
    uri: str | None
    element: etree._Element | None
    problem: Msg | None


def _resolve(signature: etree._Element, root: etree._Element, ids: dict[str, list[etree._Element]]) -> list[_Reference]:
    refs: list[_Reference] = []
    for ref in signature.findall("ds:SignedInfo/ds:Reference", NS):
        uri = ref.get("URI")
        if uri is None:
            refs.append(_Reference(uri, None, Msg("tham chiếu không có URI", "a reference without a URI")))
        elif uri == "":
            refs.append(_Reference(uri, root, None))
        elif uri.startswith("#") and not uri.startswith("#xpointer("):
            targets = ids.get(uri[1:], [])
            if len(targets) > 1:
                refs.append(_Reference(uri, None, Msg(
                    f"Id {uri[1:]!r} xuất hiện {len(targets)} lần — nghi tấn công bọc chữ ký (signature wrapping)",
                    f"Id {uri[1:]!r} occurs {len(targets)} times — possible signature wrapping")))
            elif not targets:
                refs.append(_Reference(uri, None, Msg(f"không tìm thấy phần tử có Id {uri[1:]!r}",
                                                      f"no element has Id {uri[1:]!r}")))
            else:
                refs.append(_Reference(uri, targets[0], None))
        else:
            refs.append(_Reference(uri, None, Msg(f"tham chiếu ngoài hoặc XPointer không được hỗ trợ: {uri[:80]}",
                                                  f"external or XPointer reference not supported: {uri[:80]}")))
    return refs


_TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y%m%d%H%M%S", "%Y-%m-%dT%H:%M:%S")


def _signing_time(signature: etree._Element) -> tuple[datetime | None, etree._Element | None]:
    """A SigningTime element inside the signature (XAdES or SignatureProperties) and its moment, if any."""
    for el in signature.iter("{*}SigningTime"):
        text = (el.text or "").strip().replace("Z", "+00:00")
        for fmt in _TIME_FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
            except ValueError:
                continue
            return (moment if moment.tzinfo else moment.replace(tzinfo=VN)), el
    return None, None


def _covers(covered: set[etree._Element | None], node: etree._Element, signature: etree._Element) -> bool:
    """Whether a referenced element covers ``node``; an enveloping reference does not cover the signature
    itself (the enveloped-signature transform removes it), a reference to an element inside it does."""
    inside_signature = signature in set(node.iterancestors())
    for el in covered:
        if el is None or not _within(node, el):
            continue
        if not inside_signature or signature in set(el.iterancestors()) or el is signature:
            return True
    return False


def _within(node: etree._Element, element: etree._Element) -> bool:
    """Whether ``node`` is ``element`` or one of its descendants."""
    return node is element or any(a is element for a in node.iterancestors())


def _leaf(certs: list[bytes]) -> bytes:
    """The signer's certificate among those in KeyInfo: the one that issued none of the others."""
    if len(certs) == 1:
        return certs[0]
    loaded = [_load_certificate(c) for c in certs]
    issuers = {c.issuer for c in loaded}
    for der, cert in zip(certs, loaded, strict=True):
        if cert.subject not in issuers:
            return der
    return certs[0]


@lru_cache(maxsize=64)
def _der(text: str) -> bytes:
    return base64.b64decode(re.sub(r"\s+", "", text), validate=True)


def _certificates(signature: etree._Element) -> list[bytes]:
    return [_der(node.text or "") for node in signature.iterfind("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)]


def _cached_check(store: TrustStore, cert_der: bytes, others: tuple[bytes, ...], moment: datetime) -> Any:
    return check_certificate_cached(store, cert_der, at=moment, intermediates=others)


@lru_cache(maxsize=64)
def _load_certificate(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)


@lru_cache(maxsize=64)
def _identity(der: bytes) -> Any:
    return signer_identity(der)


@lru_cache(maxsize=64)
def _subject(der: bytes) -> str:
    return str(_load_certificate(der).subject.rfc4514_string())


def _failed(index: int, sub: str, message: Msg, **extra: Any) -> SignatureReport:
    return SignatureReport(index=index, kind="xml", indication=TOTAL_FAILED, sub_indication=sub, message=message,
                           **extra)


def verify_one(root: etree._Element, signature: etree._Element, index: int, *, trust: TrustStore | None,
               at: datetime | None, required: etree._Element | None,
               ids: dict[str, list[etree._Element]], source: bytes | None = None) -> SignatureReport:
    refs = _resolve(signature, root, ids)
    paths = sorted({element_path(r.element) for r in refs if r.element is not None})
    scope = ", ".join(paths) if paths else None
    if not refs:
        return _failed(index, "FORMAT_FAILURE", Msg("chữ ký không có tham chiếu nào", "the signature has no reference"))
    for ref in refs:
        if ref.problem is not None:
            return _failed(index, "FORMAT_FAILURE", ref.problem, scope=scope, intact=False)
    try:
        certs = _certificates(signature)
    except (ValueError, TypeError):
        return _failed(index, "FORMAT_FAILURE", Msg("chứng thư trong KeyInfo hỏng", "broken certificate in KeyInfo"))
    if not certs:
        return SignatureReport(index=index, kind="xml", indication=INDETERMINATE,
                               sub_indication="NO_SIGNING_CERTIFICATE_FOUND",
                               scope=scope, message=Msg("chữ ký không kèm chứng thư số (X509Certificate)",
                                                        "the signature carries no certificate (X509Certificate)"))
    try:
        signer_der = _leaf(certs)
        cert = _load_certificate(signer_der)
    except ValueError:
        return _failed(index, "FORMAT_FAILURE", Msg("chứng thư trong KeyInfo hỏng", "broken certificate in KeyInfo"))
    others = tuple(c for c in certs if c != signer_der)
    verifier = OneSignatureVerifier(index, signature, [(r.uri, r.element) for r in refs])
    claimed, time_element = _signing_time(signature)
    covered = {r.element for r in refs}
    # a signing time counts only when a reference covers it (XAdES SignedProperties); otherwise it is a claim
    signing_time = claimed if time_element is not None and _covers(covered, time_element, signature) else None
    moment = signing_time or at or datetime.now(UTC).replace(second=0, microsecond=0)
    # signxml refuses a certificate outside its validity period; here the certificate is judged at the signing
    # moment by check_certificate (an ETSI indication), so signxml's own check is given a moment inside the period
    inside = min(max(moment, cert.not_valid_before_utc), cert.not_valid_after_utc)
    config = SignatureConfiguration(require_x509=True, location=".//", expect_references=len(refs),
                                    ignore_ambiguous_key_info=False, verification_time=inside)
    try:
        results = verifier.verify(root if root.getparent() is None else (source or root), x509_cert=cert,
                                  expect_config=config)
    except InvalidDigest as exc:
        return _failed(index, "HASH_FAILURE", Msg(f"dữ liệu đã bị thay đổi sau khi ký ({exc})",
                                                  f"the data was changed after signing ({exc})"),
                       scope=scope, intact=False)
    except (InvalidSignature, InvalidCertificate) as exc:
        return _failed(index, "SIG_CRYPTO_FAILURE", Msg(f"giá trị chữ ký không khớp ({exc})",
                                                        f"the signature value does not verify ({exc})"),
                       scope=scope, intact=False)
    except (InvalidInput, ValueError, TypeError, KeyError, etree.LxmlError) as exc:
        return _failed(index, "FORMAT_FAILURE", Msg(f"chữ ký không đọc được: {exc}", f"unreadable signature: {exc}"),
                       scope=scope, intact=False)
    result_list = results if isinstance(results, list) else [results]
    for number, (ref, result) in enumerate(zip(refs, result_list, strict=False)):
        assert ref.element is not None
        if number in verifier.same_view:
            continue  # digested over the reader's own element (see OneSignatureVerifier)
        signed = result.signed_xml
        enveloped = signature if _within(signature, ref.element) else None
        if signed is None or _fingerprint(signed) != _fingerprint(ref.element, enveloped):
            return _failed(index, "SIG_CONSTRAINTS_FAILURE", Msg(
                "dữ liệu được ký không phải phần tử mà người đọc thấy — nghi tấn công bọc chữ ký",
                "the signed data is not the element a reader sees — possible signature wrapping"),
                scope=scope, intact=True)
    identity = _identity(signer_der)
    base: dict[str, Any] = {"index": index, "kind": "xml", "signer": identity.name, "title": identity.title,
                            "title_source": identity.title_source, "intact": True, "scope": scope,
                            "signing_time": signing_time.isoformat() if signing_time else None,
                            "details": {"references": [r.uri for r in refs],
                                        "certificate_subject": _subject(signer_der),
                                        "claimed_signing_time": claimed.isoformat() if claimed else None}}
    target = required if required is not None else root
    if not any(_within(target, el) for el in covered if el is not None):
        return SignatureReport(indication=TOTAL_FAILED, sub_indication="SIG_CONSTRAINTS_FAILURE", **base,
                               message=Msg(f"chữ ký chỉ phủ {scope}, không phủ {element_path(target)}",
                                           f"the signature covers only {scope}, not {element_path(target)}"))
    if trust is None:
        return SignatureReport(indication=INDETERMINATE, sub_indication="NO_CERTIFICATE_CHAIN_FOUND", trusted=None,
                               **base, message=Msg("chữ ký toàn vẹn; chưa kiểm tra chứng thư (không có kho tin cậy)",
                                                   "the signature is intact; the certificate was not checked "
                                                   "(no trust store given)"))
    check = _cached_check(trust, signer_der, others, moment)
    base["details"]["certificate_path"] = list(check.path)
    return SignatureReport(indication=check.indication, sub_indication=check.sub_indication, trusted=check.trusted,
                           message=check.message, **base)


def verify_tree(root: etree._Element, *, name: str, trust: TrustStore | None, at: datetime | None = None,
                required: etree._Element | None = None, source: bytes | None = None) -> FileSignatures:
    """As :func:`verify_xml_signatures` on an already safely parsed tree (``source``: the bytes it was parsed
    from, when the tree is a whole document)."""
    report = FileSignatures(file=name)
    signatures = root.xpath("//ds:Signature", namespaces=NS)
    ids = _ids(root) if signatures else {}
    for index, signature in enumerate(signatures):
        try:
            report.signatures.append(verify_one(root, signature, index, trust=trust, at=at, required=required,
                                                ids=ids, source=source))
        except Exception as exc:  # a verdict, never a crash
            report.signatures.append(SignatureReport(
                index=index, kind="xml", indication=INDETERMINATE, sub_indication="GENERIC",
                message=Msg(f"lỗi khi kiểm tra chữ ký: {type(exc).__name__}: {exc}",
                            f"error while checking the signature: {type(exc).__name__}: {exc}")))
    return report


def verify_xml_signatures(data: bytes, *, name: str, trust: TrustStore | None, at: datetime | None = None,
                          limits: Limits = DEFAULT_LIMITS) -> FileSignatures:
    """Every ds:Signature in ``data``, each judged; the document must be covered as a whole to pass."""
    try:
        root = parse_xml(data, limits=limits, what=name)
    except UnsafeXML as exc:
        return FileSignatures(file=name, error=exc.message)
    return verify_tree(root, name=name, trust=trust, at=at, source=data)
