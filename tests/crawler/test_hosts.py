"""The crawler only talks to the source's hosts; a crawl that fetched nothing fails."""

import json
from pathlib import Path

import pytest

from crawler.hosts import Origin, allowed_origins, origin_of
from demo.local_site import GENERIC_SITES_TOML, Faults, LocalReviewSite, build_places
from tests.crawler.conftest import read_rows, run_crawl, summaries


def test_origins_compare_host_and_port():
    assert origin_of("http://127.0.0.1:8080/a?b=1") == Origin("127.0.0.1", 8080)
    assert origin_of("https://Place-API.map.kakao.com/x") == Origin("place-api.map.kakao.com", 443)
    assert origin_of("/relative/path") is None and origin_of("ftp://host/x") is None
    allowed = allowed_origins(
        ["https://www.diningcode.com", "{base_url}/x"], ["img.site.kr", "127.0.0.1:9000"]
    )
    assert allowed == {
        Origin("www.diningcode.com", 443),
        Origin("img.site.kr", 80),
        Origin("img.site.kr", 443),
        Origin("127.0.0.1", 9000),
    }
    assert origin_of("http://127.0.0.1:9001/") not in allowed
    assert origin_of("https://www.diningcode.com.evil.kr/") not in allowed
    with pytest.raises(ValueError, match="HOST or HOST:PORT"):
        allowed_origins([], ["host/path"])


@pytest.fixture
def three_sites(review_texts):
    """The source's site, an extra host its TOML allows, and a host nobody allowed."""
    places = build_places(review_texts, "g", 3, 9)  # pages of 4: 4 + 4 + 1
    sites = [LocalReviewSite(generic=places) for _ in range(3)]
    bases = [site.start() for site in sites]
    yield places, sites, bases
    for site in sites:
        site.stop()


def sites_toml(tmp_path: Path, allowed: str) -> Path:
    path = tmp_path / "sites.toml"
    text = GENERIC_SITES_TOML.replace(
        'next_page = "css:a[rel=next]::attr(href)"\n',
        f'next_page = "css:a[rel=next]::attr(href)"\nallowed_hosts = ["{allowed}"]\n',
        1,
    )
    path.write_text(text, encoding="utf-8")
    return path


def test_links_and_redirects_to_other_hosts_are_dropped(tmp_path, three_sites):
    places, (home, extra, hostile), (home_url, extra_url, hostile_url) = three_sites
    home.faults = Faults(
        # g1's next link leads to a host the site's TOML allows: followed (the control).
        next_links={"generic:g1:1": f"{extra_url}/generic/places/g1?page=2"},
        # g2's second page links to another port, g3's first page redirects there.
        redirects={"generic:g3:1": f"{hostile_url}/generic/places/g3?page=1"},
    )
    home.faults.next_links["generic:g2:2"] = f"{hostile_url}/generic/places/g2?page=3"
    sites_file = sites_toml(tmp_path, extra_url.removeprefix("http://"))
    out = tmp_path / "out"
    done = run_crawl(
        out,
        home_url,
        "source=generic",
        "site=localsite",
        f"sites_file={sites_file}",
        "places=g1,g2,g3",
        GENERIC_BASE_URLS=json.dumps({"localsite": home_url}),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert hostile.hits == [], "a request reached a host the source does not allow"
    assert extra.hits, "the allowed extra host was not crawled"
    written = set(read_rows(out / "localsite").column("review_id").to_pylist())
    reviews = {p.place_id: [r.review_id for r in p.reviews] for p in places}
    assert written == set(reviews["g1"]) | set(reviews["g2"][:8])

    summary = summaries(out / "localsite")[-1]
    assert summary["offsite_dropped"] == 2
    assert summary["rejected_pages"] == {"offsite": 2}
    assert summary["places_done"] == 1 and summary["failed"] is None
    lines = Path(summary["rejects_file"]).read_text(encoding="utf-8").splitlines()
    rejects = [json.loads(line) for line in lines]
    assert {r["reason"] for r in rejects} == {"offsite"}
    assert {r["url"] for r in rejects} == {
        f"{hostile_url}/generic/places/g2?page=3",
        f"{hostile_url}/generic/places/g3?page=1",
    }


def test_a_crawl_that_fetched_nothing_fails_and_says_why(tmp_path, three_sites):
    _, (home, _, hostile), (home_url, _, hostile_url) = three_sites
    home.faults = Faults(redirects={"generic:g1:1": f"{hostile_url}/generic/places/g1?page=1"})
    sites_file = sites_toml(tmp_path, "example.org")
    out = tmp_path / "out"
    done = run_crawl(
        out,
        home_url,
        "source=generic",
        "site=localsite",
        f"sites_file={sites_file}",
        "places=g1",
        GENERIC_BASE_URLS=json.dumps({"localsite": home_url}),
    )
    assert done.returncode == 1, done.stderr[-3000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: the crawl wrote no reviews and rejected 1 pages (offsite: 1)")
    assert hostile.hits == []
    assert summaries(out / "localsite")[-1]["failed"].startswith("the crawl wrote no reviews")

    # A host that does not resolve: every page fails to download.
    done = run_crawl(out, "http://nowhere.invalid", "source=kakao", "places=k1,k2", RETRY_TIMES="0")
    assert done.returncode == 1, done.stderr[-3000:]
    last = done.stderr.strip().splitlines()[-1]
    assert "wrote no reviews and rejected 2 pages (download_failed: 2)" in last
