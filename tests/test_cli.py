"""The `hsba` command line as a user meets it: listings, lint, and clear errors with exit code 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conformance.criteria_loader import default_dir
from conftest import DATE, run_hsba


def test_criteria_list_json_and_show(tmp_path: Path) -> None:
    proc = run_hsba(["criteria", "list", "--json"], cwd=tmp_path)
    assert proc.returncode == 0
    listed = json.loads(proc.stdout)
    assert len(listed) >= 12
    assert {"id", "title", "basis", "area", "level", "method", "applies", "probes"} <= set(listed[0])
    shown = run_hsba(["criteria", "show", "PQ-04"], cwd=tmp_path)
    assert shown.returncode == 0 and "PQ-04" in shown.stdout and "Căn cứ / Basis" in shown.stdout
    assert run_hsba(["criteria", "show", "XX-99"], cwd=tmp_path).returncode == 2


def test_lint_clean_and_dirty(tmp_path: Path) -> None:
    assert run_hsba(["criteria", "lint"], cwd=tmp_path).returncode == 0
    broken = tmp_path / "criteria"
    shutil.copytree(default_dir(), broken)
    text = (broken / "access.yaml").read_text(encoding="utf-8")
    (broken / "access.yaml").write_text(text.replace("probe: access.lockout_after_failures",
                                                     "probe: access.no_such_probe"), encoding="utf-8")
    proc = run_hsba(["criteria", "lint", str(broken)], cwd=tmp_path)
    assert proc.returncode == 1
    assert "access.no_such_probe" in proc.stdout and "does not exist" in proc.stdout
    assert "access.lockout_after_failures" in proc.stdout and "not used" in proc.stdout


def test_configuration_errors_exit_2(tmp_path: Path) -> None:
    missing = run_hsba(["appraise", "--target", "nope.toml", "--out", "o", "--date", DATE], cwd=tmp_path)
    assert missing.returncode == 2 and "target file not found" in missing.stderr
    (tmp_path / "t.toml").write_text('[target]\nadapter = "reference"\nbase_url = "https://127.0.0.1:9"\n'
                                     '[accounts.bac_si]\nusername = "a"\npassword = "in-the-file"\n',
                                     encoding="utf-8")
    inline = run_hsba(["appraise", "--target", "t.toml", "--out", "o", "--date", DATE], cwd=tmp_path)
    assert inline.returncode == 2 and "password_env" in inline.stderr
    (tmp_path / "t.toml").write_text('[target]\nadapter = "reference"\nbase_url = "https://127.0.0.1:9"\n',
                                     encoding="utf-8")
    gap = run_hsba(["appraise", "--target", "t.toml", "--out", "o", "--date", "2025-07-01"], cwd=tmp_path)
    assert gap.returncode == 2 and "TT 13/2025" in gap.stderr and "--profile" in gap.stderr
    unknown = run_hsba(["appraise", "--target", "t.toml", "--out", "o", "--date", DATE, "--profile", "x"],
                       cwd=tmp_path)
    assert unknown.returncode == 2 and "no profile 'x'" in unknown.stderr
    bad_date = run_hsba(["demo", "--out", "o", "--date", "15/01/2026"], cwd=tmp_path)
    assert bad_date.returncode == 2
    assert not (tmp_path / "o" / "results.json").exists()
