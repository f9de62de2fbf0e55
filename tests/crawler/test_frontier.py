"""Several `scrapy crawl reviews` workers on one Redis frontier: no duplicates, nothing lost."""

import subprocess
import uuid

import pyarrow.parquet as pq
import redis

from demo.local_site import Faults, LocalReviewSite, build_places
from tests.crawler.conftest import REPO, crawl_command, read_rows, run_crawl


def test_three_workers_share_one_frontier(tmp_path, review_texts, redis_url):
    places = build_places(review_texts, "k", 12, 20)  # 4 pages each
    faults = Faults(delay_seconds=0.25, duplicate_previous={"kakao:k2:2", "kakao:k7:3"})
    site = LocalReviewSite(kakao=places, faults=faults)
    base = site.start()
    job = f"test-{uuid.uuid4().hex[:8]}"
    settings = {
        "REVIEWS_FRONTIER": redis_url,
        "REVIEWS_FRONTIER_JOB": job,
        "REVIEWS_FRONTIER_IDLE_SECONDS": "2",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
    }
    ids = ",".join(p.place_id for p in places)
    out = tmp_path / "out"
    try:
        workers = [
            subprocess.Popen(
                crawl_command(out, base, ["source=kakao", f"places={ids}"], settings),
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(3)
        ]
        logs = [worker.communicate(timeout=180)[0] for worker in workers]
        assert [worker.returncode for worker in workers] == [0, 0, 0], logs[0][-3000:]
    finally:
        site.stop()

    table = read_rows(out / "kakao")
    got = table.column("review_id").to_pylist()
    assert len(got) == len(set(got)) == 240, "a review was lost or written twice"
    assert set(got) == site.served["kakao"] == {r.review_id for p in places for r in p.reviews}
    review_pages = [p for p in site.paths if "kakaomap" in p]
    assert len(review_pages) == len(set(review_pages)) == 48  # each page fetched by one worker
    writers = [
        f for f in (out / "kakao").glob("part-*.parquet") if pq.ParquetFile(f).metadata.num_rows
    ]
    assert len({f.name.split("-")[2] for f in writers}) >= 2, "the work was not shared"
    assert redis.Redis.from_url(redis_url).scard(f"{job}:seen:kakao") == 240


def test_frontier_needs_a_job_name(tmp_path, redis_url):
    done = run_crawl(
        tmp_path, "http://127.0.0.1:9", "source=kakao", "places=1", REVIEWS_FRONTIER=redis_url
    )
    assert done.returncode != 0 and "REVIEWS_FRONTIER_JOB" in done.stderr
