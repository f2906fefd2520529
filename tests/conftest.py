"""Shared helpers: run the `hsba` command as a user would, outside the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

DATE = "2026-01-15"  # tests always pin the appraisal date


def run_hsba(args: list[str], *, cwd: Path, env: dict[str, str] | None = None,
             timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`hsba ARGS` in a separate process, from ``cwd`` (never the checkout: the installed package is tested)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("HSBA_", "PYTEST_"))}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "conformance", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def load_results(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return data


def verdicts(results: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["verdict"] for c in results["criteria"]}


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path
