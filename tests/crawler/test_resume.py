"""kill -9 mid-crawl, then resume with the same JOBDIR: nothing lost, nothing twice."""

import signal
import subprocess
import time

from demo.local_site import Faults, LocalReviewSite, build_places
from tests.crawler.conftest import REPO, crawl_command, read_rows, run_crawl

SETTINGS = {
    "REVIEWS_ROW_GROUP_ITEMS": "10",
    "REVIEWS_PART_ITEMS": "40",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
}


def test_kill_and_resume_equals_an_uninterrupted_crawl(tmp_path, review_texts):
    places = build_places(review_texts, "k", 30, 20)  # 4 pages each
    ids = ",".join(p.place_id for p in places)
    site = LocalReviewSite(kakao=places, faults=Faults(delay_seconds=0.05))
    base = site.start()
    try:
        whole = tmp_path / "whole"
        assert run_crawl(whole, base, "source=kakao", f"places={ids}", **SETTINGS).returncode == 0
        expected = read_rows(whole / "kakao").column("review_id").to_pylist()
        assert len(expected) == len(set(expected)) == 600

        out, jobdir = tmp_path / "resumed", tmp_path / "job"
        settings = {**SETTINGS, "JOBDIR": str(jobdir)}
        process = subprocess.Popen(
            crawl_command(out, base, ["source=kakao", f"places={ids}"], settings),
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while len(list((out / "kakao").glob("part-*.parquet"))) < 2:
            assert process.poll() is None, "the crawl ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        before = read_rows(out / "kakao").num_rows
        assert 0 < before < 600

        resumed = run_crawl(out, base, "source=kakao", f"places={ids}", **settings)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert "Traceback" not in resumed.stderr, resumed.stderr[-3000:]
        got = read_rows(out / "kakao").column("review_id").to_pylist()
        assert len(got) == len(set(got)), "a review was written twice"
        assert sorted(got) == sorted(expected)
    finally:
        site.stop()
