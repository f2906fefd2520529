"""Parse XML from a candidate system safely: no DTD, no entities, no network, bounded size, depth and time.

Đọc XML do hệ thống được thẩm định gửi một cách an toàn: không DTD, không thực thể, không truy cập mạng, giới hạn kích
thước, độ sâu và thời gian.

Every export validator and the XML-signature validator parse through :func:`parse_xml`. A document that declares
a DTD (``<!DOCTYPE``) is refused before libxml2 sees it, so neither internal entities (billion laughs) nor
external ones (file or network) can be expanded; the parser is also told not to resolve entities, not to load
a DTD and not to touch the network, with libxml2's huge-tree mode off. Anything refused raises
:class:`UnsafeXML` carrying a bilingual message; callers turn it into an ``invalid``/``error`` verdict.

Time: with entities off and sizes bounded, parsing is linear in the input; :class:`Deadline` lets a validator
stop between stages once a file has used its time budget (a C-level parse cannot be interrupted mid-way, so the
size limits are what bound a single parse).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

from conformance.messages import Msg


@dataclass(frozen=True)
class Limits:
    """Per-file limits (configurable from the command line)."""

    max_file_bytes: int = 64 * 1024 * 1024  # a whole submission file
    max_table_bytes: int = 32 * 1024 * 1024  # one decoded NOIDUNGFILE
    max_depth: int = 32  # element nesting: a BHYT submission needs 8
    max_elements: int = 2_000_000  # elements in one parsed document
    max_seconds: float = 30.0  # time budget for one file


DEFAULT_LIMITS = Limits()


class UnsafeXML(Exception):
    """The input was refused or could not be parsed; ``kind`` says why (dtd, size, depth, syntax, elements,
    encoding, time)."""

    def __init__(self, message: Msg, kind: str = "syntax") -> None:
        super().__init__(message.en)
        self.message = message
        self.kind = kind


class Deadline:
    """A file's time budget; :meth:`check` raises :class:`UnsafeXML` once it is spent."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def check(self, stage: str = "") -> None:
        if time.monotonic() > self.end:
            raise UnsafeXML(Msg(f"vượt giới hạn thời gian {self.seconds:g} giây cho một tệp ({stage})",
                                f"time limit of {self.seconds:g} s per file exceeded ({stage})"), "time")


_PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "load_dtd": False, "dtd_validation": False,
                   "huge_tree": False, "remove_comments": False, "remove_pis": False, "collect_ids": False}
# a DOCTYPE or ENTITY declaration in the first 64 KiB (one further out is caught from the parsed docinfo)
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_MARKUP_DECLARATION = re.compile(rb"<!")


_LOCAL = threading.local()


def _parser() -> etree.XMLParser:
    """One parser per thread (an lxml parser must not be shared between threads)."""
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = etree.XMLParser(**_PARSER_OPTIONS)
    return parser


def parse_xml(data: bytes, *, limits: Limits = DEFAULT_LIMITS, what: str = "XML",
              max_bytes: int | None = None) -> etree._Element:
    """Parse ``data`` (bytes) into an lxml element, or raise :class:`UnsafeXML`. ``max_bytes`` overrides
    ``limits.max_file_bytes`` (e.g. for one decoded table)."""
    max_bytes = limits.max_file_bytes if max_bytes is None else max_bytes
    if not isinstance(data, bytes | bytearray):
        raise UnsafeXML(Msg(f"{what}: dữ liệu không phải dạng byte", f"{what}: data is not bytes"), "syntax")
    if len(data) > max_bytes:
        raise UnsafeXML(Msg(f"{what}: kích thước {len(data)} byte vượt giới hạn {max_bytes}",
                            f"{what}: size {len(data)} bytes exceeds the limit of {max_bytes}"), "size")
    if not data or data.isspace():
        raise UnsafeXML(Msg(f"{what}: tệp rỗng", f"{what}: empty document"), "syntax")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:4] in (b"\x00<\x00?", b"<\x00?\x00"):
        raise UnsafeXML(Msg(f"{what}: chỉ chấp nhận mã hoá UTF-8", f"{what}: only UTF-8 is accepted"), "encoding")
    # a declaration needs a "!": one memchr rules most documents out (bytes.find of "<!" is far slower)
    if data.find(b"!", 0, 1 << 16) >= 0 and _DECLARATION.search(data, 0, min(len(data), 1 << 16)):
        raise UnsafeXML(Msg(f"{what}: có khai báo DTD/ENTITY — bị từ chối (không cho phép DTD và thực thể)",
                            f"{what}: declares a DTD/ENTITY — refused (no DTD or entity is allowed)"), "dtd")
    try:
        root = etree.fromstring(bytes(data), _parser())
    except etree.XMLSyntaxError as exc:
        text = str(exc).lower()
        kind = ("depth" if "depth" in text else "encoding" if "encoding" in text or "utf-8" in text else "syntax")
        raise UnsafeXML(Msg(f"{what}: XML không hợp lệ: {exc}", f"{what}: not well-formed XML: {exc}"), kind) from None
    except (ValueError, MemoryError) as exc:
        raise UnsafeXML(Msg(f"{what}: không đọc được XML: {exc}", f"{what}: cannot read the XML: {exc}")) from None
    if len(data) > 1 << 16 and _MARKUP_DECLARATION.search(data, 1 << 16):  # a declaration past the scanned head?
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:
            raise UnsafeXML(Msg(f"{what}: có khai báo DTD — bị từ chối", f"{what}: declares a DTD — refused"), "dtd")
    _check_shape(root, len(data), limits, what)
    return root


@lru_cache(maxsize=8)
def _deeper_than(depth: int) -> etree.XPath:
    """One pass over the tree in C: true iff an element sits at depth ``depth + 1``."""
    return etree.XPath(f"boolean({'/*' * (depth + 1)})")


def _check_shape(root: etree._Element, size: int, limits: Limits, what: str) -> None:
    tree = root.getroottree()
    if _deeper_than(limits.max_depth)(tree):
        raise UnsafeXML(Msg(f"{what}: lồng phần tử sâu quá {limits.max_depth} mức",
                            f"{what}: elements nested deeper than {limits.max_depth} levels"), "depth")
    if size // 4 <= limits.max_elements:
        return  # an element takes at least 4 bytes ("<a/>"): the count cannot exceed the limit
    count = int(tree.xpath("count(//*)"))
    if count > limits.max_elements:
        raise UnsafeXML(Msg(f"{what}: {count} phần tử, vượt giới hạn {limits.max_elements}",
                            f"{what}: {count} elements exceed the limit of {limits.max_elements}"), "elements")
