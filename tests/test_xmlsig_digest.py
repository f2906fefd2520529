"""The in-place digest of a whole-document reference gives exactly the bytes signxml's own path digests, and
the wrapping check is skipped only where the reader's view equals the signed view (comment splitting a text,
text after the signature: still judged, and still refused)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from signxml import SignatureConfiguration, SignatureConstructionMethod, XMLSigner

from conformance.trust import TrustStore
from conformance.xml_safety import parse_xml
from conformance.xmlsig import (
    NS,
    _fingerprint,
    _ids,
    _load_certificate,
    _resolve,
    verify_xml_signatures,
)
from conformance.xmlsig_verifier import OneSignatureVerifier

PKI = Path(__file__).resolve().parent.parent / "fixtures" / "pki"
DS = "http://www.w3.org/2000/09/xmldsig#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N_COMMENTS = C14N + "#WithComments"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
C14N11 = "http://www.w3.org/2006/12/xml-c14n11"

DOCS = {
    "plain": b"<GOI><A>1</A><B x='2'>t</B><CHUKY/></GOI>",
    "namespaces": b"<r:GOI xmlns:r='urn:r' xmlns='urn:d' xmlns:unused='urn:u'><A r:k='v'>1</A>"
                  b"<CHUKY xmlns='urn:other'/></r:GOI>",
    "xml-attributes": b"<GOI xml:lang='vi' xml:space='preserve'><A xml:lang='en'> 1 </A><CHUKY/></GOI>",
    "top-level": b"<?xml version='1.0' encoding='UTF-8'?>\n<?pi before?><!--before--><GOI><A>1</A><CHUKY/></GOI>"
                 b"<!--after--><?pi after?>",
    "inner-pi-and-cdata": b"<GOI><A>a<?p x?>b</A><B><![CDATA[<x>&]]></B><C>&#13;&#x1F600;&lt;</C><CHUKY/></GOI>",
    "comment-splitting-text": b"<GOI><A>ab<!--c-->cd</A><CHUKY/></GOI>",
    "comment-elsewhere": b"<GOI><!--note--><A>1</A><CHUKY/></GOI>",
    "vietnamese": "<GOI><TEN>Nguyễn Văn Ấn</TEN><CHUKY/></GOI>".encode(),
}


def _sign(doc: bytes, c14n: str, *, tail: str | None = None) -> bytes:
    root = etree.fromstring(doc)
    holder = root.find("{*}CHUKY")
    assert holder is not None
    placeholder = etree.SubElement(holder, f"{{{DS}}}Signature", Id="placeholder")
    placeholder.tail = tail
    signer = XMLSigner(method=SignatureConstructionMethod.enveloped, signature_algorithm="rsa-sha256",
                       digest_algorithm="sha256", c14n_algorithm=c14n)
    signed = signer.sign(root, key=(PKI / "facility.key.pem").read_bytes(), cert=(PKI / "facility.pem").read_bytes())
    text = etree.tostring(signed)
    if doc.startswith(b"<?xml"):  # put back the prolog and the siblings of the root
        text = doc.partition(b"<GOI>")[0] + text + doc.rpartition(b"</GOI>")[2]
    return text


def _both(data: bytes) -> tuple[object, object, bool, bool]:
    """(in-place result, signxml's own result, whether the reference was judged same-view, whether signxml's
    signed data looks, element for element, like the reader's document without the signature)."""
    root = parse_xml(data)
    signature = root.xpath("//ds:Signature", namespaces=NS)[0]
    refs = _resolve(signature, root, _ids(root))
    cert = _load_certificate(_der_of(signature))
    config = SignatureConfiguration(require_x509=True, location=".//", expect_references=1)
    fast = OneSignatureVerifier(0, signature, [(r.uri, r.element) for r in refs])
    quick = fast.verify(root, x509_cert=cert, expect_config=config)
    slow = OneSignatureVerifier(0).verify(root, x509_cert=cert, expect_config=config)
    assert not isinstance(quick, list) and not isinstance(slow, list)
    reader = _fingerprint(root, signature)
    return quick, slow, 0 in fast.same_view, slow.signed_xml is not None and _fingerprint(slow.signed_xml) == reader


def _der_of(signature: etree._Element) -> bytes:
    import base64

    node = signature.find("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    assert node is not None and node.text
    return base64.b64decode("".join(node.text.split()))


@pytest.mark.parametrize("c14n", [C14N, C14N_COMMENTS, EXC, C14N11])
@pytest.mark.parametrize("name", sorted(DOCS))
def test_in_place_digest_equals_signxml(name: str, c14n: str) -> None:
    quick, slow, same_view, looks_same = _both(_sign(DOCS[name], c14n))
    assert quick.signed_data == slow.signed_data  # type: ignore[attr-defined]
    # skipping the wrapping comparison is allowed only where it would have found nothing
    assert not same_view or looks_same
    if not same_view:
        assert quick.signed_xml is not None  # type: ignore[attr-defined]
        assert _fingerprint(quick.signed_xml) == _fingerprint(slow.signed_xml)  # type: ignore[attr-defined]


def test_whitespace_after_the_signature_is_digested_as_signxml_does() -> None:
    quick, slow, same_view, looks_same = _both(_sign(DOCS["plain"], C14N, tail="\n  "))
    assert quick.signed_data == slow.signed_data  # type: ignore[attr-defined]
    assert same_view and looks_same


@pytest.fixture(scope="module")
def trust() -> TrustStore:
    return TrustStore.test_pki()


def test_text_after_the_signature_is_not_read(trust: TrustStore) -> None:
    report = verify_xml_signatures(_sign(DOCS["plain"], C14N, tail="visible"), name="t.xml", trust=trust)
    assert report.signatures[0].sub_indication == "FORMAT_FAILURE"


def test_a_comment_splitting_a_text_is_still_refused(trust: TrustStore) -> None:
    """A reader taking the text before the comment sees 'ab'; the signed text is 'abcd': not a pass."""
    report = verify_xml_signatures(_sign(DOCS["comment-splitting-text"], C14N), name="c.xml", trust=trust)
    assert report.signatures[0].sub_indication == "SIG_CONSTRAINTS_FAILURE"
    with_comments = verify_xml_signatures(_sign(DOCS["comment-splitting-text"], C14N_COMMENTS), name="c.xml",
                                          trust=trust)
    assert with_comments.signatures[0].indication == "TOTAL_PASSED"


@pytest.mark.parametrize("name", sorted(DOCS))
def test_changed_after_signing_is_still_a_hash_failure(name: str, trust: TrustStore) -> None:
    data = _sign(DOCS[name], C14N)
    changed = data.replace(b"<CHUKY", b"<EXTRA/><CHUKY", 1)
    report = verify_xml_signatures(changed, name="x.xml", trust=trust)
    assert report.signatures[0].sub_indication == "HASH_FAILURE"


def test_the_tree_is_left_as_it_was(trust: TrustStore) -> None:
    data = _sign(DOCS["namespaces"], EXC)
    root = parse_xml(data)
    before = etree.tostring(root)
    from conformance.xmlsig import verify_tree

    assert verify_tree(root, name="n.xml", trust=trust).signatures[0].indication == "TOTAL_PASSED"
    assert etree.tostring(root) == before
