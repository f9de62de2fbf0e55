"""What the spider yields: the reviews of one page (ReviewPage), each a ReviewItem."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass
class ReviewItem:
    """One review in the Reviews contract (crawler/schema.py), before PII scrubbing.

    No author nickname or user id is ever carried: the contract has no column for them.
    """

    source: str
    place_id: str
    review_id: str
    text: str
    url: str
    place_name: str | None = None
    rating: float | None = None
    written_at: dt.date | None = None


@dataclass
class ReviewPage:
    """What the spider yields: the reviews of one page of one place, in site order.

    Scrapy processes items concurrently and in no promised order, so a page carries what the
    pipeline needs to decide on its own when a place is finished: its number (pages count
    from 1 in every crawl of a place) and whether it is the last page reachable today.
    """

    source: str
    place_id: str
    page_number: int
    reviews: list[ReviewItem]
    last: bool = False
