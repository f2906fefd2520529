"""`hsba appraise --sign-with`: a wrong certificate or password stops the run before it starts; no certificate
means an unsigned report, said plainly; the certificate's password never reaches an artefact."""

from __future__ import annotations

import socket
import zipfile
from pathlib import Path

from conformance.report_sign import DEMO_P12_PASSWORD
from conformance.resources import data_path
from conftest import DATE, run_hsba

P12 = data_path("fixtures", "pki", "facility.p12")
TRUST = data_path("fixtures", "pki", "trust")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _target(tmp_path: Path) -> Path:
    target = tmp_path / "target.toml"
    target.write_text(f'[target]\nname = "unreachable"\nadapter = "reference"\n'
                      f'base_url = "http://127.0.0.1:{_closed_port()}"\nconnect_timeout = 1\nread_timeout = 1\n'
                      '[facility]\nname = "Bệnh viện Thử"\n[product]\nname = "EMR"\nversion = "1"\n'
                      '[accounts.bac_si]\nusername = "a"\npassword_env = "HSBA_TEST_PW"\n', encoding="utf-8")
    return target


def _appraise(tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, str, Path]:
    out = tmp_path / "out"
    proc = run_hsba(["appraise", "--target", str(_target(tmp_path)), "--out", str(out), "--date", DATE,
                     "--only", "TV-01", *extra], cwd=tmp_path, env={"HSBA_TEST_PW": "pw-7781-target", **(env or {})},
                    timeout=240)
    return proc.returncode, proc.stdout + proc.stderr, out


def test_wrong_password_or_missing_variable_is_bad_usage(tmp_path: Path) -> None:
    code, output, out = _appraise(tmp_path, "--sign-with", str(P12), "--sign-pass-env", "P12_PW",
                                  env={"P12_PW": "wrong-password"})
    assert code == 2 and "wrong password or not PKCS#12" in output and "sai mật khẩu" in output
    assert not (out / "results.json").exists()  # found before anything ran
    code, output, _ = _appraise(tmp_path, "--sign-with", str(P12), "--sign-pass-env", "P12_UNSET")
    assert code == 2 and "P12_UNSET" in output and "is not set" in output
    code, output, _ = _appraise(tmp_path, "--tsa-url", "http://127.0.0.1:1/")
    assert code == 2 and "need --sign-with" in output


def test_signed_appraisal_verifies_and_keeps_the_password_out(tmp_path: Path) -> None:
    code, output, out = _appraise(tmp_path, "--sign-with", str(P12), "--sign-pass-env", "P12_PW",
                                  env={"P12_PW": DEMO_P12_PASSWORD})
    assert code == 4, output  # the target is unreachable: undecided, but the report set is written and signed
    assert "report.pdf is signed but has NO timestamp" in output
    with zipfile.ZipFile(out / "bundle.zip") as zf:
        everything = b"".join(zf.read(n) for n in zf.namelist())
    assert DEMO_P12_PASSWORD.encode() not in everything and b"pw-7781-target" not in everything
    verified = run_hsba(["verify", str(out / "bundle.zip"), "--trust", str(TRUST)], cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout
    assert "không có dấu thời gian" in verified.stdout and "no timestamp" in verified.stdout


def test_unsigned_appraisal_says_so_and_does_not_verify(tmp_path: Path) -> None:
    code, output, out = _appraise(tmp_path)
    assert code == 4
    assert "CHƯA được ký" in output and "NOT signed (no --sign-with)" in output
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    verified = run_hsba(["verify", str(out / "bundle.zip"), "--trust", str(TRUST)], cwd=tmp_path)
    assert verified.returncode == 1 and "manifest.json is not signed" in verified.stdout


def test_a_timestamp_server_that_does_not_answer_is_said_plainly(tmp_path: Path) -> None:
    code, output, out = _appraise(tmp_path, "--sign-with", str(P12), "--sign-pass-env", "P12_PW", "--tsa-url",
                                  f"http://127.0.0.1:{_closed_port()}/tsa", env={"P12_PW": DEMO_P12_PASSWORD})
    assert code == 3 and "report.pdf could not be signed" in output and "không ký được report.pdf" in output
    assert "Traceback" not in output
    assert (out / "results.json").is_file() and not (out / "bundle.zip").exists()
