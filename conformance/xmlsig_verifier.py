"""signxml's XML-signature verifier as the project's validator drives it: one chosen signature of a document,
and a whole-document reference digested from one copy of the tree.

Bộ xác minh chữ ký XML của signxml theo cách dự án dùng: chọn đúng chữ ký cần kiểm tra, và tính giá trị băm của tham
chiếu toàn văn bản trên một bản sao cây XML (signxml vẫn tự kiểm tra chữ ký trên SignedInfo).

Used by :mod:`conformance.xmlsig` only (which owns the scope and wrapping analysis).
"""

from __future__ import annotations

from base64 import b64decode
from copy import deepcopy
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureConstructionMethod, VerifyResult, XMLVerifier
from signxml.exceptions import InvalidDigest, InvalidInput

DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"ds": DS}


class OneSignatureVerifier(XMLVerifier):
    """signxml's verifier, told which of several signatures to check (its default takes the first).

    signxml checks the SignedInfo signature itself. A reference to the whole document (the element this module
    resolved, a document root) with only the enveloped-signature and one canonicalisation transform is digested
    here: one copy of the tree without the signature, canonicalised by the same call signxml makes
    (:meth:`_c14n`), instead of signxml's three serialise-and-parse round trips of the document. Any other
    reference (an element inside the document, other transforms) goes through signxml's own code.
    ``same_view`` lists the references whose digested data is, element for element, the data a reader sees
    (no comment splitting a text, no text after the signature merged into its parent): their wrapping check is
    already decided, since the digest was taken over the reader's own element.
    """

    def __init__(self, index: int, signature: etree._Element | None = None,
                 targets: list[tuple[str | None, etree._Element | None]] | None = None) -> None:
        super().__init__()
        self._index = index
        self._signature = signature
        self._targets = targets or []
        self.same_view: set[int] = set()

    def get_root(self, data: Any) -> etree._Element:
        # a whole document this module parsed safely is used as it is (signxml only reads it: every reference
        # is resolved in a copy); anything else goes through signxml's own copy
        if isinstance(data, etree._Element) and data.getparent() is None:
            return data
        root: etree._Element = super().get_root(data)
        return root

    def _get_signature(self, root: etree._Element) -> etree._Element:
        if root.tag == f"{{{DS}}}Signature":
            return root
        if self._signature is not None and self._signature.getroottree().getroot() is root:
            return self._signature
        found = root.xpath("//ds:Signature", namespaces=NS)
        if len(found) <= self._index:
            raise InvalidInput("signature not found")
        return found[self._index]

    def _check_cert_validity(self, cert: x509.Certificate, cert_source: str) -> None:
        # signxml describes the certificate (its subject as a string) before comparing dates; the description is
        # only needed for the error, so the comparison comes first
        moment = self._get_cert_verification_time()
        if not (cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc):
            super()._check_cert_validity(cert, cert_source)

    def _verify_reference(self, reference: etree._Element, index: int, root: etree._Element, uri_resolver: Any,
                          c14n_algorithm: Any, signature: etree._Element, signature_key_used: Any) -> Any:
        plan = self._in_place_plan(reference, index, root)
        if plan is None:
            return super()._verify_reference(reference, index, root, uri_resolver, c14n_algorithm, signature,
                                              signature_key_used)
        enveloped, method, prefixes = plan
        payload_c14n, same_view = _digest_input(root, self._signature if enveloped else None,
                                                lambda tree: self._c14n(tree, algorithm=method,
                                                                        inclusive_ns_prefixes=prefixes))
        digest_alg = DigestAlgorithm(self._find(reference, "DigestMethod").get("Algorithm"))
        self.check_digest_alg_expected(digest_alg)
        if b64decode(self._find(reference, "DigestValue").text or "") != self._get_digest(payload_c14n, digest_alg):
            raise InvalidDigest(f"Digest mismatch for reference {index} ({reference.get('URI')})")
        signed_xml = None
        if same_view or (same_view is None and method.value.endswith("#WithComments")):
            self.same_view.add(index)
        else:
            try:
                signed_xml = self._fromstring(payload_c14n)
            except etree.XMLSyntaxError:
                signed_xml = None
        key = signature_key_used if isinstance(signature_key_used, bytes) else \
            signature_key_used.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        return VerifyResult(payload_c14n, signed_xml, signature, signature_key=key)

    def _in_place_plan(self, reference: etree._Element, index: int,
                       root: etree._Element) -> tuple[bool, CanonicalizationMethod, list[str] | None] | None:
        """(enveloped?, c14n method, inclusive prefixes) when this reference can be digested in place."""
        if index >= len(self._targets) or self._signature is None:
            return None
        uri, target = self._targets[index]
        if target is None or target is not root or root.getparent() is not None or reference.get("URI") != uri:
            return None
        if self._signature.getroottree().getroot() is not root:
            return None
        transforms = reference.findall("ds:Transforms/ds:Transform", NS)
        enveloped = False
        method: CanonicalizationMethod | None = None
        prefixes: list[str] | None = None
        for transform in transforms:
            algorithm = transform.get("Algorithm")
            if algorithm == SignatureConstructionMethod.enveloped.value:
                enveloped = True
                continue
            try:
                found = CanonicalizationMethod(algorithm)
            except ValueError:
                return None  # base64 and anything else: signxml's own path
            if method is not None:
                return None
            method, prefixes = found, self._get_inclusive_ns_prefixes(transform)
        if method is None:
            method = self.config.default_reference_c14n_method
        return enveloped, method, prefixes


_HAS_COMMENT = etree.XPath("boolean(//comment())")


def _digest_input(root: etree._Element, signature: etree._Element | None,
                  canonicalise: Any) -> tuple[bytes, bool | None]:
    """The canonical bytes of ``root`` without ``signature`` (removed from a copy as signxml's enveloped
    transform removes it: its tail joins the preceding text), and whether a reader's view of ``root`` equals
    the view of those bytes once parsed: True when no comment splits a text and the signature's tail is blank,
    None when only comments (kept by a WithComments method) may differ, False otherwise."""
    copy = deepcopy(root)
    comments = bool(_HAS_COMMENT(copy))
    blank_tail = True
    if signature is not None:
        steps: list[int] = []
        node = signature
        parent = node.getparent()
        while parent is not None:
            steps.append(parent.index(node))
            node, parent = parent, parent.getparent()
        target = copy
        for step in reversed(steps):
            target = target[step]
        blank_tail = not (target.tail or "").strip()
        _remove_enveloped(target)
    view: bool | None = blank_tail and not comments
    if blank_tail and comments:
        view = None
    return canonicalise(copy), view


def _remove_enveloped(signature: etree._Element) -> None:
    """Remove ``signature`` from its parent keeping its tail text, as the enveloped-signature transform does."""
    parent = signature.getparent()
    if parent is None:
        return
    if signature.tail is not None:
        previous = signature.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + signature.tail
        else:
            previous.tail = (previous.tail or "") + signature.tail
    parent.remove(signature)
