"""Running the reference EMR as a child process (what ``hsba demo`` and the tests use)."""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from conformance.adapters.reference.accounts import ACCOUNTS, passwords_from_env
from conformance.adapters.reference.faults import FaultSet
from conformance.adapters.reference.hosts import loopback_address
from conformance.adapters.reference.pki import ca_bundle
from conformance.adapters.reference.targetfile import write_target_file

READY_PREFIX = "READY "


class ReferenceStartError(RuntimeError):
    """The reference EMR did not come up; ``stderr`` holds what the child printed."""

    def __init__(self, vi: str, en: str, stderr: str = "") -> None:
        super().__init__(f"{en}\n--- stderr ---\n{stderr}" if stderr else en)
        self.vi = vi
        self.en = en
        self.stderr = stderr


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    """Read the child's stdout to the end (so its pipe never fills), passing lines on."""
    for line in stream:
        lines.put(line)
    lines.put(None)


class ReferenceProcess:
    """The reference EMR in a subprocess (``python -m conformance.adapters.reference serve``).

    ``passwords`` maps ``HSBA_PW_<KEY>`` variables to passwords for a new database; missing ones are taken
    from ``env`` or ``os.environ``, else generated. :attr:`passwords` holds all of them afterwards: give
    them to :func:`conformance.target.load_target` (``environ=``) so the adapter can log in.
    ``db=None`` uses a temporary database, removed on exit. Usable as a context manager.
    """

    def __init__(self, *, faults: Sequence[str] = (), db: Path | None = None, env: Mapping[str, str] | None = None,
                 passwords: Mapping[str, str] | None = None, host: str = "127.0.0.1", port: int = 0,
                 lockout_seconds: int = 300, startup_timeout: float = 20.0, grace_seconds: float = 5.0,
                 python: str | None = None) -> None:
        self.faults = FaultSet(faults).sorted()  # unknown names fail here, before any process starts
        self.host = loopback_address(host)
        self.port = port
        self.lockout_seconds = lockout_seconds
        self.startup_timeout = startup_timeout
        self.grace_seconds = grace_seconds
        self.python = python or sys.executable
        base_env = dict(os.environ if env is None else env)
        base_env.update(passwords or {})
        chosen, _generated = passwords_from_env(base_env)
        self.passwords: dict[str, str] = {a.env_var: chosen[a.key] for a in ACCOUNTS}
        self.child_env = {**base_env, **self.passwords, "PYTHONUNBUFFERED": "1"}
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.db = db
        self.base_url = ""
        self.ca_file: Path = ca_bundle()
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: IO[bytes] | None = None

    # lifecycle ------------------------------------------------------------------------------------
    def start(self) -> ReferenceProcess:
        if self._proc is not None:
            return self
        if self.db is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="hsba-reference-")
            self.db = Path(self._tmp.name) / "emr.sqlite"
        cmd = [self.python, "-P", "-m", "conformance.adapters.reference", "serve", "--host", self.host,
               "--port", str(self.port), "--db", str(self.db), "--lockout-seconds", str(self.lockout_seconds)]
        for name in self.faults:
            cmd += ["--fault", name]
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._stderr, stdin=subprocess.DEVNULL,
                                      env=self.child_env, text=True, encoding="utf-8")
        lines: queue.Queue[str | None] = queue.Queue()
        assert self._proc.stdout is not None
        threading.Thread(target=_pump, args=(self._proc.stdout, lines), daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:  # stdout closed: the child is ending
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._proc.wait(2)
                break
            if line.startswith(READY_PREFIX):
                self.base_url = line[len(READY_PREFIX):].strip()
                return self
        err = self.stderr_text()
        code = self._proc.poll()
        self.stop()
        if code is not None:
            raise ReferenceStartError(f"HSBA Reference EMR đã dừng trước khi sẵn sàng (mã thoát {code}).",
                                      f"the HSBA Reference EMR stopped before it was ready (exit code {code})", err)
        raise ReferenceStartError(
            f"HSBA Reference EMR không sẵn sàng trong {self.startup_timeout:.0f} giây.",
            f"the HSBA Reference EMR did not become ready within {self.startup_timeout:.0f} s", err)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(self.grace_seconds)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
            if proc.stdout is not None:
                proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
            self.db = None

    def __enter__(self) -> ReferenceProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # helpers ----------------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def stderr_text(self) -> str:
        """What the child has printed on stderr so far."""
        if self._stderr is None:
            return ""
        fd = self._stderr.fileno()
        return os.pread(fd, os.fstat(fd).st_size, 0).decode("utf-8", "replace")

    def write_target(self, path: Path, adapter: str = "reference") -> Path:
        """Write a target file for this running server (see :func:`write_target_file`); ``adapter="fhir"``
        reaches it through its FHIR R4 facade."""
        if not self.base_url:
            raise RuntimeError("the reference EMR is not running")
        write_target_file(path, self.base_url, self.ca_file, adapter)
        return Path(path)
