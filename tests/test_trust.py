"""The trust store: a facility's CA folder judges signer certificates at their signing time."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from asn1crypto import pem

from conformance.resources import data_path
from conformance.signature_report import FileSignatures, SignatureReport, signer_identity
from conformance.trust import TrustStore, TrustStoreError, check_certificate

AT = datetime(2026, 1, 15, tzinfo=UTC)


def _cert(rel: str) -> bytes:
    return pem.unarmor(data_path("fixtures", "pki", rel).read_bytes())[2]


@pytest.fixture(scope="module")
def store() -> TrustStore:
    return TrustStore.test_pki()


def test_a_valid_staff_certificate_chains_to_the_test_root(store: TrustStore) -> None:
    check = check_certificate(store, _cert("staff/bac-si.pem"), at=AT)
    assert (check.trusted, check.indication, check.sub_indication) == (True, "TOTAL_PASSED", None)
    assert any("Root CA" in s for s in check.path)


def test_revoked_expired_and_unknown_certificates_do_not_pass(store: TrustStore) -> None:
    revoked = check_certificate(store, _cert("staff/revoked-bac-si.pem"), at=AT)
    assert (revoked.indication, revoked.sub_indication) == ("TOTAL_FAILED", "REVOKED")
    expired = check_certificate(store, _cert("staff/expired-dieu-duong.pem"), at=AT)
    assert (expired.indication, expired.sub_indication) == ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE")
    garbage = check_certificate(store, b"\x30\x03\x02\x01\x00", at=AT)
    assert garbage.indication == "INDETERMINATE" and garbage.message.vi and garbage.message.en


def test_a_signature_made_before_the_revocation_still_passes(store: TrustStore) -> None:
    # revoked on 2025-01-15: a signature made in 2024 keeps its value
    check = check_certificate(store, _cert("staff/revoked-bac-si.pem"), at=datetime(2024, 6, 1, tzinfo=UTC))
    assert check.indication == "TOTAL_PASSED"


def test_a_folder_without_the_issuer_gives_no_chain(tmp_path: Path) -> None:
    shutil.copy(data_path("fixtures", "pki", "root-ca.pem"), tmp_path / "root.pem")
    check = check_certificate(TrustStore.load(tmp_path), _cert("staff/bac-si.pem"), at=AT)
    assert (check.indication, check.sub_indication) == ("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")


def test_a_broken_trust_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TrustStoreError) as missing:
        TrustStore.load(tmp_path / "nope")
    assert "không tồn tại" in missing.value.message.vi
    (tmp_path / "bad.pem").write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(TrustStoreError) as bad:
        TrustStore.load(tmp_path)
    assert "bad.pem" in bad.value.message.en


def test_signer_identity_reads_name_and_title() -> None:
    who = signer_identity(_cert("staff/truong-khoa.pem"))
    assert (who.name, who.title, who.title_source) == ("Phạm Văn Dũng", "Trưởng khoa", "title")
    facility = signer_identity(_cert("facility.pem"))
    assert facility.title is None and facility.title_source is None


def test_a_file_verdict_follows_its_worst_signature() -> None:
    ok = SignatureReport(1, "pdf", "TOTAL_PASSED")
    bad = SignatureReport(2, "pdf", "TOTAL_FAILED", "HASH_FAILURE")
    assert FileSignatures("a.pdf", [ok]).verdict == "valid"
    assert FileSignatures("a.pdf", [ok, bad]).verdict == "invalid"
    assert FileSignatures("a.pdf").verdict == "no-signature"
    assert FileSignatures("a.pdf", [ok, SignatureReport(2, "xml", "INDETERMINATE")]).verdict == "indeterminate"
    assert FileSignatures("a.pdf", [ok]).to_json()["signatures"][0]["indication"] == "TOTAL_PASSED"
