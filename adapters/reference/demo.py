"""`hsba demo`: start the reference EMR on loopback, appraise it like any target, stop it.

Passwords come from the ``HSBA_PW_<ACCOUNT>`` environment variables when set, else fresh random ones
are made for the run; they are handed over only through the environment, and the target file written
into the output folder names those variables, never their values. The report is signed with the test PKI's
facility certificate and timestamped by its test TSA (``conformance.report_sign.demo_signing``).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from conformance.adapters.reference.accounts import ACCOUNTS, random_password
from conformance.adapters.reference.faults import UnknownFault
from conformance.adapters.reference.pki import ca_bundle
from conformance.adapters.reference.process import ReferenceProcess, ReferenceStartError
from conformance.criteria_loader import load_catalogue
from conformance.messages import Msg
from conformance.report_sign import demo_signing
from conformance.resources import data_path
from conformance.runner import Appraisal, appraise, say
from conformance.selection import SelectionError, profile_for
from conformance.verdicts import EXIT_CRASH, EXIT_USAGE


def _fresh_database(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "emr.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return db


def example_attestation(on: date) -> Path | None:
    """The example attestation shipped for the profile in force on ``on`` (clearly marked as an example)."""
    try:
        profile, _ = profile_for(load_catalogue(), on)
    except SelectionError:
        return None  # the appraisal itself reports that no profile is in force
    path = data_path("fixtures", "attestation", f"example-{profile.id}.yaml")
    return path if path.is_file() else None


def run_demo(*, out: Path, faults: Sequence[str] = (), on: date, jobs: int = 1,
             areas: Sequence[str] = (), only: Sequence[str] = ()) -> int:
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    passwords = {spec.env_var: os.environ.get(spec.env_var) or random_password() for spec in ACCOUNTS}
    try:
        server = ReferenceProcess(faults=faults, db=_fresh_database(out / "reference-emr"), passwords=passwords)
    except UnknownFault as exc:
        say(Msg(exc.vi, exc.en), sys.stderr)
        return EXIT_USAGE
    trust = out / "pki" / "ca-bundle.pem"
    trust.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ca_bundle(), trust)
    switched = ", ".join(server.faults) or "—"
    try:
        with server:
            say(Msg(f"HSBA tham chiếu đang chạy tại {server.base_url} (lỗi bật: {switched})",
                    f"Reference EMR running at {server.base_url} (faults on: {switched})"))
            target = out / "target.toml"
            server.write_target(target)
            # The target file names the variables; this process (and pytest-xdist workers) read them.
            os.environ.update(server.passwords)
            return appraise(Appraisal(target=target, out=out, on=on, jobs=jobs, areas=list(areas), only=list(only),
                                      attestation=example_attestation(on),
                                      signing=demo_signing()))
    except ReferenceStartError as exc:
        say(Msg(exc.vi, exc.en), sys.stderr)
        if exc.stderr:
            print(exc.stderr, file=sys.stderr)
        return EXIT_CRASH
