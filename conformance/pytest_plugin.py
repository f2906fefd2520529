"""The pytest plugin: criteria become test items, judged through the target's adapter.

    pytest --hsba-target target.toml [--hsba-out DIR] [--hsba-profile ID] [--hsba-date YYYY-MM-DD]
           [--only ID ...] [--hsba-area AREA ...] [-k EXPR] [-m "audit and mandatory"] [-n JOBS]
           [--junitxml FILE] [--alluredir DIR]

Items are made from the criteria files, not from Python test files. Each item runs its criterion's
probes (see :mod:`conformance.judge`); the verdict travels in the test report, so under pytest-xdist
the controller gathers every verdict and writes ``results.json`` at the end of the session.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from conformance.adapters.protocol import Adapter
from conformance.attestation import AttestationError, AttestationSet, load_attestation
from conformance.coverage import write_coverage
from conformance.criteria_loader import CriteriaError, load_catalogue
from conformance.criteria_model import Catalogue, Criterion
from conformance.evidence import EVIDENCE_DIR, EvidenceStore
from conformance.judge import check_criterion
from conformance.messages import Msg
from conformance.results import CriterionResult, results_document, write_results
from conformance.selection import Selection, SelectionError, select, today_in_vietnam
from conformance.target import TargetConfig, TargetError, load_target, make_adapter
from conformance.verdicts import VERDICT_LABELS, Verdict

RESULT_KEY = "hsba_result"


@dataclass
class RunState:
    catalogue: Catalogue
    selection: Selection
    target: TargetConfig
    out_dir: Path
    store: EvidenceStore
    progress: bool
    started: datetime
    attestation: AttestationSet | None = None
    _adapter: Adapter | None = None
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    collected: int = 0

    def adapter(self) -> Adapter:
        if self._adapter is None:
            self._adapter = make_adapter(self.target)
        return self._adapter

    def close(self) -> None:
        if self._adapter is not None:
            self._adapter.close()
            self._adapter = None


STATE = pytest.StashKey[RunState]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hsba", "hsba-conformance: appraise an EMR (thẩm định HSBA điện tử)")
    group.addoption("--hsba-target", metavar="FILE", help="target file (TOML) of the EMR to appraise")
    group.addoption("--hsba-out", metavar="DIR", default="hsba-out",
                    help="folder for results.json and evidence (default: hsba-out)")
    group.addoption("--hsba-profile", metavar="ID", help="criteria profile (default: the one in force on the date)")
    group.addoption("--hsba-date", metavar="YYYY-MM-DD", help="appraisal date (default: today in Vietnam)")
    group.addoption("--hsba-criteria", metavar="DIR", help="criteria folder (default: the shipped criteria)")
    group.addoption("--only", action="append", default=[], metavar="ID",
                    help="check only this criterion (repeatable)")
    group.addoption("--hsba-area", action="append", default=[], metavar="AREA",
                    help="check only this area (repeatable)")
    group.addoption("--hsba-progress", action="store_true", help="print one line per criterion as it is judged")
    group.addoption("--hsba-attestation", metavar="FILE",
                    help="the council's attestation (YAML) for manual and mixed criteria")


def _usage(message: Msg) -> pytest.UsageError:
    return pytest.UsageError(f"{message.vi}\n{message.en}")


def pytest_configure(config: pytest.Config) -> None:
    for marker, text in (("mandatory", "criterion level BẮT BUỘC / mandatory"),
                         ("recommended", "criterion level NÊN / recommended"),
                         ("automated", "criterion checked by probes"), ("manual", "criterion attested by the council"),
                         ("mixed", "criterion partly probed, partly attested")):
        config.addinivalue_line("markers", f"{marker}: hsba {text}")
    target_file = config.getoption("hsba_target", None)
    if not target_file:
        return
    try:
        on = date.fromisoformat(config.getoption("hsba_date")) if config.getoption("hsba_date") else today_in_vietnam()
    except ValueError:
        raise _usage(Msg("--hsba-date phải có dạng YYYY-MM-DD", "--hsba-date must be YYYY-MM-DD")) from None
    try:
        criteria_dir = config.getoption("hsba_criteria")
        catalogue = load_catalogue(Path(criteria_dir) if criteria_dir else None)
        selection = select(catalogue, on, profile_id=config.getoption("hsba_profile"),
                           only=config.getoption("only"), areas=config.getoption("hsba_area"))
        target = load_target(target_file)
        attestation_file = config.getoption("hsba_attestation")
        attestation = (load_attestation(Path(attestation_file), catalogue, selection.profile)
                       if attestation_file else None)
    except AttestationError as exc:
        raise _usage(Msg(f"Tệp xác nhận của hội đồng có lỗi:\n{exc}",
                         f"The council's attestation file has problems:\n{exc}")) from None
    except CriteriaError as exc:
        raise _usage(Msg(f"Tệp tiêu chí có lỗi:\n{exc}", f"The criteria files have problems:\n{exc}")) from None
    except (SelectionError, TargetError) as exc:
        raise _usage(exc.message) from None
    for area in catalogue.areas.values():
        config.addinivalue_line("markers", f"{area.id}: hsba area {area.title.vi} / {area.title.en}")
    out_dir = Path(config.getoption("hsba_out")).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    if not hasattr(config, "workerinput"):
        # a new run's evidence starts empty, so that every file in it belongs to this run's results
        shutil.rmtree(out_dir / EVIDENCE_DIR, ignore_errors=True)
    state = RunState(catalogue, selection, target, out_dir, EvidenceStore(out_dir, target.secrets()),
                     bool(config.getoption("hsba_progress")), datetime.now(UTC), attestation)
    if attestation is not None and not hasattr(config, "workerinput"):
        # the controller copies once (workers start after it; the store is content-addressed)
        try:  # the bundle carries the attestation and every file it attaches
            attestation.store(state.store)
        except (AttestationError, OSError) as exc:
            raise _usage(Msg(f"Không sao chép được bằng chứng của hội đồng: {exc}",
                             f"Cannot copy the council's evidence: {exc}")) from None
    config.stash[STATE] = state
    config.pluginmanager.register(ResultsCollector(config, state), "hsba-results")


class CriterionFailed(Exception):
    """The criterion's verdict is fail or error; the message is the item's failure text."""


class CriterionItem(pytest.Item):
    def __init__(self, *, criterion: Criterion, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.criterion = criterion
        for marker in (criterion.area, criterion.level, criterion.method):
            self.add_marker(marker)

    def runtest(self) -> None:
        state = self.config.stash[STATE]
        attested = state.attestation.entries.get(self.criterion.id) if state.attestation else None
        result = check_criterion(self.criterion, state.adapter(), state.store, state.selection.appraisal_date,
                                 attestation=attested, target=state.target)
        self.user_properties.append((RESULT_KEY, result.to_json()))
        _allure(self, result, state)
        text = f"{result.verdict.value}: {result.message.vi} / {result.message.en}"
        if result.verdict in (Verdict.FAIL, Verdict.ERROR):
            raise CriterionFailed(text)
        if result.verdict in (Verdict.INDETERMINATE, Verdict.MANUAL_PENDING, Verdict.NOT_APPLICABLE):
            pytest.skip(text)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CriterionFailed):
            return f"{self.criterion.id} — {self.criterion.title.vi} / {self.criterion.title.en}\n{excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.criterion.id}: {self.criterion.title.en}"


class CriteriaCollector(pytest.Collector):
    def collect(self) -> list[pytest.Item]:
        state = self.config.stash[STATE]
        return [CriterionItem.from_parent(self, name=c.id, criterion=c) for c in state.selection.applied]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    # tryfirst: the criteria must be among the items before -k / -m deselect.
    if STATE not in config.stash:
        return
    collector = CriteriaCollector.from_parent(session, name="hsba", path=config.stash[STATE].out_dir)
    items[:0] = collector.collect()


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, str] | None:
    result = _result_of(report)
    if result is None or report.when != "call":
        return None
    verdict = Verdict(result["verdict"])
    letter = {Verdict.PASS: ".", Verdict.FAIL: "F", Verdict.WARN: "W", Verdict.ERROR: "E",
              Verdict.INDETERMINATE: "?", Verdict.MANUAL_PENDING: "M", Verdict.NOT_APPLICABLE: "-"}[verdict]
    category = {Verdict.PASS: "passed", Verdict.FAIL: "failed", Verdict.ERROR: "failed",
                Verdict.WARN: "warn"}.get(verdict, "skipped")
    if STATE in config.stash and config.stash[STATE].progress:
        letter = ""  # the progress lines say it already
    return category, letter, verdict.value.upper()


def _result_of(report: pytest.TestReport) -> dict[str, Any] | None:
    for key, value in getattr(report, "user_properties", ()):
        if key == RESULT_KEY:
            return dict(value)
    return None


class ResultsCollector:
    """Registered once a target is given: gathers verdicts from the reports (also those xdist workers
    send to the controller), prints progress, and writes ``results.json`` at the end of the session."""

    def __init__(self, config: pytest.Config, state: RunState) -> None:
        self.config = config
        self.state = state

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        # after -k / -m / --deselect: the number of criteria this process will judge (an xdist
        # controller has no items of its own; its workers report below)
        if session.items:
            self.state.collected = sum(isinstance(item, CriterionItem) for item in session.items)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        # the xdist controller collects nothing itself; its workers tell it what they collected
        applied = {c.id for c in self.state.selection.applied}
        self.state.collected = sum(1 for nodeid in ids if nodeid.rsplit("::", 1)[-1] in applied)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        result = _result_of(report)
        if result is None or report.when != "call":
            return
        state = self.state
        state.results[result["id"]] = result
        if state.progress:
            reporter = self.config.pluginmanager.get_plugin("terminalreporter")
            label = VERDICT_LABELS[Verdict(result["verdict"])]
            if reporter is not None:
                reporter.ensure_newline()
                reporter.write_line(f"[{len(state.results):>3}/{state.collected}] {result['id']:<7} "
                                    f"{label.vi} / {label.en} — {result['message']['vi']}")

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        state = self.state
        state.close()
        if hasattr(self.config, "workerinput"):  # an xdist worker: the controller writes the results
            return
        criteria = state.catalogue.criteria
        results = [CriterionResult.from_json(data, criteria[cid]) for cid, data in state.results.items()
                   if cid in criteria]
        notices: list[Msg] = []
        if len(results) < len(state.selection.applied):
            notices.append(Msg(
                f"Lần chạy chỉ đánh giá {len(results)}/{len(state.selection.applied)} tiêu chí của hồ sơ.",
                f"This run judged {len(results)} of the profile's {len(state.selection.applied)} criteria."))
        attestation = state.attestation
        if attestation is not None and attestation.example:
            notices.append(Msg(
                "Bản xác nhận của hội đồng dùng trong lần chạy này là VÍ DỤ đi kèm công cụ, "
                "không phải của hội đồng thật.",
                "The council attestation used in this run is the EXAMPLE shipped with the tool, not a real council's."))
        document = results_document(state.selection, results, target=state.target.describe(),
                                    started=state.started, finished=datetime.now(UTC), notices=notices,
                                    council=attestation.council if attestation else [],
                                    attestation=attestation.summary_json() if attestation else None)
        path = write_results(document, state.out_dir)
        write_coverage(state.selection, document["criteria"], state.out_dir)
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            label = document["summary"]["overall_label"]
            reporter.ensure_newline()
            reporter.write_sep("-", f"hsba: {label['vi']} / {label['en']} — {path}")


def _allure(item: CriterionItem, result: CriterionResult, state: RunState) -> None:
    """Label and attach evidence in Allure when allure-pytest is recording this run."""
    if not getattr(item.config.option, "allure_report_dir", None):
        return
    try:
        import allure
    except ImportError:
        return
    c = item.criterion
    area = state.catalogue.areas.get(c.area)
    allure.dynamic.epic(f"{area.title.vi} / {area.title.en}" if area else c.area)
    allure.dynamic.feature(c.id)
    allure.dynamic.title(f"{c.id} — {c.title.vi}")
    allure.dynamic.description(f"{c.title.en}\n\n{'; '.join(str(b) for b in c.basis)}\n\n{c.notes.vi}\n\n{c.notes.en}")
    allure.dynamic.severity(allure.severity_level.CRITICAL if c.mandatory else allure.severity_level.NORMAL)
    allure.dynamic.tag(result.verdict.value)  # area, level and method arrive as markers
    for rel in result.evidence:
        path = state.out_dir / rel
        kind = allure.attachment_type.JSON if rel.endswith(".json") else allure.attachment_type.TEXT
        allure.attach.file(str(path), name=rel.rsplit("/", 1)[-1], attachment_type=kind)
