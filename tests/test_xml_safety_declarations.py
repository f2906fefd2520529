"""A DTD or entity declaration is refused wherever it stands: in the scanned head, after a long prolog, with
or without other "!" characters around it (the quick "!" test only rules out documents that cannot hold one)."""

from __future__ import annotations

import pytest

from conformance.xml_safety import UnsafeXML, parse_xml

BOMB = b'<!DOCTYPE g [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'


@pytest.mark.parametrize("prolog", [b"", b"<!-- hello! -->", b"<!--" + b"x" * 70000 + b"-->",
                                    b"<?pi " + b"!" * 70000 + b"?>"])
def test_a_declaration_is_refused_after_any_prolog(prolog: bytes) -> None:
    with pytest.raises(UnsafeXML) as caught:
        parse_xml(b"<?xml version='1.0'?>" + prolog + BOMB + b"<g>&b;</g>")
    assert caught.value.kind in ("dtd", "syntax")


@pytest.mark.parametrize("text", [b"no bang at all", "Chú ý! <!-- ghi chú! -->".encode(), b"<![CDATA[a!b]]>"])
def test_documents_without_a_declaration_are_read(text: bytes) -> None:
    root = parse_xml(b"<GOI><A>" + text + b"</A></GOI>")
    assert root.tag == "GOI"


def test_a_declaration_far_in_is_refused() -> None:
    data = b"<!--" + b"a" * 70000 + b"-->" + b'<!DOCTYPE g SYSTEM "x.dtd"><g/>'
    with pytest.raises(UnsafeXML) as caught:
        parse_xml(data)
    assert caught.value.kind == "dtd"
