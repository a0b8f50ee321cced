"""Plain text from the HTML summaries of TVmaze: paragraphs separated by a blank line."""

import re
from html.parser import HTMLParser

BLOCKS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "blockquote"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str | None) -> str | None:
    """None for no text; tags dropped, entities decoded, spaces collapsed."""
    if not html:
        return None
    parser = _Text()
    parser.feed(html)
    parser.close()
    paragraphs = (
        re.sub(r"\s+", " ", paragraph).strip() for paragraph in "".join(parser.parts).split("\n\n")
    )
    text = "\n\n".join(paragraph for paragraph in paragraphs if paragraph)
    return text or None
