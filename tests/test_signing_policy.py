"""The facility signing policy: the default file loads, a facility's own file replaces it, and the order check
finds what a council would notice (a missing role, a wrong order, no final facility signature)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.signing_policy import PolicyError, SignerSeen, check_document, load_policy


def _s(title: str | None, facility: bool = False, whole: bool = True) -> SignerSeen:
    return SignerSeen(title, facility, whole)


def test_the_default_policy_follows_the_usual_order() -> None:
    policy = load_policy()
    assert policy.documents["phieu-dieu-tri"].signers == ("bac_si", "dieu_duong", "truong_khoa")
    assert policy.documents["benh-an-ra-vien"].facility_final
    assert policy.role_of_title("bác sĩ") == "bac_si"
    assert policy.constraints.signer_title == "FAIL"


def test_order_missing_role_and_facility_signature() -> None:
    policy = load_policy()
    good = [_s("Bác sĩ"), _s("Điều dưỡng"), _s("Trưởng khoa")]
    assert check_document(policy, "phieu-dieu-tri", good) == ([], [])
    order, _ = check_document(policy, "phieu-dieu-tri", [good[1], good[0], good[2]])
    assert len(order) == 1 and "before" in order[0].en
    order, _ = check_document(policy, "phieu-dieu-tri", [_s(None), good[1], good[2]])
    assert len(order) == 1 and "Treating doctor" in order[0].en
    record = [_s("Bác sĩ"), _s("Trưởng khoa"), _s("Giám đốc")]
    assert check_document(policy, "benh-an-ra-vien", [*record, _s(None, facility=True)]) == ([], [])
    _, facility = check_document(policy, "benh-an-ra-vien", record)
    assert len(facility) == 1
    _, facility = check_document(policy, "benh-an-ra-vien", [*record, _s(None, facility=True, whole=False)])
    assert "whole" in facility[0].en
    assert check_document(policy, "unknown-form", []) == ([], [])


def test_a_facility_file_replaces_the_default(tmp_path: Path) -> None:
    own = tmp_path / "policy.yaml"
    own.write_text("""
name: bv-x
roles:
  bs: {title: {vi: Bác sĩ, en: Doctor}, titles: [BS]}
documents:
  don-thuoc: {title: {vi: Đơn thuốc, en: Prescription}, signers: [bs]}
constraints: {signature_timestamp: fail}
""", encoding="utf-8")
    policy = load_policy(own)
    assert policy.name == "bv-x" and policy.constraints.signature_timestamp == "FAIL"
    assert check_document(policy, "don-thuoc", [_s("BS")]) == ([], [])


@pytest.mark.parametrize("text", ["- a list", "roles: {x: {titles: []}}", "constraints: {nope: FAIL}",
                                  "documents: {d: {title: {vi: a, en: b}, signers: [ghost]}}", "a: [unclosed"])
def test_a_broken_policy_is_a_bilingual_error(text: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(bad)
    assert caught.value.message.vi and caught.value.message.en
