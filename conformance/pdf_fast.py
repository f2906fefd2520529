"""A faster reader for PDF hexadecimal strings, installed into pyHanko's parser.

Đọc nhanh chuỗi hexa trong PDF (nội dung chữ ký /Contents) thay cho cách đọc từng byte của pyHanko.

A signature's ``/Contents`` is a hex string of 16–32 KiB (the CMS object with its certificates and timestamp
token); pyHanko reads it one byte at a time through a generator, which takes most of the time of opening a
signed document. This reader takes the same input and gives the same result — whitespace inside the string is
skipped, any other non-hex byte is an error, an odd number of digits is padded with ``0`` — reading in blocks.
A truncated string raises :class:`PdfStreamError` instead of looping.
"""

from __future__ import annotations

import binascii
import os
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfStreamError

_WHITESPACE = b" \t\n\r\x0c\x00"
_HEX = b"0123456789abcdefABCDEF"
_BLOCK = 64 * 1024


def read_hex_string_from_stream(stream: Any) -> generic.ByteStringObject | generic.TextStringObject:
    stream.read(1)  # the opening '<'
    chunks: list[bytes] = []
    while True:
        block = stream.read(_BLOCK)
        if not block:
            raise PdfStreamError("Stream has ended unexpectedly in a hex string")
        end = block.find(b">")
        if end >= 0:
            chunks.append(block[:end])
            stream.seek(end + 1 - len(block), os.SEEK_CUR)
            break
        chunks.append(block)
    digits = b"".join(chunks).translate(None, _WHITESPACE)
    stray = digits.translate(None, _HEX)
    if stray:
        raise PdfStreamError("Unexpected token in hex string: " + repr(stray[:1]))
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


def install() -> None:
    """Make pyHanko's object reader use :func:`read_hex_string_from_stream` (idempotent)."""
    generic.read_hex_string_from_stream = read_hex_string_from_stream
