"""How the reference EMR signs its PDF documents: PAdES signatures by the staff and facility certificates of
the test PKI, each with an RFC 3161 timestamp from the in-process test TSA, then the CRLs embedded (LTV).

Ký số tài liệu PDF của hệ thống mẫu: chữ ký PAdES bằng chứng thư số của nhân viên và của cơ sở (PKI thử
nghiệm), kèm dấu thời gian RFC 3161, sau cùng nhúng danh sách thu hồi (CRL) để kiểm tra lâu dài.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache, lru_cache

from asn1crypto import crl as asn1_crl
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator.registry import SimpleCertificateStore

from conformance.resources import data_path

# Who signs as what (file stems under fixtures/pki/staff/, or "facility").
CREDENTIALS = {
    "bac_si": "staff/bac-si", "dieu_duong": "staff/dieu-duong", "ky_thuat_vien": "staff/ky-thuat-vien",
    "truong_khoa": "staff/truong-khoa", "giam_doc": "staff/giam-doc", "co_so": "facility",
    # certificates the fault switches use instead
    "bac_si_revoked": "staff/revoked-bac-si", "dieu_duong_expired": "staff/expired-dieu-duong",
    "bac_si_no_title": "staff/no-title-bac-si", "bac_si_untrusted": "untrusted/bac-si",
}
UNTRUSTED_CA = "untrusted/untrusted-ca"


def _pki(rel: str) -> str:
    return str(data_path("fixtures", "pki", rel))


@cache
def signer_for(key: str) -> signers.SimpleSigner:
    stem = CREDENTIALS[key]
    chain = [_pki(f"{UNTRUSTED_CA}.pem")] if stem.startswith("untrusted/") else [_pki("issuing-ca.pem")]
    signer = signers.SimpleSigner.load(_pki(f"{stem}.key.pem"), _pki(f"{stem}.pem"), ca_chain_files=chain)
    if signer is None:
        raise RuntimeError(f"cannot load the signing credential {stem}")
    return signer


@lru_cache(maxsize=1)
def timestamper() -> DummyTimeStamper:
    """The test TSA, in-process (RFC 3161 tokens signed by fixtures/pki/tsa.pem)."""
    issuing = load_cert_from_pemder(_pki("issuing-ca.pem"))
    return DummyTimeStamper(tsa_cert=load_cert_from_pemder(_pki("tsa.pem")),
                            tsa_key=load_private_key_from_pemder(_pki("tsa.key.pem"), passphrase=None),
                            certs_to_embed=SimpleCertificateStore.from_certs([issuing]))


@dataclass(frozen=True)
class SignStep:
    who: str  # a key of CREDENTIALS
    field: str
    reason: str
    timestamp: bool = True


def sign(pdf: bytes, step: SignStep) -> bytes:
    """Append one PAdES signature (an incremental update) and return the new file."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(field_name=step.field, md_algorithm="sha256", reason=step.reason,
                                        subfilter=fields.SigSeedSubFilter.PADES, location="HSBA Reference EMR")
    pdf_signer = signers.PdfSigner(meta, signer=signer_for(step.who),
                                   timestamper=timestamper() if step.timestamp else None)
    out = io.BytesIO()
    pdf_signer.sign_pdf(writer, output=out)
    return out.getvalue()


@lru_cache(maxsize=1)
def _ltv_material() -> tuple[list[asn1_crl.CertificateList], list[object]]:
    crls = [asn1_crl.CertificateList.load(data_path("fixtures", "pki", "trust", "crl", name).read_bytes())
            for name in ("issuing-ca.crl", "root-ca.crl")]
    certs = [load_cert_from_pemder(_pki("issuing-ca.pem")), load_cert_from_pemder(_pki("root-ca.pem")),
             load_cert_from_pemder(_pki("tsa.pem"))]
    return crls, certs


def embed_revocation_data(pdf: bytes) -> bytes:
    """Add the CRLs and CA certificates to the document security store (one LTA update)."""
    crls, certs = _ltv_material()
    out = io.BytesIO(pdf)
    out.seek(0, io.SEEK_END)
    DocumentSecurityStore.add_dss(out, None, certs=certs, crls=crls, strict=False)
    return out.getvalue()


def sign_all(pdf: bytes, steps: list[SignStep], *, ltv: bool = True) -> bytes:
    for step in steps:
        pdf = sign(pdf, step)
    return embed_revocation_data(pdf) if ltv and steps else pdf
