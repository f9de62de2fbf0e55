"""`scrapy crawl reviews` end to end against a local site with injected faults."""

import json
import os
import subprocess
from collections import Counter
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from crawler.schema import REVIEWS_SCHEMA
from demo.local_site import Faults, LocalReviewSite, build_places
from kosent_common.pii import PII_PATTERNS
from tests.crawler.conftest import REPO, crawl_command, read_rows, run_crawl, summaries


@pytest.fixture
def site():
    sites = []

    def start(**kwargs):
        server = LocalReviewSite(**kwargs)
        sites.append(server)
        return server, server.start()

    yield start
    for server in sites:
        server.stop()


def test_kakao_crawl_with_faults_writes_every_served_review_once(tmp_path, site, review_texts):
    places = build_places(review_texts, "k", 6, 12)  # pages of 5: 5 + 5 + 2
    places[0].reviews[1] = (
        places[0]
        .reviews[1]
        .__class__(
            "1001", "사장님 친절 010-1234-5678 a.b@mail.com 방문", 5, places[0].reviews[1].date
        )
    )
    faults = Faults(
        too_many_requests={"kakao:k1:2": 1},
        server_errors={"kakao:k2:1": 2},
        slow={"kakao:k3:2": 1},
        slow_seconds=2.5,
        malformed_json={"kakao:k4:2"},
        empty_has_next={"kakao:k5:3"},
        duplicate_previous={"kakao:k6:2"},
    )
    server, base = site(kakao=places, faults=faults)
    out = tmp_path / "out"
    done = run_crawl(out, base, "source=kakao", "places=k1,k2,k3,k4,k5,k6", DOWNLOAD_TIMEOUT="1")
    assert done.returncode == 0, done.stderr[-3000:]

    table = read_rows(out / "kakao")
    assert table.schema.equals(REVIEWS_SCHEMA)
    ids = table.column("review_id").to_pylist()
    expected = {
        r.review_id for p in places for r in p.reviews[: {"k4": 5, "k5": 10}.get(p.place_id, 12)]
    }
    assert len(expected) == 12 * 4 + 5 + 10
    assert len(ids) == len(set(ids)) == len(expected)
    assert set(ids) == expected == server.served["kakao"]
    assert server.served_twice["kakao"] == 1  # the duplicate across pages, dropped once

    rows = {r["review_id"]: r for r in table.to_pylist()}
    assert rows["1001"]["text"] == "사장님 친절 방문"
    for name, pattern in PII_PATTERNS.items():
        assert not table.filter(pc.match_substring_regex(table["text"], pattern)).num_rows, name
    assert rows["1000"]["place_id"] == "k1" and rows["1000"]["rating"] == 1.0
    assert rows["1000"]["written_at"] == places[0].reviews[0].date
    assert {"nickname", "map_user_id", "author"}.isdisjoint(table.column_names)

    [summary] = summaries(out / "kakao")
    assert summary["items_written"] == len(expected)
    assert summary["places_done"] == 4  # k4 (bad JSON) and k5 (empty has_next) stay unfinished
    assert summary["retry_after"]["429"] == 1
    assert summary["dropped"] == {"duplicate": 1}
    assert summary["rejected_pages"] == {"malformed_json": 1, "empty_page_has_next": 1}
    assert summary["retries"] >= 4  # 429 once, 500 twice, timeout once
    lines = Path(summary["rejects_file"]).read_text(encoding="utf-8").splitlines()
    rejects = [json.loads(line) for line in lines]
    assert Counter(r["reason"] for r in rejects) == {"malformed_json": 1, "empty_page_has_next": 1}
    assert {r["place_id"] for r in rejects} == {"k4", "k5"}
    assert "429" in done.stderr and "pausing" in done.stderr
    assert not list((out / "kakao").glob(".*tmp*"))


def test_recrawl_fetches_only_new_reviews(tmp_path, site, review_texts):
    places = build_places(review_texts, "k", 2, 12)
    server, base = site(kakao=places)
    out = tmp_path / "out"
    assert run_crawl(out, base, "source=kakao", "places=k1,k2").returncode == 0
    first = set(read_rows(out / "kakao").column("review_id").to_pylist())
    assert len(first) == 24

    leftover = out / "kakao" / ".part-20260101T000000000000Z-1-00000.parquet.tmp-1"
    leftover.write_bytes(b"half a part from a killed crawl")
    newer = build_places(review_texts[100:], "k", 1, 3, first_id=5000)[0].reviews
    places[0].reviews[:0] = newer  # three new reviews on top of k1
    server.paths.clear()
    done = run_crawl(out, base, "source=kakao", "places=k1,k2")
    assert done.returncode == 0, done.stderr[-3000:]
    parts = sorted((out / "kakao").glob("part-*.parquet"))
    assert len(parts) == 2 and not leftover.exists()
    assert sorted(pq.read_table(parts[1]).column("review_id").to_pylist()) == [
        "5000",
        "5001",
        "5002",
    ]
    review_paths = [p for p in server.paths if "kakaomap" in p]
    # k1: the first page (3 new + 2 old) and the next, wholly seen; k2: its first page only.
    assert len(review_paths) == 3
    summary = summaries(out / "kakao")[-1]
    assert summary["places_up_to_date"] == 2 and summary["dropped"] == {"seen_before": 2}


def test_diningcode_search_and_truncated_html(tmp_path, site, review_texts):
    places = build_places(review_texts, "d", 3, 11)  # rows of 5: 5 + 5 + 1, then an empty body
    server, base = site(diningcode=places, faults=Faults(truncated_html={"diningcode:d2:2"}))
    out = tmp_path / "out"
    done = run_crawl(out, base, "source=diningcode", "query=식당")
    assert done.returncode == 0, done.stderr[-3000:]
    table = read_rows(out / "diningcode")
    ids = table.column("review_id").to_pylist()
    cut = places[1].reviews[9].review_id  # the last review of d2's page 2 was cut in half
    assert len(ids) == len(set(ids)) == 32
    assert (
        set(ids)
        == server.served["diningcode"]
        == {r.review_id for p in places for r in p.reviews} - {cut}
    )
    assert set(table.column("place_name").to_pylist()) == {"식당 d1", "식당 d2", "식당 d3"}
    summary = summaries(out / "diningcode")[-1]
    assert summary["rejected_records"] == {"missing_field": 1} and summary["places_done"] == 3


def test_generic_site_and_robots_disallow(tmp_path, site, review_texts, sites_file):
    places = build_places(review_texts, "g", 2, 9)  # pages of 4 with rel=next links
    server, base = site(generic=places)
    out = tmp_path / "out"
    done = run_crawl(
        out, base, "source=generic", "site=localsite", f"sites_file={sites_file}", "places=g1,g2"
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = read_rows(out / "localsite")
    assert sorted(table.column("review_id").to_pylist()) == sorted(server.served["generic"])
    assert table.num_rows == 18 and set(table.column("source").to_pylist()) == {"localsite"}

    blocked = run_crawl(
        out, base, "source=generic", "site=localprivate", f"sites_file={sites_file}", "places=g1"
    )
    assert blocked.returncode == 1, blocked.stderr[-3000:]  # nothing could be fetched
    assert "(robots_forbidden: 1)" in blocked.stderr.strip().splitlines()[-1]
    assert not list((out / "localprivate").glob("part-*.parquet"))
    assert not [p for p in server.paths if p.startswith("/private/")]
    assert summaries(out / "localprivate")[-1]["robots_forbidden"] == 1


def test_captcha_page_stops_the_crawl_and_keeps_what_was_collected(tmp_path, site, review_texts):
    places = build_places(review_texts, "k", 4, 12)
    server, base = site(kakao=places, faults=Faults(captcha={"kakao:k3:1"}))
    out = tmp_path / "out"
    done = run_crawl(
        out, base, "source=kakao", "places=k1,k2,k3,k4", CONCURRENT_REQUESTS_PER_DOMAIN="1"
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = summaries(out / "kakao")[-1]
    assert summary["finish_reason"] == "blocked" and summary["blocked_pages"] >= 1
    requests_to_k3 = [p for p in server.paths if "/k3?" in p]
    assert len(requests_to_k3) == 1  # not retried
    ids = set(read_rows(out / "kakao").column("review_id").to_pylist())
    assert ids <= server.served["kakao"] and len(ids) < 48
    assert "blocked at" in done.stderr


def test_per_domain_concurrency_is_enforced(tmp_path, site, review_texts):
    places = build_places(review_texts, "k", 8, 5)  # one page each: 8 requests
    server, base = site(kakao=places, faults=Faults(delay_seconds=0.4))
    out = tmp_path / "out"
    done = run_crawl(
        out,
        base,
        "source=kakao",
        "places=" + ",".join(p.place_id for p in places),
        CONCURRENT_REQUESTS_PER_DOMAIN="2",
        CONCURRENT_REQUESTS="16",
        DOWNLOAD_DELAY="0.01",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert read_rows(out / "kakao").num_rows == 40
    assert server.max_in_flight == 2  # the limit held, and requests did overlap


def test_an_unreadable_part_stops_the_crawl_with_a_clear_message(tmp_path):
    source_dir = tmp_path / "kakao"
    source_dir.mkdir()
    (source_dir / "part-20260101T000000000000Z-1-00000.parquet").write_bytes(b"not parquet")
    done = run_crawl(tmp_path, "http://127.0.0.1:9", "source=kakao", "places=1")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and "cannot be read" in last and "Move it out" in last


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["source=nowhere", "places=1"], "error: -a source= must be one of"),
        (["source=kakao"], "error: nothing to crawl"),
        (["source=kakao", "places=1", "max_pages=abc"], "error: -a max_pages=abc: must be a whole"),
        (
            ["source=kakao", "places=1", "max_page=3"],
            "error: unknown spider argument -a max_page=... (did you mean max_pages?)",
        ),
        (
            ["source=kakao", "places=1", "site=x"],
            "error: -a site= is an argument of source generic",
        ),
        (["source=generic", "places=1", "site=x"], "error: source=generic needs -a site=NAME"),
    ],
)
def test_bad_arguments_fail_with_one_line_and_status_2(tmp_path, args, message):
    done = run_crawl(tmp_path, "http://127.0.0.1:9", *args)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(message), done.stderr[-3000:]


def test_quiet_by_default_and_scrapys_dumps_with_verbose(tmp_path, site, review_texts):
    server, base = site(kakao=build_places(review_texts, "k", 1, 5))
    shown = {}
    for name, extra in (("quiet", []), ("verbose", ["--verbose"])):
        command = crawl_command(tmp_path / name, base, ["source=kakao", "places=k1"], {})
        done = subprocess.run(
            [*command, *extra], cwd=REPO, capture_output=True, text=True, timeout=180,
            env={k: v for k, v in os.environ.items() if k != "KOSENT_VERBOSE"},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        shown[name] = done.stdout + done.stderr
    dumps = ("Enabled downloader middlewares", "Overridden settings", "Dumping Scrapy stats")
    assert "crawl summary" in shown["quiet"] and "crawl summary" in shown["verbose"]
    assert not [d for d in dumps if d in shown["quiet"]], shown["quiet"]
    assert all(d in shown["verbose"] for d in dumps)
    assert len(shown["quiet"].splitlines()) <= 4, shown["quiet"]
