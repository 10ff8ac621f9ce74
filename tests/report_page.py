"""Reading a report as a test sees it: figures, images, tagged numbers, tables, downloads."""

from __future__ import annotations

import base64
import io
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd


class Page(HTMLParser):
    """The parts of a report a test checks: figures, images, tagged numbers, links, tables
    (each a list of rows of cell texts, header first) and CSV downloads (name -> frame)."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[str] = []
        self.images: list[str] = []
        self.external: list[str] = []
        self.tags: set[str] = set()
        self.sections: list[str] = []
        self.headlines: list[dict[str, str]] = []
        self.status: dict[str, str] = {}
        self.tables: list[list[list[str]]] = []
        self.downloads: dict[str, pd.DataFrame] = {}
        self.roles: dict[str, str] = {}
        self._item: dict[str, str] | None = None
        self._role: str | None = None
        self._cell: list[str] | None = None
        self._tagged: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        if tag == "figure":
            self.figures.append(a.get("id", ""))
        if tag == "img":
            self.images.append(a["src"])
        for key in ("src", "href"):
            if a.get(key, "").startswith(("http:", "https:", "//")):
                self.external.append(a[key])
        if tag == "a" and "download" in a:
            data = base64.b64decode(a["href"].split(",", 1)[1]).decode("utf-8")
            self.downloads[a["download"]] = pd.read_csv(io.StringIO(data))
        if tag == "section":
            self.sections.append(a["id"])
        if "data-partial" in a:
            self.status = a
        if "data-role" in a and tag != "span":
            self._tagged = a["data-role"]
            self.roles[self._tagged] = ""
        if tag == "li" and "data-metric" in a:
            self._item = {**a, "text": ""}
            self.headlines.append(self._item)
        if tag == "span" and a.get("class") == "num" and self._item is not None:
            self._role = a["data-role"]
        if tag == "table":
            self.tables.append([])
        if tag == "tr":
            self.tables[-1].append([])
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "li":
            self._item = None
        if tag == "span":
            self._role = None
        if tag == "p":
            self._tagged = None
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._tagged is not None:
            self.roles[self._tagged] += data
        if self._item is not None:
            self._item["text"] += data
            if self._role is not None:
                self._item[self._role] = data


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page
