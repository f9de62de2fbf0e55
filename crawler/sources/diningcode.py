"""Diningcode: a JSON search list of places and HTML review fragments.

Search: POST {DININGCODE_API_URL}/API/isearch/ (form: query, page, size, ...) ->
result_data.poi_section.list[].v_rid. Reviews: POST {DININGCODE_BASE_URL}/2018/ajax/review.php
(form: mode=LIST, type=profile, v_rid, page, rows) -> an HTML fragment of `div.latter-graph`
blocks; an empty body after the last page. Selectors follow public 2019-2022 code; re-verify
against the live site before a large crawl.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from parsel import Selector
from scrapy import FormRequest, Request
from scrapy.http import Response

from crawler.items import ReviewItem
from crawler.sources.base import (
    Adapter,
    MalformedPage,
    Page,
    Place,
    html_with_line_breaks,
    join_text,
    parse_date,
    require,
)

SEARCH_PAGE_SIZE = 20
REVIEW_ROWS = 5
_WIDTH = re.compile(r"width\s*:\s*([0-9.]+)\s*%")
_DIGITS = re.compile(r"(\d+)")


class DiningcodeAdapter(Adapter):
    name = "diningcode"

    def base_urls(self) -> list[str]:
        return [self.settings.get("DININGCODE_BASE_URL"), self.settings.get("DININGCODE_API_URL")]

    def search_request(self, query: str, page: int) -> Request:
        url = self.settings.get("DININGCODE_API_URL").rstrip("/") + "/API/isearch/"
        form = {
            "query": query,
            "page": str(page),
            "size": str(SEARCH_PAGE_SIZE),
            "order": "r_score",
            "search_type": "poi_search",
            "mode": "poi",
            "rn_search_flag": "on",
            "dc_flag": "1",
        }
        return FormRequest(url, formdata=form)

    def parse_search(
        self, response: Response, query: str, page: int
    ) -> tuple[list[Place], int | None]:
        return parse_search_page(response.text, page)

    def review_request(self, place: Place, cursor: Any) -> Request:
        url = self.settings.get("DININGCODE_BASE_URL").rstrip("/") + "/2018/ajax/review.php"
        form = {
            "mode": "LIST",
            "type": "profile",
            "v_rid": place.place_id,
            "page": str(cursor or 1),
            "rows": str(REVIEW_ROWS),
        }
        return FormRequest(url, formdata=form)

    def parse_reviews(self, response: Response, place: Place) -> Page:
        page_number = int(response.meta.get("cursor") or 1)
        profile = self.settings.get("DININGCODE_BASE_URL").rstrip("/")
        return parse_review_fragment(
            response.text, place, page_number, f"{profile}/profile.php?rid={place.place_id}"
        )


def parse_search_page(body: str, page: int) -> tuple[list[Place], int | None]:
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as err:
        raise MalformedPage("malformed_json", str(err)) from err
    section = require(require(payload, "result_data", "isearch"), "poi_section", "isearch")
    rows = require(section, "list", "isearch poi_section")
    places = []
    for row in rows:
        if not isinstance(row, dict) or not row.get("v_rid"):
            continue
        name = " ".join(part for part in (row.get("nm"), row.get("branch")) if part) or None
        places.append(Place(str(row["v_rid"]), name))
    total = int(section.get("total_cnt") or 0)
    more = bool(rows) and page * SEARCH_PAGE_SIZE < total
    return places, (page + 1 if more else None)


def parse_review_fragment(body: str, place: Place, page_number: int, url: str) -> Page:
    """Reviews of one fragment; an empty fragment is the end of the list."""
    if not body.strip():
        return Page(reviews=[])
    page = Page(reviews=[], next_cursor=page_number + 1)
    for block in Selector(text=html_with_line_breaks(body)).css("div.latter-graph"):
        text = join_text(block.css("p.review_contents ::text").getall())
        if not block.css("p.review_contents"):
            page.rejects.append(("missing_field", f"no review text: {block.get()[:200]}"))
            continue
        page.reviews.append(
            ReviewItem(
                source="diningcode",
                place_id=place.place_id,
                place_name=place.name,
                review_id=_review_id(block, place, text),
                text=text,
                rating=_rating(block.css("i.star i::attr(style)").get()),
                written_at=parse_date(block.css("i.date::text").get()),
                url=url,
            )
        )
    if not page.reviews and not page.rejects:
        raise MalformedPage(
            "unexpected_html", f"no review blocks in a non-empty body: {body[:200]}"
        )
    return page


def _review_id(block: Selector, place: Place, text: str) -> str:
    """The site's id (`id="div_review_N"` / `data-rid`) or, lacking one, a content hash."""
    for candidate in (block.attrib.get("data-rid"), block.attrib.get("id")):
        if candidate and (match := _DIGITS.search(candidate)):
            return match.group(1)
    date = block.css("i.date::text").get() or ""
    digest = hashlib.blake2b(f"{place.place_id}\0{date}\0{text}".encode(), digest_size=8)
    return f"h{digest.hexdigest()}"


def _rating(style: str | None) -> float | None:
    """`width:80%` on the star bar is 4 of 5 stars."""
    if style and (match := _WIDTH.search(style)):
        return round(float(match.group(1)) / 20, 1)
    return None
