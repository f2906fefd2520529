"""`hsba validate-export`: exit codes, the JSON contract of DESIGN.md, folders, workers, format detection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bhyt_builder import envelope, inpatient
from conformance.cli import main
from conformance.export_cli import sniff

TRUST = str(Path(__file__).resolve().parent.parent / "fixtures" / "pki" / "trust")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("batch")
    (root / "sub").mkdir()
    for i in range(4):
        (root / "sub" / f"ok-{i}.xml").write_bytes(envelope(inpatient(f"LK-{i}")))
    claim = inpatient("LK-BAD")
    claim.tables["XML1"][0]["MA_BENH_CHINH"] = "QQ1"
    (root / "bad.xml").write_bytes(envelope(claim))
    return root


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, list[dict]]:
    code = main(["validate-export", *argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_all_valid_exit_0(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, results = _json(capsys, [str(folder / "sub"), "--trust", TRUST])
    assert code == 0 and [Path(r["file"]).name for r in results] == [f"ok-{i}.xml" for i in range(4)]
    for r in results:
        assert set(r) >= {"file", "verdict", "findings"} and r["verdict"] == "valid"


def test_any_invalid_exit_1_with_findings_in_the_contract_shape(folder: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, results = _json(capsys, [str(folder), "--trust", TRUST, "-n", "2"])
    assert code == 1 and len(results) == 5
    bad = next(r for r in results if r["file"].endswith("bad.xml"))
    assert bad["verdict"] == "invalid"
    finding = next(f for f in bad["findings"] if f["severity"] == "error")
    assert set(finding) == {"rule", "severity", "table", "field", "row", "message"}
    assert finding["rule"].startswith("XD-04:") and finding["field"] == "MA_BENH_CHINH"
    assert set(finding["message"]) == {"vi", "en"}


def test_without_trust_the_signature_is_not_accepted_unless_skipped(folder: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, results = _json(capsys, [str(folder / "sub" / "ok-0.xml")])
    errors = [f["rule"] for f in results[0]["findings"] if f["severity"] == "error"]
    assert code == 1 and any(rule.startswith("XD-08:") for rule in errors)
    code, results = _json(capsys, [str(folder / "sub" / "ok-0.xml"), "--skip-signature"])
    assert code == 0


def test_bad_usage_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate-export", str(tmp_path / "missing.xml")]) == 2
    assert main(["validate-export", str(tmp_path), "--trust", str(tmp_path / "nowhere")]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["validate-export", str(tmp_path), "--format", "pdf"])
    assert exc.value.code == 2


def test_text_output_is_bilingual(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate-export", str(folder / "bad.xml"), "--trust", TRUST]) == 1
    out = capsys.readouterr().out
    assert "KHÔNG HỢP LỆ / invalid" in out and "ICD-10" in out


def test_format_detection() -> None:
    assert sniff(b'  {"HoSoBenhAn": {}}') == "cv365"
    assert sniff(b'<?xml version="1.0"?>\n<!-- c --><HoSoBenhAn>') == "cv365"
    assert sniff(b"<?xml version='1.0'?><GIAMDINHHS>") == "xml130"
    assert sniff(b"\xef\xbb\xbf<ns:HoSoBenhAn xmlns:ns='x'>") == "cv365"
