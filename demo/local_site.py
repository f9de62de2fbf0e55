"""A local review site on 127.0.0.1 that answers in the shapes of the real sources.

It serves Kakao-shaped JSON, Diningcode-shaped search JSON + HTML fragments, and a generic HTML
site (plus a robots.txt that disallows /private/), from any list of review texts. Faults can be
switched on per page (429 or 503 + Retry-After in seconds or as an HTTP date, 500, slow,
malformed JSON, truncated HTML, a captcha at status 200, an empty page that says has_next,
duplicates across pages, a redirect or a next-page link to another host). It records which
reviews it served whole, how many requests were in flight at once, and when each request
arrived and was answered, so tests can compare the crawl with what the site really gave.
`make demo` crawls it; `python -m demo.local_site` serves it by hand. It is the demo's and the
tests', not part of the installed package.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.utils
import html
import json
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

KAKAO_PAGE_SIZE = 5
ROBOTS_TXT = "User-agent: *\nDisallow: /private/\n"
CAPTCHA_PAGE = (
    "<html><body><h1>자동입력 방지</h1><div class='g-recaptcha'>captcha</div></body></html>"
)


@dataclass(frozen=True)
class SiteReview:
    review_id: str
    text: str
    rating: int
    date: dt.date


@dataclass
class SitePlace:
    place_id: str
    name: str
    reviews: list[SiteReview]  # newest first


@dataclass
class Faults:
    """Page keys are `source:place_id:page` (page numbers from 1)."""

    too_many_requests: dict[str, int] = field(default_factory=dict)  # key -> times to answer 429
    unavailable: dict[str, int] = field(default_factory=dict)  # key -> times to answer 503
    retry_after: str = "1"  # Retry-After of 429 and 503 answers, in seconds
    retry_after_as_date: bool = False  # send it as an HTTP date (now + retry_after) instead
    server_errors: dict[str, int] = field(default_factory=dict)  # key -> times to answer 500
    slow: dict[str, int] = field(default_factory=dict)  # key -> times to answer late
    slow_seconds: float = 3.0
    malformed_json: set[str] = field(default_factory=set)
    truncated_html: set[str] = field(default_factory=set)
    captcha: set[str] = field(default_factory=set)
    empty_has_next: set[str] = field(default_factory=set)
    duplicate_previous: set[str] = field(
        default_factory=set
    )  # page repeats the previous page's last review
    delay_seconds: float = 0.0  # every response waits this long (in-flight counting)
    redirects: dict[str, str] = field(default_factory=dict)  # key -> Location of a 302 answer
    next_links: dict[str, str] = field(default_factory=dict)  # generic key -> its rel=next URL


@dataclass(frozen=True)
class Hit:
    """One request as the site saw it (times are time.monotonic() of this process)."""

    path: str
    status: int
    arrived: float
    answered: float


def build_places(
    texts: list[str], prefix: str, places: int, per_place: int, first_id: int = 1000
) -> list[SitePlace]:
    """`places` places of `per_place` reviews each from `texts` (cycled), ids unique per site."""
    result = []
    start = dt.date(2024, 1, 1)
    for p in range(places):
        reviews = []
        for r in range(per_place):
            n = p * per_place + r
            reviews.append(
                SiteReview(
                    review_id=str(first_id + n),
                    text=texts[n % len(texts)],
                    rating=1 + n % 5,
                    date=start + dt.timedelta(days=(per_place - r) + 3 * p),
                )
            )
        result.append(SitePlace(f"{prefix}{p + 1}", f"식당 {prefix}{p + 1}", reviews))
    return result


class LocalReviewSite:
    def __init__(
        self,
        kakao: list[SitePlace] | None = None,
        diningcode: list[SitePlace] | None = None,
        generic: list[SitePlace] | None = None,
        faults: Faults | None = None,
        kakao_page_size: int = KAKAO_PAGE_SIZE,
    ) -> None:
        self.kakao_page_size = kakao_page_size
        self.sites = {
            "kakao": {p.place_id: p for p in kakao or []},
            "diningcode": {p.place_id: p for p in diningcode or []},
            "generic": {p.place_id: p for p in generic or []},
        }
        self.faults = faults or Faults()
        self.served: dict[str, set[str]] = defaultdict(set)
        self.served_twice: Counter = Counter()
        self.paths: list[str] = []
        self.hits: list[Hit] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._counts: Counter = Counter()
        self._server: ThreadingHTTPServer | None = None

    # lifecycle ---------------------------------------------------------------------------

    def start(self, port: int = 0) -> str:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                site._handle(self, {})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode("utf-8"))
                site._handle(self, {k: v[0] for k, v in form.items()})

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # request handling --------------------------------------------------------------------

    def _take(self, table: dict[str, int], key: str) -> bool:
        """Use up one of the faults planned for `key` (thread-safe)."""
        with self._lock:
            if self._counts[(id(table), key)] < table.get(key, 0):
                self._counts[(id(table), key)] += 1
                return True
            return False

    def _handle(self, handler: BaseHTTPRequestHandler, form: dict[str, str]) -> None:
        arrived = time.monotonic()
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.paths.append(handler.path)
        try:
            if self.faults.delay_seconds:
                time.sleep(self.faults.delay_seconds)
            status, body, content_type, headers, served = self._route(handler.path, form)
        finally:
            with self._lock:
                self.in_flight -= 1
        payload = body.encode("utf-8")
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return
        with self._lock:
            self.hits.append(Hit(handler.path, status, arrived, time.monotonic()))
            for source, review_id in served:
                if review_id in self.served[source]:
                    self.served_twice[source] += 1
                self.served[source].add(review_id)

    def _route(self, path: str, form: dict[str, str]):
        parts = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        segments = [s for s in parts.path.split("/") if s]
        if parts.path == "/robots.txt":
            return 200, ROBOTS_TXT, "text/plain", {}, []
        if segments[:4] == ["places", "tab", "reviews", "kakaomap"] and len(segments) == 5:
            return self._kakao(segments[4], query)
        if parts.path == "/API/isearch/":
            return self._diningcode_search(form)
        if parts.path == "/2018/ajax/review.php":
            return self._diningcode_reviews(form)
        if len(segments) == 3 and segments[0] in ("generic", "private") and segments[1] == "places":
            return self._generic(segments[2], int(query.get("page", 1)), segments[0])
        return 404, "not found", "text/plain", {}, []

    def _fault(self, key: str):
        """The planned fault response for a page, or None."""
        f = self.faults
        if f.retry_after_as_date:
            retry_after = email.utils.formatdate(time.time() + float(f.retry_after), usegmt=True)
        else:
            retry_after = f.retry_after
        if self._take(f.too_many_requests, key):
            return 429, "slow down", "text/plain", {"Retry-After": retry_after}, []
        if self._take(f.unavailable, key):
            return 503, "maintenance", "text/plain", {"Retry-After": retry_after}, []
        if key in f.redirects:
            return 302, "moved", "text/plain", {"Location": f.redirects[key]}, []
        if self._take(f.server_errors, key):
            return 500, "internal error", "text/plain", {}, []
        if self._take(f.slow, key):
            time.sleep(f.slow_seconds)  # past the crawler's timeout: not counted as served
            return 200, "{}", "application/json", {}, []
        if key in f.captcha:
            return 200, CAPTCHA_PAGE, "text/html; charset=utf-8", {}, []
        return None

    def _kakao(self, place_id: str, query: dict[str, str]):
        place = self.sites["kakao"].get(place_id)
        if place is None:
            return 404, json.dumps({"error": "no place"}), "application/json", {}, []
        cursor = query.get("previous_last_review_id")
        ids = [r.review_id for r in place.reviews]
        size = self.kakao_page_size
        start = 0 if cursor is None else ids.index(cursor) + 1
        page_number = start // size + 1
        key = f"kakao:{place_id}:{page_number}"
        if fault := self._fault(key):
            return fault
        if key in self.faults.malformed_json:
            return (
                200,
                '{"reviews": [{"review_id": 1, "contents": "잘린',
                "application/json",
                {},
                [],
            )
        if key in self.faults.empty_has_next:
            return 200, json.dumps({"reviews": [], "has_next": True}), "application/json", {}, []
        first = start - 1 if key in self.faults.duplicate_previous and start > 0 else start
        chunk = place.reviews[first : start + size]
        reviews = [
            {
                "review_id": int(r.review_id),
                "star_rating": r.rating,
                "contents": r.text,
                "photo_count": 0,
                "registered_at": f"{r.date.isoformat()}T12:00:00",
                "meta": {"owner": {"map_user_id": "u123", "nickname": "작성자"}},
            }
            for r in chunk
        ]
        body = {
            "reviews": reviews,
            "has_next": start + size < len(ids),
            "has_my_review": False,
        }
        return (
            200,
            json.dumps(body, ensure_ascii=False),
            "application/json",
            {},
            [("kakao", r.review_id) for r in chunk],
        )

    def _diningcode_search(self, form: dict[str, str]):
        query = form.get("query", "")
        size = int(form.get("size", 20))
        page = int(form.get("page", 1))
        key = f"diningcode:search:{page}"
        if fault := self._fault(key):
            return fault
        matches = [p for p in self.sites["diningcode"].values() if query in p.name or query == "*"]
        rows = [
            {"v_rid": p.place_id, "nm": p.name, "branch": "", "review_cnt": len(p.reviews)}
            for p in matches[(page - 1) * size : page * size]
        ]
        body = {
            "result_code": "100",
            "result_data": {"poi_section": {"total_cnt": len(matches), "list": rows}},
        }
        return 200, json.dumps(body, ensure_ascii=False), "application/json", {}, []

    def _diningcode_reviews(self, form: dict[str, str]):
        place = self.sites["diningcode"].get(form.get("v_rid", ""))
        if place is None:
            return 200, "", "text/html; charset=utf-8", {}, []
        page, rows = int(form.get("page", 1)), int(form.get("rows", 5))
        key = f"diningcode:{place.place_id}:{page}"
        if fault := self._fault(key):
            return fault
        chunk = place.reviews[(page - 1) * rows : page * rows]
        blocks = [_diningcode_block(r) for r in chunk]
        served = [("diningcode", r.review_id) for r in chunk]
        body = "\n".join(blocks)
        if key in self.faults.truncated_html and blocks:
            last = blocks[-1]
            body = "\n".join(blocks[:-1] + [last[: last.index('<p class="review_contents')]])
            served = served[:-1]
        return 200, body, "text/html; charset=utf-8", {}, served

    def _generic(self, place_id: str, page: int, area: str):
        place = self.sites["generic"].get(place_id)
        if place is None:
            return 404, "no such place", "text/plain", {}, []
        key = f"generic:{place_id}:{page}"
        if fault := self._fault(key):
            return fault
        per_page = 4
        chunk = place.reviews[(page - 1) * per_page : page * per_page]
        articles = "\n".join(_generic_article(r) for r in chunk)
        more = page * per_page < len(place.reviews)
        href = self.faults.next_links.get(key, f"/{area}/places/{place_id}?page={page + 1}")
        next_link = f'<a rel="next" href="{html.escape(href)}">다음</a>' if more else ""
        body = f"<html><body><h1>{html.escape(place.name)}</h1>{articles}{next_link}</body></html>"
        return 200, body, "text/html; charset=utf-8", {}, [("generic", r.review_id) for r in chunk]


def _generic_article(review: SiteReview) -> str:
    return (
        f'<article class="review" data-id="{review.review_id}">'
        f'<p class="text">{html.escape(review.text)}</p><span class="stars">{review.rating}</span>'
        f'<time datetime="{review.date.isoformat()}">{review.date}</time></article>'
    )


def _diningcode_block(review: SiteReview) -> str:
    date = f"{review.date.year}년 {review.date.month}월 {review.date.day}일"
    return (
        f'<div class="latter-graph" id="div_review_{review.review_id}">'
        '<p class="person-grade"><span class="star-date">'
        f'<i class="star"><i style="width:{review.rating * 20}%"></i></i>'
        f'<i class="date">{date}</i></span></p>'
        f'<p class="review_contents btxt">{html.escape(review.text)}</p>'
        f'<p class="point-detail">맛 4 가격 3 서비스 5</p><p class="symp-btn">공감 0</p></div>'
    )


GENERIC_SITES_TOML = """\
# The local site's generic pages, described for crawler.sources.generic.
[sites.localsite]
url = "{base_url}/generic/places/{place_id}?page={page}"
reviews = "css:article.review"
review_id = "xpath:@data-id"
text = "css:p.text ::text"
rating = "css:span.stars::text"
written_at = "css:time::attr(datetime)"
place_name = "css:h1::text"
next_page = "css:a[rel=next]::attr(href)"

[sites.localprivate]
url = "{base_url}/private/places/{place_id}?page={page}"
reviews = "css:article.review"
review_id = "xpath:@data-id"
text = "css:p.text ::text"
"""


def texts_from_parquet(path: Path, limit: int) -> list[str]:
    import pyarrow.parquet as pq

    files = sorted(Path(path).glob("*.parquet")) if Path(path).is_dir() else [Path(path)]
    texts: list[str] = []
    for file in files:
        texts.extend(t for t in pq.read_table(file, columns=["text"]).column(0).to_pylist() if t)
        if len(texts) >= limit:
            break
    return texts[:limit]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--texts", type=Path, required=True, help="Parquet file/folder with a text column"
    )
    parser.add_argument("--places", type=int, default=10, help="places per source")
    parser.add_argument("--per-place", type=int, default=12, help="reviews per place")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    texts = texts_from_parquet(args.texts, 3 * args.places * args.per_place)
    n = args.places * args.per_place
    site = LocalReviewSite(
        kakao=build_places(texts[:n], "k", args.places, args.per_place),
        diningcode=build_places(texts[n : 2 * n], "d", args.places, args.per_place),
        generic=build_places(texts[2 * n :], "g", args.places, args.per_place),
    )
    print(f"serving on {site.start(args.port)} (Ctrl-C stops)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        site.stop()


if __name__ == "__main__":
    main()
