"""`hsba verify BUNDLE.zip [--trust DIR]`: an auditor checks that nothing changed after the council signed.

Checks, in order: the zip itself is safe to read (no absolute or ``..`` paths, no links, no duplicate names,
bounded sizes and compression ratios — nothing is ever extracted to disk); the manifest's detached signature;
every file's SHA-256 against the manifest, and no file added or missing; report.pdf's PAdES signature, by the
same certificate as the manifest. Exit 0 only when all of it holds and the signer chains to the trust folder;
without ``--trust`` an intact bundle still exits 1 because who signed it cannot be vouched for.
"""

from __future__ import annotations

import hashlib
import json
import logging
import stat
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asn1crypto import cms

from conformance.bundle import MANIFEST, MANIFEST_SIG
from conformance.messages import Msg
from conformance.report_verify import SignatureCheck, verify_detached, verify_report_pdf
from conformance.trust import TrustStore, TrustStoreError

MAX_ENTRIES = 200_000
MAX_MEMBER = 512 * 1024 * 1024
MAX_TOTAL = 4 * 1024 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, for members above 1 MiB
MAX_SMALL = 64 * 1024 * 1024  # manifest, its signature, report.pdf: read into memory
_CHUNK = 1 << 20


@dataclass
class Finding:
    code: str
    message: Msg
    path: str | None = None


@dataclass
class BundleCheck:
    bundle: str
    problems: list[Finding] = field(default_factory=list)
    files_checked: int = 0
    manifest_signature: SignatureCheck | None = None
    pdf_signature: SignatureCheck | None = None

    @property
    def ok(self) -> bool:
        return (not self.problems and self.manifest_signature is not None and self.manifest_signature.ok
                and self.pdf_signature is not None and self.pdf_signature.ok)

    def problem(self, code: str, vi: str, en: str, path: str | None = None) -> None:
        self.problems.append(Finding(code, Msg(vi, en), path))


class _Unreadable(Exception):
    pass


def _unsafe_name(name: str) -> bool:
    if not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name or (len(name) > 1 and name[1] == ":"):
        return True
    parts = name.rstrip("/").split("/")
    return any(p in ("", ".", "..") for p in parts)


def _is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, keep: bool) -> tuple[str, bytes | None]:
    """SHA-256 of a member (and its bytes when ``keep``), reading at most ``limit`` bytes whatever the header says."""
    digest = hashlib.sha256()
    kept = bytearray() if keep else None
    total = 0
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                total += len(chunk)
                if total > limit or total > info.file_size:
                    raise _Unreadable("size")
                digest.update(chunk)
                if kept is not None:
                    kept += chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise _Unreadable(str(exc) or type(exc).__name__) from None
    return digest.hexdigest(), bytes(kept) if kept is not None else None


def _entries(zf: zipfile.ZipFile, check: BundleCheck) -> dict[str, zipfile.ZipInfo] | None:
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        check.problem("too-many-entries", f"gói có quá nhiều tệp ({len(infos)} > {MAX_ENTRIES})",
                      f"the bundle has too many entries ({len(infos)} > {MAX_ENTRIES})")
        return None
    entries: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        name = info.filename
        if _unsafe_name(name):
            check.problem("unsafe-path", f"đường dẫn không an toàn trong gói: {name!r}",
                          f"unsafe path inside the bundle: {name!r}", name)
            continue
        if _is_link(info):
            check.problem("link", f"gói chứa liên kết tượng trưng: {name}", f"the bundle holds a symbolic link: {name}",
                          name)
            continue
        if info.is_dir():
            continue
        if name in entries:
            check.problem("duplicate", f"tên tệp lặp lại trong gói: {name}",
                          f"duplicate name inside the bundle: {name}", name)
            continue
        total += info.file_size
        if info.file_size > MAX_MEMBER or total > MAX_TOTAL:
            check.problem("too-large", f"tệp quá lớn hoặc gói quá lớn khi giải nén: {name}",
                          f"a file or the whole bundle is too large uncompressed: {name}", name)
            return None
        if info.file_size > _CHUNK and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            check.problem("ratio", f"tỉ lệ nén bất thường (nghi bom nén): {name}",
                          f"suspicious compression ratio (possible zip bomb): {name}", name)
            continue
        entries[name] = info
    return entries


def _manifest(zf: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo], check: BundleCheck) -> tuple[bytes, Any]:
    info = entries.get(MANIFEST)
    if info is None:
        check.problem("no-manifest", "gói không có manifest.json", "the bundle has no manifest.json")
        return b"", None
    try:
        _, raw = _read(zf, info, MAX_SMALL, keep=True)
        assert raw is not None
        manifest = json.loads(raw.decode("utf-8"))
        files = manifest["files"]
        if not isinstance(files, list) or not all(isinstance(f, dict) and isinstance(f.get("path"), str)
                                                  and isinstance(f.get("sha256"), str) for f in files):
            raise ValueError("files")
    except (_Unreadable, UnicodeDecodeError, ValueError, KeyError, TypeError):
        check.problem("bad-manifest", "manifest.json hỏng hoặc sai định dạng", "manifest.json is corrupt or malformed",
                      MANIFEST)
        return b"", None
    return raw, manifest


def _check_manifest_signature(zf: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo], raw: bytes,
                              trust: TrustStore | None, check: BundleCheck) -> None:
    info = entries.get(MANIFEST_SIG)
    if info is None:
        check.problem("manifest-unsigned", "manifest.json không có chữ ký (thiếu manifest.json.p7s): không chứng minh "
                      "được gói không bị sửa", "manifest.json is not signed (manifest.json.p7s missing): nothing "
                      "proves the bundle was not changed")
        return
    try:
        _, sig = _read(zf, info, MAX_SMALL, keep=True)
        assert sig is not None
        signed_data = cms.ContentInfo.load(sig)["content"]
        signed_data.native  # noqa: B018  (parse all of it now: a damaged structure is a finding, not a crash)
    except Exception:
        check.problem("bad-signature", "manifest.json.p7s hỏng: không phải chữ ký CMS", "manifest.json.p7s is corrupt: "
                      "not a CMS signature", MANIFEST_SIG)
        return
    check.manifest_signature = verify_detached(raw, signed_data, trust)


def _check_files(zf: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo], manifest: Any, check: BundleCheck,
                 ) -> bytes | None:
    """Every listed file present with its hash, nothing else; returns report.pdf's bytes when intact."""
    listed: dict[str, str] = {}
    for item in manifest["files"]:
        if item["path"] in listed or _unsafe_name(item["path"]):
            check.problem("bad-manifest", f"manifest.json liệt kê đường dẫn không hợp lệ hoặc lặp: {item['path']!r}",
                          f"manifest.json lists an invalid or repeated path: {item['path']!r}", item["path"])
            continue
        listed[item["path"]] = item["sha256"].lower()
    pdf: bytes | None = None
    for name, expected in listed.items():
        info = entries.get(name)
        if info is None:
            check.problem("missing", f"thiếu tệp được liệt kê trong manifest: {name}",
                          f"a file listed in the manifest is missing: {name}", name)
            continue
        try:
            digest, content = _read(zf, info, MAX_SMALL if name == "report.pdf" else MAX_MEMBER,
                                    keep=name == "report.pdf")
        except _Unreadable:
            check.problem("unreadable", f"tệp hỏng, không đọc được: {name}", f"corrupt file, cannot be read: {name}",
                          name)
            continue
        check.files_checked += 1
        if digest != expected:
            check.problem("changed", f"tệp đã bị thay đổi (SHA-256 khác manifest): {name}",
                          f"file changed (SHA-256 differs from the manifest): {name}", name)
        elif name == "report.pdf":
            pdf = content
    for name in sorted(set(entries) - set(listed) - {MANIFEST, MANIFEST_SIG}):
        check.problem("added", f"tệp không có trong manifest (bị thêm vào): {name}",
                      f"file not in the manifest (added): {name}", name)
    if "report.pdf" not in listed:
        check.problem("no-report", "manifest không liệt kê report.pdf", "the manifest does not list report.pdf")
    return pdf


def verify_bundle(path: Path, trust: TrustStore | None = None) -> BundleCheck:
    check = BundleCheck(str(path))
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        check.problem("not-a-zip", f"không đọc được gói như tệp ZIP: {exc}", f"cannot read the bundle as a ZIP: {exc}")
        return check
    with zf:
        entries = _entries(zf, check)
        if entries is None:
            return check
        raw, manifest = _manifest(zf, entries, check)
        if manifest is None:
            return check
        _check_manifest_signature(zf, entries, raw, trust, check)
        pdf = _check_files(zf, entries, manifest, check)
        if pdf is not None:
            check.pdf_signature = verify_report_pdf(pdf, trust)
    _same_signer(check)
    return check


def _same_signer(check: BundleCheck) -> None:
    m, p = check.manifest_signature, check.pdf_signature
    if m and p and m.certificate_sha256 and p.certificate_sha256 and m.certificate_sha256 != p.certificate_sha256:
        check.problem("signer-mismatch", "manifest và report.pdf được ký bởi hai chứng thư khác nhau",
                      "the manifest and report.pdf are signed with different certificates")


def _print(check: BundleCheck, trust: TrustStore | None) -> None:
    print(f"Gói / Bundle: {check.bundle}")
    for f in check.problems:
        print(f"  ✗ {f.message.vi}\n    {f.message.en}")
    for label, sig in (("manifest.json", check.manifest_signature), ("report.pdf", check.pdf_signature)):
        if sig is None:
            continue
        mark = "✓" if sig.ok else "✗"
        print(f"  {mark} Chữ ký / Signature {label}: {sig.summary.vi}\n    {sig.summary.en}")
    print(f"  Đã kiểm tra / Checked: {check.files_checked} tệp / files")
    if check.ok:
        print("Kết quả: gói nguyên vẹn, chữ ký hợp lệ và được tin cậy.\nResult: the bundle is intact; its signatures "
              "are valid and trusted.")
    elif not check.problems and trust is None and all(s is not None and s.intact for s in
                                                      (check.manifest_signature, check.pdf_signature)):
        print("Kết quả: gói nguyên vẹn, nhưng chưa xác định được người ký có đáng tin cậy không — hãy dùng --trust DIR."
              "\nResult: the bundle is intact, but whether its signer can be trusted is unknown — use --trust DIR.")
    else:
        print("Kết quả: KHÔNG đạt — gói đã bị thay đổi hoặc chữ ký không hợp lệ/không được tin cậy.\nResult: FAILED — "
              "the bundle was changed or its signature is invalid or untrusted.")


def run(bundle: Path, trust_dir: Path | None) -> int:
    if not bundle.is_file():
        print(f"không tìm thấy gói: {bundle}\nbundle not found: {bundle}", file=sys.stderr)
        return 2
    try:
        trust = TrustStore.load(trust_dir) if trust_dir is not None else None
    except TrustStoreError as exc:
        print(f"{exc.message.vi}\n{exc.message.en}", file=sys.stderr)
        return 2
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)  # its findings are reported here, bilingually
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    check = verify_bundle(bundle, trust)
    _print(check, trust)
    return 0 if check.ok else 1
