"""Judge one criterion: run its probes through the adapter, keep their evidence, roll up a verdict.

Every outcome of a probe becomes a verdict here — whatever the target or the probe did — so one
broken check never stops an appraisal.
"""

from __future__ import annotations

import time
import traceback
from datetime import date
from typing import Any

from conformance.adapters.protocol import Adapter, Refused, TargetFailure, Unsupported
from conformance.attestation import Attestation
from conformance.criteria_model import Criterion, ProbeRef
from conformance.evidence import CriterionEvidence, EvidenceStore
from conformance.http import recording
from conformance.messages import Msg
from conformance.probe_api import CannotDecide, ProbeContext, ProbeResult, ProbeSpec, json_bytes, registered_probes
from conformance.results import CriterionResult, ProbeRun
from conformance.target import TargetConfig
from conformance.verdicts import VERDICT_LABELS, Verdict, roll_up_probes

DEFAULT_BUDGET_S = 120.0  # wall-clock budget of one probe, enforced before each request it makes

MANUAL_PENDING_MSG = Msg("Chờ hội đồng xác nhận kèm bằng chứng.", "Awaiting the council's attestation with evidence.")


def _capabilities(adapter: Adapter) -> frozenset[str] | ProbeResult:
    try:
        return adapter.capabilities()
    except TargetFailure as exc:
        return ProbeResult(Verdict.ERROR, Msg(f"Không hỏi được chức năng của hệ thống: {exc.vi}",
                                              f"Cannot ask the target for its capabilities: {exc.en}"))


def probe_params(ref: ProbeRef, target: TargetConfig | None) -> dict[str, Any]:
    """The parameters a probe runs with: the criterion's, overridden by the target file's ``[probes."NAME"]``."""
    return {**ref.params, **(target.probe_params.get(ref.probe, {}) if target is not None else {})}


def run_probe(spec: ProbeSpec, ref: ProbeRef, adapter: Adapter, criterion: Criterion,
              evidence: CriterionEvidence, on: date, budget_s: float,
              target: TargetConfig | None = None) -> ProbeResult:
    """Run one probe; every exception becomes a verdict with an explanation."""
    ctx = ProbeContext(adapter, probe_params(ref, target), criterion.id, evidence, on, target)
    try:
        with recording(evidence, budget_s=budget_s):
            result = spec.function(ctx)
        if not isinstance(result, ProbeResult):
            raise TypeError(f"probe {spec.name} returned {type(result).__name__}, not a ProbeResult")
        return result
    except Unsupported as exc:
        return ProbeResult(Verdict.INDETERMINATE, Msg(f"Không quyết định được: {exc.vi}",
                                                      f"Cannot be decided: {exc.en}"))
    except CannotDecide as exc:
        return ProbeResult(Verdict.INDETERMINATE, Msg(f"Không quyết định được: {exc.message.vi}",
                                                      f"Cannot be decided: {exc.message.en}"))
    except TargetFailure as exc:
        return ProbeResult(Verdict.ERROR, Msg(f"Hệ thống gặp sự cố khi kiểm tra: {exc.vi}",
                                              f"The target failed while being checked: {exc.en}"))
    except Refused as exc:
        return ProbeResult(Verdict.INDETERMINATE, Msg(
            f"Hệ thống từ chối một bước chuẩn bị mà phép thử cần: {exc.vi}",
            f"The target refused a preparatory step the probe needs: {exc.en}"))
    except Exception as exc:  # a defect of the probe or the adapter: an error verdict, never a crash
        evidence.add_file("traceback.txt", traceback.format_exc().encode(), "text/plain; charset=utf-8")
        return ProbeResult(Verdict.ERROR, Msg(f"Lỗi của công cụ khi chạy phép thử {spec.name}: {exc!r}",
                                              f"Harness error while running probe {spec.name}: {exc!r}"))


def check_criterion(criterion: Criterion, adapter: Adapter, store: EvidenceStore, on: date, *,
                    budget_s: float = DEFAULT_BUDGET_S, attestation: Attestation | None = None,
                    target: TargetConfig | None = None) -> CriterionResult:
    """Run the criterion's probes and, for a manual or mixed one, merge the council's attestation:
    both must pass; without an attestation the criterion stays ``manual-pending``."""
    started = time.monotonic()
    runs: list[ProbeRun] = []
    probes = registered_probes()
    capabilities = _capabilities(adapter) if criterion.probes else frozenset()
    for ref in criterion.probes:
        t0 = time.monotonic()
        evidence = store.collector()
        spec = probes.get(ref.probe)
        if spec is None:
            result = ProbeResult(Verdict.ERROR, Msg(f"Phép thử '{ref.probe}' không tồn tại.",
                                                    f"Probe '{ref.probe}' does not exist."))
        elif isinstance(capabilities, ProbeResult):
            result = capabilities
        elif missing := [c for c in spec.requires if c not in capabilities]:
            result = ProbeResult(Verdict.INDETERMINATE, Msg(
                f"Hệ thống (qua bộ kết nối {adapter.name}) không cung cấp: {', '.join(missing)}.",
                f"The target (through the {adapter.name} adapter) does not offer: {', '.join(missing)}."))
        else:
            result = run_probe(spec, ref, adapter, criterion, evidence, on, budget_s, target)
        params = probe_params(ref, target)  # what the probe ran with, as the evidence must say
        record = {"criterion": criterion.id, "probe": ref.probe, "params": params,
                  "verdict": result.verdict.value, "message": result.message.to_json(), "details": result.details}
        evidence.add_file("probe-result.json", json_bytes(record), "application/json")
        runs.append(ProbeRun(ref.probe, params, result.verdict, result.message,
                             (time.monotonic() - t0) * 1000, list(evidence.paths)))

    verdicts = [r.verdict for r in runs]
    if criterion.method == "automated":
        attestation = None
    else:
        verdicts.append(attestation.verdict if attestation else Verdict.MANUAL_PENDING)
    verdict = roll_up_probes(verdicts, mandatory=criterion.mandatory)
    if (attestation and attestation.verdict is Verdict.NOT_APPLICABLE
            and verdict not in (Verdict.FAIL, Verdict.WARN, Verdict.ERROR)):
        verdict = Verdict.NOT_APPLICABLE  # the council found the criterion does not apply to this facility
    evidence_paths = list(dict.fromkeys(p for r in runs for p in r.evidence))
    message = _message(verdict, runs)
    if attestation:
        evidence_paths += [e.path for e in attestation.evidence if e.path not in evidence_paths]
        message = _with_attestation(message if runs else None, attestation,
                                    council_decides=verdict is attestation.verdict
                                    or (verdict is Verdict.WARN and attestation.verdict is Verdict.FAIL))
    return CriterionResult(criterion, verdict, message, evidence_paths, runs, (time.monotonic() - started) * 1000,
                           attestation.to_json() if attestation else None)


def _with_attestation(probes_message: Msg | None, attestation: Attestation, *, council_decides: bool) -> Msg:
    """The council's finding and the probes' message; whichever decided the verdict comes first."""
    label = VERDICT_LABELS[attestation.verdict]
    by = f" ({attestation.by})" if attestation.by else ""
    when = attestation.date.isoformat()
    extra = f" {attestation.reason}" if attestation.reason else (f" {attestation.notes}" if attestation.notes else "")
    vi = f"Hội đồng xác nhận ngày {when}{by}: {label.vi}.{extra}"
    en = f"Council attestation of {when}{by}: {label.en}.{extra}"
    if probes_message is None:
        return Msg(vi, en)
    if council_decides:
        return Msg(f"{vi} Phép thử: {probes_message.vi}", f"{en} Probes: {probes_message.en}")
    return Msg(f"Phép thử: {probes_message.vi} {vi}", f"Probes: {probes_message.en} {en}")


def _message(verdict: Verdict, runs: list[ProbeRun]) -> Msg:
    if verdict is Verdict.MANUAL_PENDING and not any(r.verdict is not Verdict.PASS for r in runs):
        return MANUAL_PENDING_MSG
    if verdict is Verdict.WARN:
        relevant = [r for r in runs if r.verdict in (Verdict.FAIL, Verdict.WARN)]
    else:
        relevant = [r for r in runs if r.verdict is verdict] or runs
    if not relevant:
        return Msg("Không có phép thử nào.", "No probe ran.")
    if len(relevant) == 1:
        return relevant[0].message
    return Msg(" ".join(f"[{r.probe}] {r.message.vi}" for r in relevant),
               " ".join(f"[{r.probe}] {r.message.en}" for r in relevant))
