"""Signing the report: a PAdES signature on report.pdf and a detached CMS signature on the bundle manifest.

Both are made with the council's or facility's certificate given as PKCS#12 (``--sign-with FILE.p12``,
its password from the environment variable named by ``--sign-pass-env``), each with an RFC 3161 timestamp
when a timestamp authority is given: a real one by URL (``--tsa-url``), or — for the demo and the tests
only — the test PKI's TSA, whose key signs real tokens in-process (pyHanko's dummy time stamper).
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from conformance.messages import Msg
from conformance.resources import data_path

SIGNATURE_FIELD = "HoiDongThamDinh"
DEMO_P12_PASSWORD = "hsba-test-only"  # the test PKI's published password (fixtures/pki/index.json), not a secret


class SigningError(Exception):
    def __init__(self, message: Msg) -> None:
        super().__init__(message.en)
        self.message = message


@dataclass(frozen=True)
class SigningOptions:
    """How the report is signed. ``password_env`` names the variable holding the PKCS#12 password."""

    p12: Path
    password_env: str | None = None
    password: str | None = None  # only for the test PKI's published password (demo)
    tsa_url: str | None = None
    test_tsa: bool = False  # the test PKI's TSA in-process: demo and tests only

    def secret(self) -> str | None:
        if self.password is not None:
            return self.password
        return os.environ.get(self.password_env) if self.password_env else None


def demo_signing() -> SigningOptions:
    """The demo signs with the test facility certificate and timestamps with the test TSA."""
    return SigningOptions(p12=data_path("fixtures", "pki", "facility.p12"), password=DEMO_P12_PASSWORD,
                          test_tsa=True)


@dataclass
class ReportSigner:
    signer: signers.SimpleSigner
    timestamper: timestamps.TimeStamper | None
    subject: str

    @property
    def timestamped(self) -> bool:
        return self.timestamper is not None


def load_signer(options: SigningOptions) -> ReportSigner:
    """The signer, or :class:`SigningError` with a bilingual reason (a configuration problem, exit code 2)."""
    if options.password_env and options.password is None and options.password_env not in os.environ:
        raise SigningError(Msg(f"biến môi trường {options.password_env} (mật khẩu PKCS#12) chưa được đặt",
                               f"the environment variable {options.password_env} (PKCS#12 password) is not set"))
    secret = options.secret()
    try:
        p12 = options.p12.read_bytes()
    except OSError as exc:
        raise SigningError(Msg(f"không đọc được tệp chứng thư {options.p12}: {exc.strerror}",
                               f"cannot read the certificate file {options.p12}: {exc.strerror}")) from None
    try:
        signer = signers.SimpleSigner.load_pkcs12_data(p12, other_certs=[],
                                                       passphrase=secret.encode() if secret else None)
    except (ValueError, TypeError):
        raise SigningError(Msg(f"không mở được {options.p12}: sai mật khẩu hoặc không phải PKCS#12",
                               f"cannot open {options.p12}: wrong password or not PKCS#12")) from None
    if signer.signing_cert is None:
        raise SigningError(Msg(f"{options.p12} không chứa chứng thư", f"{options.p12} holds no certificate"))
    return ReportSigner(signer, _timestamper(options), signer.signing_cert.subject.human_friendly)


def _timestamper(options: SigningOptions) -> timestamps.TimeStamper | None:
    if options.tsa_url:
        return timestamps.HTTPTimeStamper(options.tsa_url, timeout=20)
    if options.test_tsa:
        pki = data_path("fixtures", "pki")
        return DummyTimeStamper(tsa_cert=load_cert_from_pemder(str(pki / "tsa.pem")),
                                tsa_key=load_private_key_from_pemder(str(pki / "tsa.key.pem"), passphrase=None))
    return None


def sign_pdf(pdf: bytes, report_signer: ReportSigner, *, reason: Msg, location: str) -> bytes:
    """report.pdf signed (PAdES, with a document timestamp token inside the signature when a TSA is set)."""
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=f"{reason.vi} / {reason.en}", location=location, use_pades_lta=False)
    pdf_signer = signers.PdfSigner(meta, signer=report_signer.signer, timestamper=report_signer.timestamper)
    out = BytesIO()
    try:
        pdf_signer.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)), output=out)
    except Exception as exc:  # a TSA that does not answer, a key that cannot sign: said plainly, not a traceback
        raise SigningError(Msg(f"không ký được report.pdf: {type(exc).__name__}: {exc}",
                               f"report.pdf could not be signed: {type(exc).__name__}: {exc}")) from exc
    return out.getvalue()


def sign_detached(data: bytes, report_signer: ReportSigner) -> bytes:
    """A detached CMS signature (DER) of ``data``, with a signature timestamp when a TSA is set."""
    try:
        info = asyncio.run(report_signer.signer.async_sign_general_data(
            data, "sha256", detached=True, timestamper=report_signer.timestamper))
    except Exception as exc:
        raise SigningError(Msg(f"không ký được manifest: {type(exc).__name__}: {exc}",
                               f"the manifest could not be signed: {type(exc).__name__}: {exc}")) from exc
    return bytes(info.dump())
