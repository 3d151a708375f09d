"""Atom feeds (dialog/feeds.py): stored text that XML cannot hold never breaks a feed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dialog.feeds import news_atom, pick, xml_text

ATOM = "{http://www.w3.org/2005/Atom}"


def test_control_characters_are_left_out_of_feed_text() -> None:
    """A project named with control characters (the API stores what it is given) still has a feed."""
    body = news_atom(
        [], title="Modell\x00projekt\x01 Ulm\x1f", self_url="http://x/feed", api_url="http://x/api", language="de"
    )
    assert ET.fromstring(body).findtext(f"{ATOM}title") == "Modellprojekt Ulm"


def test_text_xml_can_hold_is_kept() -> None:
    """Tabs, newlines, umlauts and characters beyond the BMP pass through unchanged."""
    text = "Straße\tMünchen\n\U0001f3d9 \ue000"
    assert xml_text(text) == text
    assert pick({"en": "a\x0bb"}, "de") == "ab"
