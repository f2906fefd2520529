"""The embedded reference EMR: a real HTTPS service on loopback, its adapter and its switchable faults.

Lightweight entry points (none imports Flask):

* :class:`ReferenceProcess` — run the server as a child process (context manager), ``.base_url``,
  ``.passwords``, ``.write_target(path)``;
* :func:`write_target_file` — a target TOML for a running server;
* :func:`account_env` — ``(account key, password variable)`` pairs;
* :func:`faults_json` / :func:`list_faults` — the fault switches;
* :func:`main_serve` / :func:`main_faults` — the ``serve`` / ``faults`` commands (argument lists in, exit code out).
"""

from conformance.adapters.reference.accounts import account_env
from conformance.adapters.reference.cli import main_faults, main_serve
from conformance.adapters.reference.faults import Fault, UnknownFault, faults_json, list_faults
from conformance.adapters.reference.pki import ca_bundle
from conformance.adapters.reference.process import ReferenceProcess, ReferenceStartError
from conformance.adapters.reference.targetfile import write_target_file

__all__ = [
    "Fault", "ReferenceProcess", "ReferenceStartError", "UnknownFault", "account_env", "ca_bundle", "faults_json",
    "list_faults", "main_faults", "main_serve", "write_target_file",
]
