"""Plain text of the HTML that some platforms (Mastodon, YouTube) send as a post's content."""

from __future__ import annotations

from typing import Any

from selectolax.lexbor import LexborHTMLParser

BLOCK_TAGS = {"p", "div", "blockquote", "li", "ul", "ol", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr"}
HIDDEN_CLASSES = {"invisible", "quote-inline"}
_BREAK = "\x00"


def html_to_text(markup: str | None) -> str | None:
    """Plain text of a post's HTML: paragraphs become blank-line breaks, `<br>` a newline;
    `invisible` spans (the hidden parts of shortened links) and the `quote-inline` fallback
    that Mastodon clients hide are dropped; link and mention text is kept."""
    if markup is None:
        return None
    if "<" not in markup and "&" not in markup:
        return markup
    body = LexborHTMLParser(markup).body
    if body is None:
        return ""
    parts: list[str] = []
    # Iterative walk (a deeply nested document must not hit the recursion limit): the stack
    # holds the elements whose children are being read, and whether each is a block.
    stack: list[tuple[Any, bool]] = []
    node = body.first_child
    while node is not None or stack:
        if node is None:
            parent, block = stack.pop()
            if block:
                parts.append(_BREAK)
            node = parent.next
            continue
        tag = node.tag
        if tag == "-text":
            parts.append(node.text_content or "")
            node = node.next
        elif tag == "br":
            parts.append("\n")
            node = node.next
        elif tag in {"script", "style", "-comment"} or HIDDEN_CLASSES & set(
                (node.attributes.get("class") or "").split()):
            node = node.next
        else:
            block = tag in BLOCK_TAGS
            if block:
                parts.append(_BREAK)
            stack.append((node, block))
            node = node.first_child
    text = "".join(parts)
    paragraphs = [p.strip(" \t") for p in text.split(_BREAK)]
    text = "\n\n".join(p.strip("\n") for p in paragraphs if p.strip())
    return text
