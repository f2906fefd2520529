"""bundle.zip: the report set and its evidence, with a manifest of SHA-256 hashes whose signature seals it.

``manifest.json`` lists every other file of the bundle (path, size, SHA-256) — report.pdf included — and
``manifest.json.p7s`` is a detached CMS signature of the manifest's exact bytes, made with the same
certificate that signs report.pdf (with a timestamp when a TSA is set). Changing any file breaks its hash;
changing the manifest to match breaks the manifest's signature; adding or removing a file disagrees with
the manifest. ``hsba verify`` (:mod:`conformance.verify_bundle`) checks all of it.

Only the report set goes in: results.json, report.html, report.pdf, junit.xml, coverage.csv, the evidence
store, allure-results and the council's attestation files. Never the target file, the reference EMR's
database or anything else in the output folder; symbolic links are not followed.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.report_sign import ReportSigner, sign_detached

BUNDLE = "bundle.zip"
MANIFEST = "manifest.json"
MANIFEST_SIG = "manifest.json.p7s"
FORMAT = "hsba-bundle/1"
TOP_FILES = ("results.json", "report.html", "report.pdf", "junit.xml", "coverage.csv")
FOLDERS = ("evidence", "allure-results", "attestation")
_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _regular(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _inside(out_dir: Path, rel: str) -> bool:
    parts = Path(rel).parts
    return bool(parts) and not Path(rel).is_absolute() and ".." not in parts and _regular(out_dir / rel)


def bundle_members(out_dir: Path, document: dict[str, Any] | None = None) -> list[str]:
    """Paths (relative, '/'-separated, sorted) of the files that go into the bundle."""
    members = {name for name in TOP_FILES if _regular(out_dir / name)}
    for folder in FOLDERS:
        root = out_dir / folder
        if not root.is_dir() or root.is_symlink():
            continue
        for dirpath, dirnames, filenames in os.walk(root):  # os.walk does not follow symlinked folders
            dirnames[:] = [d for d in dirnames if not (Path(dirpath) / d).is_symlink()]
            for name in filenames:
                path = Path(dirpath) / name
                if _regular(path) and not name.startswith(".tmp-"):
                    members.add(path.relative_to(out_dir).as_posix())
    attestation = (document or {}).get("attestation")
    if isinstance(attestation, dict) and isinstance(attestation.get("file"), str) \
            and _inside(out_dir, attestation["file"]):
        members.add(Path(attestation["file"]).as_posix())
    for criterion in (document or {}).get("criteria") or ():
        for item in (criterion.get("attestation") or {}).get("evidence") or ():
            if isinstance(item, dict) and isinstance(item.get("path"), str) and _inside(out_dir, item["path"]):
                members.add(Path(item["path"]).as_posix())
    members -= {MANIFEST, MANIFEST_SIG, BUNDLE}
    return sorted(members)


def build_manifest(out_dir: Path, members: list[str], document: dict[str, Any] | None,
                   signer: ReportSigner | None) -> dict[str, Any]:
    summary = (document or {}).get("summary") or {}
    return {
        "format": FORMAT,
        "tool": f"hsba-conformance {__version__}",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "appraisal_date": (document or {}).get("appraisal_date"),
        "overall": summary.get("overall"),
        "signed_by": signer.subject if signer else None,
        "signature": MANIFEST_SIG if signer else None,
        "files": [{"path": rel, "size": (out_dir / rel).stat().st_size, "sha256": sha256_file(out_dir / rel)}
                  for rel in members],
    }


def write_bundle(out_dir: Path, document: dict[str, Any] | None, signer: ReportSigner | None) -> Path:
    """Write manifest.json (+ .p7s when signed) into ``out_dir`` and pack bundle.zip beside them."""
    members = bundle_members(out_dir, document)
    manifest = build_manifest(out_dir, members, document, signer)
    manifest_bytes = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    (out_dir / MANIFEST).write_bytes(manifest_bytes)
    signature = sign_detached(manifest_bytes, signer) if signer else None
    sig_path = out_dir / MANIFEST_SIG
    if signature is not None:
        sig_path.write_bytes(signature)
    else:
        sig_path.unlink(missing_ok=True)
    target = out_dir / BUNDLE
    tmp = out_dir / f".{BUNDLE}.tmp"
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr(MANIFEST, manifest_bytes)
        if signature is not None:
            zf.writestr(MANIFEST_SIG, signature)
        for rel in members:
            zf.write(out_dir / rel, rel)
    tmp.replace(target)
    return target
