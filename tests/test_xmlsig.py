"""The one XML-signature validator: intact and trusted passes; tampering, untrusted or revoked certificates,
duplicated Ids, partial coverage and unreadable input each say why."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import SignatureConstructionMethod, XMLSigner

from conformance.trust import TrustStore
from conformance.xmlsig import verify_xml_signatures

PKI = Path(__file__).resolve().parent.parent / "fixtures" / "pki"
DS = "http://www.w3.org/2000/09/xmldsig#"


@pytest.fixture(scope="module")
def trust() -> TrustStore:
    return TrustStore.test_pki()


def _doc() -> etree._Element:
    root = etree.fromstring(b"<GOI><THONGTIN Id='info'><MA>01001</MA></THONGTIN><DULIEU><A>1</A></DULIEU>"
                            b"<CHUKY/></GOI>")
    return root


def _sign(root: etree._Element, key: bytes, cert: bytes, uri: str | None = None) -> bytes:
    holder = root.find("CHUKY")
    assert holder is not None
    etree.SubElement(holder, f"{{{DS}}}Signature", Id="placeholder")
    signer = XMLSigner(method=SignatureConstructionMethod.enveloped, signature_algorithm="rsa-sha256",
                       digest_algorithm="sha256")
    signed = signer.sign(root, key=key, cert=cert, reference_uri=uri) if uri else signer.sign(root, key=key, cert=cert)
    return etree.tostring(signed)


def _facility() -> tuple[bytes, bytes]:
    return (PKI / "facility.key.pem").read_bytes(), (PKI / "facility.pem").read_bytes()


def test_whole_document_signature_passes(trust: TrustStore) -> None:
    report = verify_xml_signatures(_sign(_doc(), *_facility()), name="a.xml", trust=trust)
    assert report.verdict == "valid"
    sig = report.signatures[0]
    assert sig.scope == "/GOI" and sig.intact and sig.trusted and sig.kind == "xml"
    assert sig.signer and "HSBA" in sig.signer


def test_change_after_signing_is_a_hash_failure(trust: TrustStore) -> None:
    data = _sign(_doc(), *_facility()).replace(b"<A>1</A>", b"<A>2</A>")
    report = verify_xml_signatures(data, name="a.xml", trust=trust)
    assert report.verdict == "invalid"
    assert report.signatures[0].sub_indication == "HASH_FAILURE" and report.signatures[0].intact is False


def test_partial_scope_names_what_is_covered(trust: TrustStore) -> None:
    report = verify_xml_signatures(_sign(_doc(), *_facility(), uri="#info"), name="a.xml", trust=trust)
    sig = report.signatures[0]
    assert report.verdict == "invalid" and sig.intact is True
    assert sig.scope == "/GOI/THONGTIN" and sig.sub_indication == "SIG_CONSTRAINTS_FAILURE"


def test_duplicated_id_does_not_pass(trust: TrustStore) -> None:
    data = _sign(_doc(), *_facility(), uri="#info")
    data = data.replace(b"<DULIEU>", b"<DULIEU><THONGTIN Id=\"info\"><MA>09999</MA></THONGTIN>")
    report = verify_xml_signatures(data, name="a.xml", trust=trust)
    assert report.verdict == "invalid" and report.signatures[0].sub_indication == "FORMAT_FAILURE"
    assert "wrapping" in (report.signatures[0].message.en if report.signatures[0].message else "")


def test_revoked_certificate_fails(trust: TrustStore) -> None:
    key = (PKI / "staff" / "revoked-bac-si.key.pem").read_bytes()
    cert = (PKI / "staff" / "revoked-bac-si.pem").read_bytes()
    report = verify_xml_signatures(_sign(_doc(), key, cert), name="a.xml", trust=trust)
    sig = report.signatures[0]
    assert sig.intact is True and sig.trusted is False and sig.sub_indication == "REVOKED"
    assert report.verdict == "invalid"


def _self_signed() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Không tin cậy (TEST)")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), True)
            .sign(key, hashes.SHA256()))
    return (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()), cert.public_bytes(serialization.Encoding.PEM))


def test_untrusted_certificate_is_indeterminate(trust: TrustStore) -> None:
    report = verify_xml_signatures(_sign(_doc(), *_self_signed()), name="a.xml", trust=trust)
    sig = report.signatures[0]
    assert sig.intact is True and sig.trusted is False and sig.indication == "INDETERMINATE"
    assert report.verdict == "indeterminate"


def test_without_a_trust_store_the_certificate_is_not_judged() -> None:
    report = verify_xml_signatures(_sign(_doc(), *_facility()), name="a.xml", trust=None)
    assert report.verdict == "indeterminate" and report.signatures[0].intact is True
    assert report.signatures[0].trusted is None


def test_no_signature_and_unreadable_input() -> None:
    assert verify_xml_signatures(etree.tostring(_doc()), name="a", trust=None).verdict == "no-signature"
    bad = verify_xml_signatures(b"<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>", name="a", trust=None)
    assert bad.verdict == "indeterminate" and bad.error is not None


def test_report_shape_follows_the_contract(trust: TrustStore) -> None:
    out = verify_xml_signatures(_sign(_doc(), *_facility()), name="a.xml", trust=trust).to_json()
    assert set(out) >= {"file", "verdict", "signatures"}
    assert {"index", "kind", "signer", "title", "signing_time", "intact", "trusted", "indication",
            "sub_indication", "modification", "coverage", "scope"} <= set(out["signatures"][0])


def test_expired_certificate_is_an_indeterminate_period_not_a_broken_signature(trust: TrustStore) -> None:
    key = (PKI / "staff" / "expired-dieu-duong.key.pem").read_bytes()
    cert_pem = (PKI / "staff" / "expired-dieu-duong.pem").read_bytes()
    data = _sign(_doc(), key, cert_pem)
    now = verify_xml_signatures(data, name="a.xml", trust=trust).signatures[0]
    assert now.intact is True and now.indication == "INDETERMINATE" and now.sub_indication == "OUT_OF_BOUNDS_NO_POE"
    assert now.signer is not None  # the signature itself verified: only the certificate's period is wrong


def test_chain_in_keyinfo_with_the_ca_first_still_finds_the_signer(trust: TrustStore) -> None:
    key, cert = _facility()
    issuing = (PKI / "issuing-ca.pem").read_bytes()
    signed = _sign(_doc(), key, cert)
    root = etree.fromstring(signed)
    x509data = root.find(f".//{{{DS}}}X509Data")
    assert x509data is not None
    ca = etree.Element(f"{{{DS}}}X509Certificate")
    ca.text = b"".join(issuing.split(b"\n")[1:-2]).decode()
    x509data.insert(0, ca)  # KeyInfo is outside SignedInfo: adding a certificate keeps the signature intact
    report = verify_xml_signatures(etree.tostring(root), name="a.xml", trust=trust)
    assert report.verdict == "valid", report.signatures[0].message
    assert "HSBA" in (report.signatures[0].signer or "")


def test_an_unsigned_signing_time_is_only_a_claim(trust: TrustStore) -> None:
    root = etree.fromstring(_sign(_doc(), *_facility()))
    sig = root.find(f".//{{{DS}}}Signature")
    assert sig is not None
    obj = etree.SubElement(sig, f"{{{DS}}}Object")
    etree.SubElement(obj, "SigningTime").text = "2019-01-01T00:00:00+07:00"
    report = verify_xml_signatures(etree.tostring(root), name="a.xml", trust=trust)
    s = report.signatures[0]
    assert s.signing_time is None and s.details["claimed_signing_time"].startswith("2019-01-01")
    assert report.verdict == "valid"  # judged now, not at the unsigned claimed moment
