"""Kakao Map place reviews: the JSON API behind the place panel.

GET {KAKAO_BASE_URL}/places/tab/reviews/kakaomap/{place_id}?order=LATEST&only_photo_review=false
[&previous_last_review_id=N] -> {"reviews": [...], "has_next": bool}; newest first, the cursor is
the last review id of the previous page (the shape demo/local_site.py serves to tests and the demo).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from scrapy import Request
from scrapy.http import Response

from crawler.items import ReviewItem
from crawler.sources.base import Adapter, MalformedPage, Page, Place, parse_date, require


class KakaoAdapter(Adapter):
    name = "kakao"

    def base_urls(self) -> list[str]:
        return [self.settings.get("KAKAO_BASE_URL")]

    def review_request(self, place: Place, cursor: Any) -> Request:
        base = self.settings.get("KAKAO_BASE_URL").rstrip("/")
        query = {"order": "LATEST", "only_photo_review": "false"}
        if cursor is not None:
            query["previous_last_review_id"] = str(cursor)
        url = f"{base}/places/tab/reviews/kakaomap/{place.place_id}?{urlencode(query)}"
        return Request(url, headers={"Accept": "application/json"})

    def parse_reviews(self, response: Response, place: Place) -> Page:
        return parse_kakao_page(response.text, place, response.url)


def parse_kakao_page(body: str, place: Place, url: str) -> Page:
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as err:
        raise MalformedPage("malformed_json", f"{err}") from err
    reviews_json = require(payload, "reviews", "kakao page")
    has_next = require(payload, "has_next", "kakao page")
    if not isinstance(reviews_json, list):
        raise MalformedPage("malformed_json", "'reviews' is not a list")
    page = Page(reviews=[])
    for position, raw in enumerate(reviews_json):
        review_id = raw.get("review_id") if isinstance(raw, dict) else None
        if review_id is None or not isinstance(raw.get("contents"), str):
            page.rejects.append(("missing_field", f"review #{position}: {str(raw)[:200]}"))
            continue
        rating = raw.get("star_rating")
        page.reviews.append(
            ReviewItem(
                source="kakao",
                place_id=place.place_id,
                place_name=place.name,
                review_id=str(review_id),
                text=raw["contents"],
                rating=float(rating) if isinstance(rating, int | float) else None,
                written_at=parse_date(raw.get("registered_at")),
                url=url,
            )
        )
    if has_next and reviews_json:
        last = reviews_json[-1]
        page.next_cursor = last.get("review_id") if isinstance(last, dict) else None
        if page.next_cursor is None:
            raise MalformedPage("missing_field", "last review has no review_id to page on")
    elif has_next:
        # The site says there is more but gave nothing to page from: stop, incomplete.
        raise MalformedPage("empty_page_has_next", "no reviews but has_next is true")
    return page
