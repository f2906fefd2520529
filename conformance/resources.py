"""Where the data shipped with the project lives once installed (criteria, fixtures, report templates).

The repository keeps them in top-level folders; the wheel maps them into the ``conformance`` package,
so they are found the same way in a checkout (editable install) and outside it.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path

_PACKAGES = {"criteria": "conformance._criteria", "fixtures": "conformance._fixtures",
             "reports": "conformance._reports", "schemas": "conformance.schemas"}


def data(folder: str, *parts: str) -> Traversable:
    """A file or folder inside one of the shipped data folders."""
    node = files(_PACKAGES[folder])
    for part in parts:
        node = node / part
    return node


def data_path(folder: str, *parts: str) -> Path:
    """As :func:`data`, as a real file-system path (the data is installed unpacked)."""
    with as_file(data(folder, *parts)) as path:
        return Path(path)
