"""The hostile corpus: every file gives `invalid` or `error` with a message, never a crash, a hang or a fetch."""

from __future__ import annotations

import importlib.util
import json
import socket
from pathlib import Path

import pytest

from conformance.bhyt_validate import validate_claim_file
from conformance.xml_safety import Limits, UnsafeXML, parse_xml
from conftest import run_hsba

HOSTILE = Path(__file__).resolve().parent.parent / "fixtures" / "hostile"
# the corpus script, loaded under its own name (fixtures/pki has a generate.py too)
_spec = importlib.util.spec_from_file_location("hostile_generate", HOSTILE / "generate.py")
assert _spec is not None and _spec.loader is not None
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

FILES = sorted(p.name for p in HOSTILE.glob("*.xml"))


def test_the_committed_corpus_is_what_the_script_writes() -> None:
    assert set(generate.corpus()) == set(FILES)
    for name, data in generate.corpus().items():
        assert (HOSTILE / name).read_bytes() == data, name


@pytest.mark.parametrize("name", FILES)
def test_hostile_file_is_refused_with_a_message(name: str) -> None:
    result = validate_claim_file(HOSTILE / name, name=name, trust=None)
    assert result.verdict in ("invalid", "error"), name
    if result.verdict == "error":
        assert result.message is not None and result.message.vi and result.message.en
    else:
        assert any(f.severity == "error" and f.message.vi and f.message.en for f in result.findings)


def test_no_entity_is_expanded_and_nothing_is_fetched() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.2)
        port = listener.getsockname()[1]
        data = (b'<?xml version="1.0"?><!DOCTYPE g SYSTEM "http://127.0.0.1:%d/x.dtd"><GIAMDINHHS/>' % port)
        with pytest.raises(UnsafeXML) as refused:
            parse_xml(data)
        assert refused.value.kind == "dtd"
        nested = generate.envelope({"XML1": data})
        result = validate_claim_file(nested, name="n", trust=None)
        assert any(f.rule == "XD-01:table.xml.dtd" for f in result.findings)
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody connected


def test_giant_base64_meets_the_size_limits() -> None:
    data = generate.giant_base64(3)
    small_table = validate_claim_file(data, name="g", trust=None, limits=Limits(max_table_bytes=2**20))
    assert any(f.rule == "XD-01:table.size" for f in small_table.findings)
    small_file = validate_claim_file(data, name="g", trust=None, limits=Limits(max_file_bytes=2**20))
    assert small_file.verdict == "error" and small_file.details["refused"] == "size"


def test_time_limit_per_file_stops_the_check() -> None:
    data = generate.giant_base64(1)
    result = validate_claim_file(data, name="t", trust=None, limits=Limits(max_seconds=1e-9))
    assert result.verdict == "error" and result.details["refused"] == "time"
    assert "giới hạn thời gian" in result.message.vi  # type: ignore[union-attr]


def test_cli_survives_the_whole_corpus(tmp_path: Path) -> None:
    proc = run_hsba(["validate-export", str(HOSTILE), "--json", "--max-seconds", "20"], cwd=tmp_path, timeout=120)
    assert proc.returncode == 1, proc.stderr
    results = json.loads(proc.stdout)
    verdicts = {Path(r["file"]).name: r["verdict"] for r in results}
    assert set(verdicts) >= set(FILES)
    assert all(v in ("invalid", "error") for name, v in verdicts.items() if name.endswith(".xml"))
