"""The export probe judges each of XD-01..XD-09 from the validator's findings, through the adapter protocol:
a well-behaved target passes every criterion; each defective export fails exactly its own criterion."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from bhyt_builder import envelope, inpatient
from conformance.criteria_loader import load_catalogue
from conformance.probe_api import ProbeContext, registered_probes
from conformance.probes import exports as exports_probes
from conformance.verdicts import Verdict
from fake_emr import FakeAdapter, FakeSession

CRITERIA = [f"XD-0{i}" for i in range(1, 10)]


class DictSink:
    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}

    def add_file(self, name: str, content: bytes, media_type: str) -> str:
        self.files[name] = (content, media_type)
        return f"evidence/{name}"


@dataclass
class _Config:
    options: dict[str, Any] = field(default_factory=lambda: {"trust": "test-pki"})
    path: str = "/nonexistent/target.toml"


class ExportSession(FakeSession):
    def __init__(self, produce: Callable[[str], bytes], *args: Any) -> None:
        super().__init__(*args)
        self.produce = produce

    def export_claim(self, encounter_id: str) -> bytes:
        self.emr.encounters[encounter_id]
        return self.produce(encounter_id)


class ExportAdapter(FakeAdapter):
    def __init__(self, produce: Callable[[str], bytes], trust: str | None = "test-pki") -> None:
        super().__init__()
        self.produce = produce
        self.config = _Config({"trust": trust} if trust else {})

    def login(self, role: str, *, password: str | None = None) -> FakeSession:
        base = super().login(role, password=password)
        return ExportSession(self.produce, self.emr, role, base.token)


def judge(adapter: ExportAdapter, criterion: str) -> tuple[Verdict, dict[str, Any]]:
    exports_probes._CACHE.clear()
    ctx = ProbeContext(adapter, {"criterion": criterion}, criterion, DictSink(), date(2026, 1, 15))
    result = registered_probes()["exports.bhyt_claim"].function(ctx)
    json.dumps(result.details, ensure_ascii=False)  # plain JSON for the evidence
    assert result.message.vi and result.message.en
    return result.verdict, result.details


def _claim(change: str | None = None) -> Callable[[str], bytes]:
    def produce(encounter_id: str) -> bytes:
        claim = inpatient(f"LK-{encounter_id}")
        xml1 = claim.tables["XML1"][0]
        if change == "bad-date":
            xml1["NGAY_RA"] = "09/01/2026"
        elif change == "invalid-icd":
            xml1["MA_BENH_CHINH"] = "ZZ9.9"
        elif change == "orphan":
            claim.tables["XML3"].append({**claim.tables["XML3"][0], "MA_LK": "LK-MOT-DOT-KHAC"})
        elif change == "totals":
            xml1["T_TONGCHI_BV"] = "1.00"
        if change == "unsigned":
            return envelope(claim, sign=False)
        data = envelope(claim)
        if change == "modified":
            data = data.replace(b"<MACSKCB>01001</MACSKCB>", b"<MACSKCB>01009</MACSKCB>")
        return data
    return produce


def test_catalogue_uses_the_probe_for_every_export_criterion() -> None:
    catalogue = load_catalogue().criteria
    for cid in CRITERIA:
        assert [p.probe for p in catalogue[cid].probes] == ["exports.bhyt_claim"]
        assert catalogue[cid].probes[0].params["criterion"] == cid


def test_a_well_behaved_target_passes_every_criterion() -> None:
    adapter = ExportAdapter(_claim())
    for cid in CRITERIA:
        verdict, details = judge(adapter, cid)
        assert verdict == Verdict.PASS, (cid, details)


@pytest.mark.parametrize(("change", "criterion"), [
    ("bad-date", "XD-03"), ("invalid-icd", "XD-04"), ("orphan", "XD-05"), ("totals", "XD-06"),
    ("unsigned", "XD-08"), ("modified", "XD-08"),
])
def test_a_defective_export_fails_exactly_its_criterion(change: str, criterion: str) -> None:
    adapter = ExportAdapter(_claim(change))
    verdicts = {cid: judge(adapter, cid)[0] for cid in CRITERIA}
    assert {cid for cid, v in verdicts.items() if v != Verdict.PASS} == {criterion}, verdicts
    assert verdicts[criterion] == Verdict.FAIL


def test_without_a_trust_store_xd08_is_indeterminate() -> None:
    verdict, details = judge(ExportAdapter(_claim(), trust=None), "XD-08")
    assert verdict == Verdict.INDETERMINATE and details["trust"] == "none"


def test_an_unreadable_export_fails_structure_and_leaves_the_rest_undecided() -> None:
    adapter = ExportAdapter(lambda _e: b"<GIAMDINHHS>")
    assert judge(adapter, "XD-01")[0] == Verdict.FAIL
    assert judge(adapter, "XD-06")[0] == Verdict.INDETERMINATE
