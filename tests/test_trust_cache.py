"""Certificate judgements remembered per span between the dates that can change them: the same verdicts as
judging afresh, on both sides of a revocation, of a validity bound and of a CRL's nextUpdate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import pem

from conformance import trust as trust_module
from conformance.trust import TrustStore, check_certificate, check_certificate_cached

PKI = Path(__file__).resolve().parent.parent / "fixtures" / "pki"


def _der(path: Path) -> bytes:
    data = path.read_bytes()
    return pem.unarmor(data)[2] if pem.detect(data) else data


@pytest.fixture(scope="module")
def store() -> TrustStore:
    return TrustStore.test_pki()


def _revocation(store: TrustStore) -> datetime:
    for crl in store.crls:
        for entry in crl["tbs_cert_list"]["revoked_certificates"]:
            moment: datetime = entry["revocation_date"].native
            return moment
    raise AssertionError("the test PKI's CRL revokes a certificate")


def _same(store: TrustStore, der: bytes, moment: datetime) -> str:
    fresh = check_certificate(store, der, at=moment)
    cached = check_certificate_cached(store, der, at=moment)
    assert (cached.indication, cached.sub_indication, cached.trusted, cached.path) == \
        (fresh.indication, fresh.sub_indication, fresh.trusted, fresh.path)
    return f"{cached.indication}/{cached.sub_indication}"


def test_revoked_certificate_passes_before_and_fails_after_its_revocation(store: TrustStore) -> None:
    der = _der(PKI / "staff" / "revoked-bac-si.pem")
    revoked_at = _revocation(store)
    trust_module._JUDGED.clear()
    before = [revoked_at - timedelta(days=d) for d in (5, 3, 30)]
    after = [revoked_at + timedelta(days=d) for d in (5, 3, 300)]
    for moment in [*before, *after, *before, *after]:  # alternate: nothing learnt on one side leaks to the other
        verdict = _same(store, der, moment)
        assert (verdict == "TOTAL_FAILED/REVOKED") == (moment > revoked_at)
    assert len(trust_module._JUDGED) == 2  # one judgement per span, reused


def test_close_to_a_date_is_judged_afresh(store: TrustStore) -> None:
    der = _der(PKI / "staff" / "revoked-bac-si.pem")
    revoked_at = _revocation(store)
    trust_module._JUDGED.clear()
    for seconds in (-3600, -2, -1, 0, 1, 2, 3600):
        _same(store, der, revoked_at + timedelta(seconds=seconds))
    assert not trust_module._JUDGED


def test_validity_period_bounds_are_span_edges(store: TrustStore) -> None:
    der = _der(PKI / "facility.pem")
    for moment in (datetime(2023, 6, 1, tzinfo=UTC), datetime(2026, 3, 1, 8, 30, tzinfo=UTC),
                   datetime(2026, 3, 2, tzinfo=UTC), datetime(2047, 1, 1, tzinfo=UTC),
                   datetime(2045, 12, 31, 23, 59, tzinfo=UTC)):
        _same(store, der, moment)
    early = check_certificate_cached(store, der, at=datetime(2023, 6, 1, tzinfo=UTC))
    late = check_certificate_cached(store, der, at=datetime(2047, 1, 1, tzinfo=UTC))
    middle = check_certificate_cached(store, der, at=datetime(2026, 3, 1, tzinfo=UTC))
    assert early.sub_indication == "NOT_YET_VALID" and late.sub_indication == "OUT_OF_BOUNDS_NO_POE"
    assert middle.indication == "TOTAL_PASSED"


def test_an_untrusted_or_broken_certificate_is_judged_as_before(store: TrustStore) -> None:
    moment = datetime(2026, 3, 1, tzinfo=UTC)
    untrusted = sorted((PKI / "untrusted").glob("*.pem"))
    for path in untrusted[:2]:
        if b"CERTIFICATE" in path.read_bytes():
            _same(store, _der(path), moment)
    broken = check_certificate_cached(store, b"not a certificate", at=moment)
    assert broken.indication == "INDETERMINATE"
