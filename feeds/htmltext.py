"""Reading HTML with a real HTML5 parser (Lexbor, through selectolax): decoding, and the text an element
shows, with its line breaks."""

from __future__ import annotations

import codecs
from collections.abc import Mapping

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from feeds.normalize import normalize_text

__all__ = ["SelectolaxError", "check_selector", "element_text", "parse_html", "text_lines"]

_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
_INVISIBLE = frozenset({"script", "style", "noscript", "template", "head", "svg"})
_EXIT = object()


def parse_html(body: bytes, headers: Mapping[str, str]) -> LexborHTMLParser:
    """The document: decoded with the charset of the Content-Type header when it names a known one, else as
    the HTML standard says (byte order mark, <meta charset>, else UTF-8)."""
    content_type = next((value for key, value in headers.items() if key.lower() == "content-type"), "")
    charset = ""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'")
    try:
        codec = codecs.lookup(charset).name if charset else None
    except LookupError:
        codec = None
    if codec is not None:
        return LexborHTMLParser(body.decode(codec, errors="replace"))
    return LexborHTMLParser(body, encoding=True)


def check_selector(selector: str) -> None:
    """Raise SelectolaxError when `selector` is not a CSS selector the parser understands."""
    LexborHTMLParser("<p></p>").css(selector)


def text_lines(node: LexborNode) -> list[str]:
    """The lines of text `node` shows: a line break at <br> and around block elements; scripts and styles
    left out; each line normalised (controls dropped, whitespace folded); empty lines dropped."""
    lines: list[str] = []
    current: list[str] = []

    def breaks() -> None:
        if current:
            lines.append(normalize_text("".join(current)))
            current.clear()

    stack: list[object] = [node]
    while stack:
        top = stack.pop()
        if top is _EXIT:
            breaks()
            continue
        assert isinstance(top, LexborNode)
        if top.is_text_node:
            current.append(top.text_content or "")
            continue
        tag = (top.tag or "").lower()
        if tag in _INVISIBLE or top.is_comment_node:
            continue
        if tag == "br":
            breaks()
            continue
        if tag in _BLOCKS:
            breaks()
            stack.append(_EXIT)
        stack.extend(reversed(list(top.iter(include_text=True))))
    breaks()
    return [line for line in lines if line]


def element_text(node: LexborNode) -> str:
    """The text `node` shows on one line: whitespace folded, line breaks as spaces."""
    return " ".join(text_lines(node))
