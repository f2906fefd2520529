"""The CV 365 probes on canned targets: XML *or* JSON is enough, a record that cannot be exported fails XD-10, and
the two forms of one record must agree (XD-13) — not applicable with one form only."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from test_cv365 import as_json, as_xml, sample

from conformance.adapters.protocol import Adapter, Capability, Refused, TargetSession
from conformance.probe_api import ProbeContext, ProbeResult, registered_probes
from conformance.target import TargetConfig
from conformance.verdicts import Verdict


class Sink:
    def add_file(self, name: str, content: bytes, media_type: str) -> str:
        return f"evidence/{name}"


class CannedSession(TargetSession):
    role = "bac_si"
    account = None

    def __init__(self, forms: dict[tuple[str, str], bytes | None]) -> None:
        self.forms = forms

    def export_record(self, encounter_id: str, fmt: str) -> bytes:
        data = self.forms.get((encounter_id, fmt))
        if data is None:
            raise Refused(422, f"no {fmt} export", f"không xuất dạng {fmt}")
        return data


class CannedAdapter(Adapter):
    name = "canned"

    def __init__(self, forms: dict[tuple[str, str], bytes | None]) -> None:
        self.forms = forms

    def capabilities(self) -> frozenset[str]:
        return frozenset({Capability.EXPORTS})

    def roles(self) -> list[str]:
        return ["bac_si"]

    def session(self, role: str) -> TargetSession:
        return CannedSession(self.forms)

    def login(self, role: str, *, password: str | None = None) -> TargetSession:
        return self.session(role)

    def anonymous(self) -> TargetSession:
        return self.session("anonymous")


def run(probe: str, forms: dict[tuple[str, str], bytes | None], **params: Any) -> ProbeResult:
    encounters = tuple(dict.fromkeys(e for e, _ in forms))
    target = TargetConfig(path=Path("t.toml"), name="t", adapter="canned", base_url="https://127.0.0.1",
                          verify=True, timeout=(1, 1), accounts={}, export_encounters=encounters)
    ctx = ProbeContext(CannedAdapter(forms), {"fresh_record": False, **params}, "XD-10", Sink(), date(2026, 1, 15),
                       target)
    result = registered_probes()[probe].function(ctx)
    json.dumps(result.details, ensure_ascii=False)  # plain JSON for the evidence
    return result


def test_json_only_is_enough_for_the_structure_rule() -> None:
    result = run("cv365.record_export", {("e1", "json"): as_json(sample()), ("e1", "xml"): None})
    assert result.verdict is Verdict.PASS, result.message
    assert result.details["formats"] == ["json"]


def test_a_record_refused_in_an_offered_form_fails_the_structure_rule() -> None:
    forms: dict[tuple[str, str], bytes | None] = {("e1", "json"): as_json(sample()), ("e2", "json"): None}
    result = run("cv365.record_export", forms)
    assert result.verdict is Verdict.FAIL and "e2" in result.message.en


def test_no_form_at_all_fails_structure_and_leaves_other_rules_undecided() -> None:
    forms: dict[tuple[str, str], bytes | None] = {("e1", "json"): None, ("e1", "xml"): None}
    assert run("cv365.record_export", forms).verdict is Verdict.FAIL
    assert run("cv365.record_export", forms, rule="XD-11").verdict is Verdict.INDETERMINATE


def test_the_two_forms_must_agree() -> None:
    same = {("e1", "xml"): as_xml(sample()), ("e1", "json"): as_json(sample())}
    assert run("cv365.forms_agree", same).verdict is Verdict.PASS
    other = sample()
    other["HoSoBenhAn"]["ThongTinDieuTri"][0]["noidung"] = "Khác"
    differ = {("e1", "xml"): as_xml(sample()), ("e1", "json"): as_json(other)}
    result = run("cv365.forms_agree", differ)
    assert result.verdict is Verdict.FAIL and "ThongTinDieuTri[1]/noidung" in result.message.en
    one = {("e1", "xml"): None, ("e1", "json"): as_json(sample())}
    assert run("cv365.forms_agree", one).verdict is Verdict.NOT_APPLICABLE
