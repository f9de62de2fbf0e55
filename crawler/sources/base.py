"""What every source adapter provides: requests for review pages, and their parsing."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from scrapy import Request
from scrapy.http import Response
from scrapy.settings import BaseSettings

from crawler.hosts import Origin, allowed_origins
from crawler.items import ReviewItem


@dataclass(frozen=True)
class Place:
    place_id: str
    name: str | None = None


@dataclass
class Page:
    """The parsed reviews of one page; `next_cursor` is None on the last page."""

    reviews: list[ReviewItem]
    next_cursor: Any = None
    rejects: list[tuple[str, str]] = field(default_factory=list)  # (reason, detail) per record


class MalformedPage(ValueError):
    """The page cannot be parsed as this source's shape (bad JSON, missing keys)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class Adapter:
    """Base class: build review-page requests and parse their responses.

    Adapters never pick callbacks; the spider does. A cursor is whatever the site pages by
    (a last review id, a page number, a next-page URL); None asks for the first page.
    """

    name = ""
    newest_first = True
    options: tuple[str, ...] = ()  # the source's own spider arguments (-a NAME=VALUE)

    def __init__(self, settings: BaseSettings, **options: str) -> None:
        self.settings = settings

    def base_urls(self) -> list[str]:
        """The URLs (or URL templates) this source is configured with."""
        return []

    def allowed_origins(self) -> frozenset[Origin]:
        """The only hosts and ports a crawl of this source may send requests to."""
        return allowed_origins(self.base_urls())

    def review_request(self, place: Place, cursor: Any) -> Request:
        raise NotImplementedError

    def parse_reviews(self, response: Response, place: Place) -> Page:
        raise NotImplementedError

    def search_request(self, query: str, page: int) -> Request:
        raise NotImplementedError(f"source {self.name!r} has no search endpoint; pass places")

    def parse_search(
        self, response: Response, query: str, page: int
    ) -> tuple[list[Place], int | None]:
        raise NotImplementedError


def require(mapping: Any, key: str, where: str) -> Any:
    """`mapping[key]`, or MalformedPage naming what is missing."""
    if not isinstance(mapping, dict) or key not in mapping:
        raise MalformedPage("missing_field", f"{where}: no {key!r}")
    return mapping[key]


_YMD = re.compile(r"(\d{4})\s*[.\-/년]\s*(\d{1,2})\s*[.\-/월]\s*(\d{1,2})")
_MD = re.compile(r"(\d{1,2})\s*월\s*(\d{1,2})\s*일")


def parse_date(text: str | None, today: dt.date | None = None) -> dt.date | None:
    """A review date from `2024-05-01T12:00:00`, `2024.05.01.`, `2024년 5월 1일` or `5월 1일`.

    A date without a year is the latest such day not after `today` (sites print the year
    only for older reviews). Anything else is None: the contract allows a missing date.
    """
    if not text:
        return None
    try:
        if match := _YMD.search(text):
            return dt.date(*(int(part) for part in match.groups()))
        if match := _MD.search(text):
            today = today or dt.date.today()
            month, day = (int(part) for part in match.groups())
            guess = dt.date(today.year, month, day)
            return guess if guess <= today else dt.date(today.year - 1, month, day)
    except ValueError:
        return None
    return None


_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_BLANKS = re.compile(r"[ \t\r\f\v]+")


def html_with_line_breaks(body: str) -> str:
    """`<br>` as a newline, so joined text nodes keep the author's line breaks."""
    return _BR.sub("\n", body)


def join_text(nodes: list[str]) -> str:
    """Text nodes of one element as the reader sees them: joined, blanks collapsed, stripped."""
    lines = (_BLANKS.sub(" ", line).strip() for line in "".join(nodes).split("\n"))
    return "\n".join(line for line in lines if line)
