"""The reference facility's XML signature over its BHYT submissions (signxml, test PKI).

Ký số XMLDSig của cơ sở (chứng thư ``fixtures/pki/facility.pem``): enveloped, RSA-SHA256, digest SHA-256,
đặt trong ``CHUKYDONVI``, tham chiếu ``URI=""`` (toàn bộ ``GIAMDINHHS``).

The referral and appointment papers (XML13, XML14) are signed too, each as a whole, the signature in its
``DU_PHONG`` field. The key and certificate are the test PKI's (never for real use). ``scope`` names an element to
sign instead of the whole envelope — only the ``claim-signature-partial-scope`` fault uses it.
"""

from __future__ import annotations

import functools

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
from signxml import DigestAlgorithm, SignatureMethod, XMLSigner, methods

from conformance.adapters.reference.pki import pki_file

DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"


@functools.cache
def facility_credentials() -> tuple[rsa.RSAPrivateKey, str]:
    """(private key, certificate PEM) of the reference facility, loaded once (loading checks the RSA key, which
    costs far more than a signature)."""
    key = serialization.load_pem_private_key(pki_file("facility.key.pem").read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the facility key is not an RSA key")
    return key, pki_file("facility.pem").read_text(encoding="ascii")


def sign_enveloped(root: etree._Element, place: etree._Element, reference: str | None = None) -> etree._Element:
    """An enveloped signature over ``root`` (or the element ``reference`` = ``#Id`` names), put in ``place``."""
    etree.SubElement(place, f"{{{DSIG_NS}}}Signature", Id="placeholder", nsmap={"ds": DSIG_NS})
    key, cert = facility_credentials()
    signer = XMLSigner(method=methods.enveloped, signature_algorithm=SignatureMethod.RSA_SHA256,
                       digest_algorithm=DigestAlgorithm.SHA256, c14n_algorithm=C14N)
    signed: etree._Element = signer.sign(root, key=key, cert=cert, reference_uri=reference)
    return signed


def sign_envelope(root: etree._Element, *, scope: str | None = None) -> etree._Element:
    """Sign a ``GIAMDINHHS`` envelope; the signature goes into its (empty) ``CHUKYDONVI``. Returns the signed root."""
    holder = root.find("CHUKYDONVI")
    if holder is None:
        raise ValueError("the envelope has no CHUKYDONVI")
    reference = None
    if scope is not None:
        target = root.find(scope)
        if target is None:
            raise ValueError(f"no element {scope} to sign")
        target.set("Id", scope)
        reference = f"#{scope}"
    return sign_enveloped(root, holder, reference)


def sign_paper(root: etree._Element) -> etree._Element:
    """Sign a referral or appointment paper (XML13/XML14) as a whole; the signature goes into its ``DU_PHONG``
    (QĐ 3176: "ghi dữ liệu chữ ký số của cơ sở KBCB")."""
    place = root.find("DU_PHONG")
    if place is None:
        raise ValueError(f"{root.tag} has no DU_PHONG")
    return sign_enveloped(root, place)
