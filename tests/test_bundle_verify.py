"""bundle.zip and `hsba verify`: any change after signing is caught and said plainly; hostile zips never crash."""

from __future__ import annotations

import json
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from pyhanko.sign import signers

from conformance.bundle import MANIFEST, MANIFEST_SIG
from conformance.report_set import write_report_set
from conformance.report_sign import ReportSigner, demo_signing, load_signer, sign_detached
from conformance.resources import data_path
from conformance.trust import TrustStore
from conformance.verify_bundle import BundleCheck, verify_bundle
from conftest import run_hsba
from report_sample import MEMBERS, output_folder

TRUST = data_path("fixtures", "pki", "trust")
Change = Callable[[str, bytes], bytes | None]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "out"
    document = output_folder(out)
    written = write_report_set(out, document, load_signer(demo_signing()), secrets=set())
    return written.bundle


def _rewrite(src: Path, dst: Path, change: Change | None = None, extra: tuple[tuple[str, bytes], ...] = ()) -> Path:
    """A copy of the bundle, each member passed through ``change`` (None drops it), plus ``extra`` members."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            new = change(info.filename, data) if change else data
            if new is not None:
                zout.writestr(info.filename, new)
        for name, data in extra:
            zout.writestr(name, data)
    return dst


def _check(path: Path, trust: Path | None = TRUST) -> BundleCheck:
    return verify_bundle(path, TrustStore.load(trust) if trust else None)


def _codes(check: BundleCheck) -> set[str]:
    return {f.code for f in check.problems}


def test_bundle_holds_the_report_set_and_verifies(bundle: Path) -> None:
    with zipfile.ZipFile(bundle) as zf:
        assert sorted(zf.namelist()) == MEMBERS  # never target.toml or anything else from the folder
        manifest = json.loads(zf.read(MANIFEST))
    assert {f["path"] for f in manifest["files"]} == set(MEMBERS) - {MANIFEST, MANIFEST_SIG}
    check = _check(bundle)
    assert check.ok, [f.message.en for f in check.problems]
    assert check.files_checked == len(MEMBERS) - 2
    assert check.manifest_signature and check.manifest_signature.timestamp
    untrusted = _check(bundle, None)
    assert not untrusted.ok and not untrusted.problems  # intact; who signed is unknown without --trust
    assert untrusted.manifest_signature and untrusted.manifest_signature.intact


@pytest.mark.parametrize("member", MEMBERS)
def test_flipping_a_byte_of_any_file_fails(bundle: Path, tmp_path: Path, member: str) -> None:
    def flip(name: str, data: bytes) -> bytes:
        if name != member:
            return data
        changed = bytearray(data)
        changed[len(changed) // 2] ^= 0x01
        return bytes(changed)

    check = _check(_rewrite(bundle, tmp_path / "b.zip", flip))
    assert not check.ok
    if member not in (MANIFEST, MANIFEST_SIG):
        assert "changed" in _codes(check) and any(f.path == member for f in check.problems)


@pytest.mark.parametrize("member", MEMBERS)
def test_removing_any_file_fails(bundle: Path, tmp_path: Path, member: str) -> None:
    check = _check(_rewrite(bundle, tmp_path / "b.zip", lambda name, data: None if name == member else data))
    assert not check.ok
    expected = {MANIFEST: "no-manifest", MANIFEST_SIG: "manifest-unsigned"}.get(member, "missing")
    assert expected in _codes(check)


def test_adding_a_file_fails(bundle: Path, tmp_path: Path) -> None:
    check = _check(_rewrite(bundle, tmp_path / "b.zip", extra=(("evidence/objects/zz/extra.json", b"{}"),)))
    assert not check.ok and "added" in _codes(check)
    assert any("evidence/objects/zz/extra.json" in f.message.en for f in check.problems)


def _with_manifest_entry(member: str, content: bytes) -> Change:
    import hashlib

    def change(name: str, data: bytes) -> bytes:
        if name == member:
            return content
        if name == MANIFEST:
            manifest = json.loads(data)
            for item in manifest["files"]:
                if item["path"] == member:
                    item["sha256"], item["size"] = hashlib.sha256(content).hexdigest(), len(content)
            return (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode()
        return data

    return change


@pytest.mark.parametrize("member", ["results.json", "report.pdf", "report.html", "evidence/objects/aa/" + "a" * 64
                                    + ".json"])
def test_replacing_a_file_with_its_manifest_entry_fails(bundle: Path, tmp_path: Path, member: str) -> None:
    check = _check(_rewrite(bundle, tmp_path / "b.zip", _with_manifest_entry(member, b'{"overall": "pass"}')))
    assert not check.ok
    assert check.manifest_signature is not None and not check.manifest_signature.intact
    assert "content changed after signing" in check.manifest_signature.summary.en


def test_resigning_the_manifest_with_another_trusted_certificate_fails(bundle: Path, tmp_path: Path) -> None:
    pki = data_path("fixtures", "pki")
    other = ReportSigner(signers.SimpleSigner.load(str(pki / "staff" / "bac-si.key.pem"),
                                                   str(pki / "staff" / "bac-si.pem")), None, "bác sĩ")
    forged = _with_manifest_entry("results.json", b'{"overall": "pass"}')
    manifest: dict[str, bytes] = {}

    def capture(name: str, data: bytes) -> bytes:
        new = forged(name, data)
        if name == MANIFEST:
            manifest["bytes"] = new
        return new

    step = _rewrite(bundle, tmp_path / "a.zip", capture)
    signature = sign_detached(manifest["bytes"], other)
    check = _check(_rewrite(step, tmp_path / "b.zip", lambda n, d: signature if n == MANIFEST_SIG else d))
    assert check.manifest_signature is not None and check.manifest_signature.ok  # a valid, trusted signature...
    assert not check.ok and "signer-mismatch" in _codes(check)  # ...but not the one that signed report.pdf


@pytest.mark.parametrize(("name", "code"), [("../outside.txt", "unsafe-path"), ("/etc/passwd", "unsafe-path"),
                                            ("evidence\\x.json", "unsafe-path"), ("a//b", "unsafe-path"),
                                            ("C:/x", "unsafe-path")])
def test_unsafe_paths_are_refused(bundle: Path, tmp_path: Path, name: str, code: str) -> None:
    check = _check(_rewrite(bundle, tmp_path / "b.zip", extra=((name, b"x"),)))
    assert not check.ok and code in _codes(check)


def test_duplicates_links_and_bombs_are_refused(bundle: Path, tmp_path: Path) -> None:
    dup = _rewrite(bundle, tmp_path / "dup.zip")
    with pytest.warns(UserWarning), zipfile.ZipFile(dup, "a") as zf:
        zf.writestr("results.json", b"{}")
    assert "duplicate" in _codes(_check(dup))
    link = _rewrite(bundle, tmp_path / "link.zip")
    with zipfile.ZipFile(link, "a") as zf:
        info = zipfile.ZipInfo("evidence/link")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    assert "link" in _codes(_check(link))
    bomb = _rewrite(bundle, tmp_path / "bomb.zip", extra=(("evidence/objects/00/zeros.bin", bytes(8 * 1024 * 1024)),))
    assert "ratio" in _codes(_check(bomb))


def test_unsigned_bundle_fails_and_says_why(tmp_path: Path) -> None:
    out = tmp_path / "out"
    written = write_report_set(out, output_folder(out), None)
    assert not written.signed and "NOT signed" in written.notes[0].en
    check = _check(written.bundle)
    assert not check.ok and "manifest-unsigned" in _codes(check)
    assert check.pdf_signature is not None and "no digital signature" in check.pdf_signature.summary.en


def test_verify_command_exit_codes(bundle: Path, tmp_path: Path) -> None:
    good = run_hsba(["verify", str(bundle), "--trust", str(TRUST)], cwd=tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "gói nguyên vẹn, chữ ký hợp lệ và được tin cậy" in good.stdout
    unknown = run_hsba(["verify", str(bundle)], cwd=tmp_path)
    assert unknown.returncode == 1 and "trust unknown" in unknown.stdout and "--trust" in unknown.stdout
    changed = _rewrite(bundle, tmp_path / "changed.zip", lambda n, d: d + b" " if n == "junit.xml" else d)
    bad = run_hsba(["verify", str(changed), "--trust", str(TRUST)], cwd=tmp_path)
    assert bad.returncode == 1
    assert "tệp đã bị thay đổi (SHA-256 khác manifest): junit.xml" in bad.stdout
    assert "file changed (SHA-256 differs from the manifest): junit.xml" in bad.stdout
    (tmp_path / "garbage.zip").write_bytes(b"PK\x03\x04 not really")
    assert run_hsba(["verify", str(tmp_path / "garbage.zip")], cwd=tmp_path).returncode == 1
    assert run_hsba(["verify", str(tmp_path / "missing.zip")], cwd=tmp_path).returncode == 2
    assert run_hsba(["verify", str(bundle), "--trust", str(tmp_path)], cwd=tmp_path).returncode == 2


@pytest.mark.parametrize(("staff", "reason"), [("revoked-bac-si", "the certificate is revoked"),
                                               ("expired-dieu-duong", "expired or not yet valid")])
def test_a_revoked_or_expired_signer_is_not_trusted(tmp_path: Path, staff: str, reason: str) -> None:
    pki = data_path("fixtures", "pki")
    signer = ReportSigner(signers.SimpleSigner.load(str(pki / "staff" / f"{staff}.key.pem"),
                                                    str(pki / "staff" / f"{staff}.pem"),
                                                    ca_chain_files=[str(pki / "issuing-ca.pem")]),
                          load_signer(demo_signing()).timestamper, staff)
    out = tmp_path / "out"
    check = _check(write_report_set(out, output_folder(out), signer).bundle)
    assert not check.ok and not check.problems  # nothing was changed: the signer itself is not trustworthy
    for sig in (check.manifest_signature, check.pdf_signature):
        assert sig is not None and sig.intact and not sig.trusted and reason in sig.summary.en, sig
