"""The text styling a form may carry (the Markdown and HTML subset ODK Collect and Enketo render) as chat text.

XLSForm labels, hints and notes may say ``**bold**``, ``*emphasis*``, ``# heading``, ``[text](url)`` or HTML
(``<strong>``, ``<b>``, ``<em>``, ``<i>``, ``<u>``, ``<br>``, ``<p>``, ``<span style="color:…">``, ``&amp;``).
A chat shows it as WhatsApp writes it and Telegram reads it plainly: bold as ``*x*``, emphasis as ``_x_``,
a heading as a bold line, a link as ``text (url)``, a line break as a new line; any other tag of that subset
is dropped and its text kept. Only known tag names are touched: "umur <5" or "a < b" stay as they are.
"""
from __future__ import annotations

import html
import re

# tags whose text is kept and whose markup goes (ODK renders span and font for colours and fonts)
_DROPPED = ("span", "font", "u", "ins", "mark", "small", "big", "sup", "sub", "div", "blockquote", "code", "tt",
            "ul", "ol", "a", "s", "strike", "del", "center")
_BOLD_TAGS = re.compile(r"<(strong|b)(?:\s[^<>]*)?>(.*?)</\1\s*>", re.I | re.S)
_EM_TAGS = re.compile(r"<(em|i)(?:\s[^<>]*)?>(.*?)</\1\s*>", re.I | re.S)
_HEADING_TAGS = re.compile(r"<h[1-6](?:\s[^<>]*)?>(.*?)</h[1-6]\s*>", re.I | re.S)
_BREAK = re.compile(r"<br\s*/?>|</p\s*>|</li\s*>", re.I)
_OPEN_LINE = re.compile(r"<(?:p|li)(?:\s[^<>]*)?>", re.I)
_OTHER_TAGS = re.compile(r"</?(?:%s)(?:\s[^<>]*)?/?>" % "|".join(_DROPPED), re.I)
_MD_STRONG = re.compile(r"(?<![\\*\w])\*\*(?=\S)(.+?)(?<=\S)\*\*(?![*\w])|(?<![\\\w])__(?=\S)(.+?)(?<=\S)__(?!\w)",
                        re.S)
_MD_EM = re.compile(r"(?<![\\*\w])\*(?=[^\s*])(.+?)(?<=[^\s\\*])\*(?![*\w])", re.S)
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)
_MD_LINK = re.compile(r"\[([^\[\]]+)\]\(([^()\s]+)\)")
_ESCAPED = re.compile(r"\\([*_#\[\]\\])")
_MARKERS = "\x00B", "\x00E"          # bold and emphasis kept aside while the other rules run


def _bold(inner: str) -> str:
    inner = inner.strip()
    return f"{_MARKERS[0]}{inner}{_MARKERS[0]}" if inner else ""


def _em(inner: str) -> str:
    inner = inner.strip()
    return f"{_MARKERS[1]}{inner}{_MARKERS[1]}" if inner else ""


def chat_text(text: str) -> str:
    """A form text's styling as chat text (see the module's doc); a text without any is returned as it is."""
    if not ("<" in text or "*" in text or "__" in text or "#" in text or "[" in text or "&" in text):
        return text
    out = text
    if "<" in out:
        out = _HEADING_TAGS.sub(lambda m: _bold(m.group(1)), out)
        out = _BOLD_TAGS.sub(lambda m: _bold(m.group(2)), out)
        out = _EM_TAGS.sub(lambda m: _em(m.group(2)), out)
        out = _BREAK.sub("\n", out)
        out = _OPEN_LINE.sub("", out)
        out = _OTHER_TAGS.sub("", out)
    if "*" in out or "__" in out:
        out = _MD_STRONG.sub(lambda m: _bold(m.group(1) or m.group(2)), out)
        out = _MD_EM.sub(lambda m: _em(m.group(1)), out)
    if "#" in out:
        out = _MD_HEADING.sub(lambda m: _bold(m.group(1)), out)
    if "[" in out:
        out = _MD_LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})" if m.group(1) != m.group(2) else m.group(2),
                           out)
    if "\\" in out:
        out = _ESCAPED.sub(r"\1", out)
    if "&" in out:
        out = html.unescape(out)
    return out.replace(_MARKERS[0], "*").replace(_MARKERS[1], "_")
