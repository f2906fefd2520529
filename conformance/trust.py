"""The trust store: which certification authorities a facility trusts, and the revocation data it holds.

Kho tin cậy: các tổ chức chứng thực mà cơ sở tin cậy, cùng dữ liệu thu hồi (CRL, OCSP) có sẵn.

A trust folder (``--trust DIR``) holds CA certificates (PEM or DER, any file name ending in .pem, .crt, .cer
or .der), CRLs under ``crl/`` and OCSP responses under ``ocsp/``. Self-signed certificates are trust anchors;
the others are intermediates offered for path building. Validation is offline unless asked otherwise:
revocation is judged from the supplied CRLs/OCSP responses only.

One module serves every signature check (XML signatures, PDF signatures, the report's own signature):
:meth:`TrustStore.validation_context` gives a pyhanko-certvalidator context, and :func:`check_certificate`
answers, for one certificate at one moment, with an ETSI EN 319 102-1 style indication.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as cv_errors

from conformance.messages import Msg
from conformance.resources import data_path

CERT_SUFFIXES = {".pem", ".crt", ".cer", ".der"}
MAX_TRUST_FILE = 4 * 1024 * 1024  # a CA certificate or a CRL larger than this is not credible

# ETSI EN 319 102-1 indications, spelt as the JSON contract spells them.
TOTAL_PASSED = "TOTAL_PASSED"
TOTAL_FAILED = "TOTAL_FAILED"
INDETERMINATE = "INDETERMINATE"


class TrustStoreError(Exception):
    """The trust folder cannot be used (missing, unreadable, a file that is not a certificate)."""

    def __init__(self, message: Msg) -> None:
        super().__init__(message.en)
        self.message = message


def _blocks(data: bytes) -> list[bytes]:
    """DER blocks in a file: every PEM block when it is PEM, else the file itself."""
    if pem.detect(data):
        return [der for _type, _headers, der in pem.unarmor(data, multiple=True)]
    return [data]


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_TRUST_FILE:
            raise TrustStoreError(Msg(f"tệp quá lớn trong kho tin cậy: {path}",
                                      f"file too large in the trust folder: {path}"))
        return path.read_bytes()
    except OSError as exc:
        raise TrustStoreError(Msg(f"không đọc được {path}: {exc.strerror}",
                                  f"cannot read {path}: {exc.strerror}")) from None


def _is_self_signed(cert: asn1_x509.Certificate) -> bool:
    return bool(cert.self_signed in ("maybe", "yes") and cert.subject == cert.issuer)


@dataclass(frozen=True)
class TrustStore:
    """Trust anchors, intermediates and revocation data, as loaded from one folder."""

    anchors: tuple[asn1_x509.Certificate, ...]
    intermediates: tuple[asn1_x509.Certificate, ...] = ()
    crls: tuple[asn1_crl.CertificateList, ...] = ()
    ocsps: tuple[asn1_ocsp.OCSPResponse, ...] = ()
    source: str = ""
    allow_fetching: bool = False  # online revocation checks: off unless the user asks
    problems: tuple[Msg, ...] = field(default=(), compare=False)

    @classmethod
    def load(cls, folder: Path | str, *, allow_fetching: bool = False) -> TrustStore:
        folder = Path(folder)
        if not folder.is_dir():
            raise TrustStoreError(Msg(f"thư mục tin cậy không tồn tại: {folder}",
                                      f"the trust folder does not exist: {folder}"))
        anchors: list[asn1_x509.Certificate] = []
        intermediates: list[asn1_x509.Certificate] = []
        for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in CERT_SUFFIXES):
            for der in _blocks(_read(path)):
                try:
                    cert = asn1_x509.Certificate.load(der)
                    cert.native  # noqa: B018 — parse fully now, so a broken file is named here
                except Exception as exc:  # asn1crypto raises several kinds on garbage
                    raise TrustStoreError(Msg(f"{path.name} không phải chứng thư số hợp lệ ({exc})",
                                              f"{path.name} is not a valid certificate ({exc})")) from None
                (anchors if _is_self_signed(cert) else intermediates).append(cert)
        if not anchors:
            raise TrustStoreError(Msg(f"thư mục tin cậy {folder} không có chứng thư gốc (tự ký) nào",
                                      f"the trust folder {folder} holds no trust anchor (self-signed CA certificate)"))
        crls = [asn1_crl.CertificateList.load(der) for path in _files(folder / "crl") for der in _blocks(_read(path))]
        ocsps = [asn1_ocsp.OCSPResponse.load(_read(path)) for path in _files(folder / "ocsp")]
        for item in (*crls, *ocsps):
            try:
                item.native  # noqa: B018
            except Exception as exc:
                raise TrustStoreError(Msg(f"dữ liệu thu hồi hỏng trong {folder}: {exc}",
                                          f"broken revocation data in {folder}: {exc}")) from None
        return cls(tuple(anchors), tuple(intermediates), tuple(crls), tuple(ocsps), str(folder), allow_fetching)

    @classmethod
    def test_pki(cls) -> TrustStore:
        """The project's test PKI (``fixtures/pki/trust``): for the demo and the tests only."""
        return cls.load(data_path("fixtures", "pki", "trust"))

    def validation_context(self, *, moment: datetime | None = None,
                           extra_certs: Iterable[asn1_x509.Certificate] = (),
                           revocation_mode: str = "soft-fail") -> ValidationContext:
        """A pyhanko-certvalidator context judging at ``moment`` (default: now).

        ``soft-fail``: a revoked certificate fails whenever the supplied data says so; a certificate whose
        status no supplied CRL/OCSP response covers is not failed for that alone. Revocation data issued after
        ``moment`` is accepted (``retroactive_revinfo``): a CRL published today still proves that a certificate
        revoked last month was valid when a document was signed last year.
        """
        return ValidationContext(
            trust_roots=list(self.anchors), other_certs=[*self.intermediates, *extra_certs],
            crls=list(self.crls), ocsps=list(self.ocsps), allow_fetching=self.allow_fetching,
            moment=moment, revocation_mode=revocation_mode, retroactive_revinfo=True)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


@dataclass(frozen=True)
class CertificateCheck:
    """One certificate judged at one moment against a trust store."""

    trusted: bool
    indication: str  # TOTAL_PASSED | TOTAL_FAILED | INDETERMINATE
    sub_indication: str | None  # ETSI sub-indication when not TOTAL_PASSED
    message: Msg
    path: tuple[str, ...] = ()  # subjects from the certificate up to the anchor, when a path was found


def _as_asn1(cert: asn1_x509.Certificate | bytes) -> asn1_x509.Certificate:
    return cert if isinstance(cert, asn1_x509.Certificate) else asn1_x509.Certificate.load(cert)


def check_certificate(store: TrustStore, cert: asn1_x509.Certificate | bytes, *, at: datetime | None = None,
                      intermediates: Iterable[asn1_x509.Certificate | bytes] = (),
                      key_usage: Iterable[str] = ("digital_signature",)) -> CertificateCheck:
    """Judge a signer's certificate at ``at`` (its signing time; default now): path to an anchor,
    validity period, revocation from the supplied data, key usage. Never raises for a bad certificate."""
    moment = at or datetime.now(UTC)
    try:
        end = _as_asn1(cert)
        others = [_as_asn1(c) for c in intermediates]
        context = store.validation_context(moment=moment, extra_certs=others)
        validator = CertificateValidator(end, intermediate_certs=others, validation_context=context)
        path = asyncio.run(validator.async_validate_usage(set(key_usage)))
    except cv_errors.RevokedError as exc:
        return CertificateCheck(False, TOTAL_FAILED, "REVOKED",
                                Msg(f"chứng thư số đã bị thu hồi trước thời điểm ký ({exc})",
                                    f"the certificate was revoked before the signing time ({exc})"))
    except cv_errors.ExpiredError as exc:
        return CertificateCheck(False, INDETERMINATE, "OUT_OF_BOUNDS_NO_POE",
                                Msg(f"chứng thư số đã hết hạn tại thời điểm ký ({exc})",
                                    f"the certificate had expired at the signing time ({exc})"))
    except cv_errors.NotYetValidError as exc:
        return CertificateCheck(False, INDETERMINATE, "NOT_YET_VALID",
                                Msg(f"chứng thư số chưa có hiệu lực tại thời điểm ký ({exc})",
                                    f"the certificate was not yet valid at the signing time ({exc})"))
    except cv_errors.PathBuildingError as exc:
        return CertificateCheck(False, INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND",
                                Msg(f"không dựng được chuỗi chứng thư tới tổ chức chứng thực tin cậy ({exc})",
                                    f"no certificate chain to a trusted authority ({exc})"))
    except cv_errors.InvalidCertificateError as exc:
        return CertificateCheck(False, INDETERMINATE, "CHAIN_CONSTRAINTS_FAILURE",
                                Msg(f"chứng thư số không dùng được để ký ({exc})",
                                    f"the certificate cannot be used for signing ({exc})"))
    except (cv_errors.PathValidationError, cv_errors.ValidationError) as exc:
        return CertificateCheck(False, INDETERMINATE, "CERTIFICATE_CHAIN_GENERAL_FAILURE",
                                Msg(f"chuỗi chứng thư không hợp lệ ({exc})",
                                    f"the certificate chain is not valid ({exc})"))
    except Exception as exc:  # a malformed certificate or an internal failure is a verdict, not a crash
        return CertificateCheck(False, INDETERMINATE, "CERTIFICATE_CHAIN_GENERAL_FAILURE",
                                Msg(f"không kiểm tra được chứng thư số: {type(exc).__name__}: {exc}",
                                    f"the certificate could not be checked: {type(exc).__name__}: {exc}"))
    subjects = tuple(c.subject.human_friendly for c in path)
    return CertificateCheck(True, TOTAL_PASSED, None,
                            Msg("chứng thư số hợp lệ, chuỗi tới tổ chức chứng thực tin cậy",
                                "the certificate is valid and chains to a trusted authority"), subjects)


# A certificate's judgement changes with the moment only where a date in the inputs is crossed: a validity bound
# of a certificate (the signer's, those offered with it, the store's), a CRL's thisUpdate/nextUpdate, a revocation
# or invalidity date, an OCSP response's times. Between two such dates it is the same judgement, so batches signed
# over months reuse it. pyhanko-certvalidator moves some comparisons by its time tolerance (1 s) and judges CRL
# freshness from nextUpdate plus that tolerance: a moment within MARGIN of any date is judged afresh, never cached.
MARGIN = timedelta(days=2)
_JUDGED: dict[tuple[TrustStore, bytes, tuple[bytes, ...], int], CertificateCheck] = {}
_JUDGED_MAX = 1024


def _dates(value: object) -> Iterable[datetime]:
    """Every datetime in an asn1crypto ``.native`` structure."""
    if isinstance(value, datetime):
        yield value if value.tzinfo else value.replace(tzinfo=UTC)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _dates(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _dates(item)


def _validity(cert: asn1_x509.Certificate) -> list[datetime]:
    return list(_dates(cert["tbs_certificate"]["validity"].native))


@lru_cache(maxsize=16)
def _store_dates(store: TrustStore) -> tuple[datetime, ...]:
    found: list[datetime] = []
    for cert in (*store.anchors, *store.intermediates):
        found.extend(_validity(cert))
    for item in (*store.crls, *store.ocsps):
        found.extend(_dates(item.native))
    return tuple(sorted(set(found)))


@lru_cache(maxsize=64)
def _all_dates(store: TrustStore, cert_der: bytes, intermediates: tuple[bytes, ...]) -> tuple[datetime, ...] | None:
    try:
        own = [d for der in (cert_der, *intermediates) for d in _validity(asn1_x509.Certificate.load(der))]
    except Exception:
        return None
    return tuple(sorted({*_store_dates(store), *own}))


def check_certificate_cached(store: TrustStore, cert_der: bytes, *, at: datetime,
                             intermediates: tuple[bytes, ...] = ()) -> CertificateCheck:
    """:func:`check_certificate` for a DER certificate (digital-signature usage), remembered per span between
    the dates that can change it; a moment close to one of those dates is always judged afresh."""
    moment = at if at.tzinfo else at.replace(tzinfo=UTC)
    if store.allow_fetching:  # fetched revocation data is not among the known dates
        return check_certificate(store, cert_der, at=moment, intermediates=intermediates)
    dates = _all_dates(store, cert_der, intermediates)
    if dates is None:  # a malformed certificate: the full check turns it into a verdict
        return check_certificate(store, cert_der, at=moment, intermediates=intermediates)
    span = bisect.bisect_right(dates, moment)
    if (span > 0 and moment - dates[span - 1] < MARGIN) or (span < len(dates) and dates[span] - moment < MARGIN):
        return check_certificate(store, cert_der, at=moment, intermediates=intermediates)
    key = (store, cert_der, intermediates, span)
    judged = _JUDGED.get(key)
    if judged is None:
        judged = check_certificate(store, cert_der, at=moment, intermediates=intermediates)
        if len(_JUDGED) >= _JUDGED_MAX:
            _JUDGED.clear()
        _JUDGED[key] = judged
    return judged
