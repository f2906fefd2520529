"""The export benchmark runs end to end at CI size (figures are printed, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent / "bench" / "bench_exports.py"


def test_bench_runs_small_and_every_generated_file_is_valid() -> None:
    proc = subprocess.run([sys.executable, str(BENCH), "--count", "30", "--distinct", "3", "--xmlschema-sample", "3",
                           "-n", "2"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for label in ("baseline", "ours --skip-signature", "ours full", "xmlschema", "peak memory"):
        assert label in out
    assert "not valid: 0 (skip-signature), 0 (full)" in out
    assert "(30 valid)" in out
