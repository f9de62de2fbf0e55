"""429 and 503 with Retry-After pause every request to the host, measured at a real server."""

import pytest

from demo.local_site import Faults, LocalReviewSite, build_places
from tests.crawler.conftest import read_rows, run_crawl, summaries

WAIT = 2  # seconds asked for by Retry-After


@pytest.mark.parametrize(
    ("status", "as_date"),
    [
        pytest.param(429, False, id="429-seconds"),
        pytest.param(503, True, id="503-http-date"),
        # the same path as 503-http-date with the other header form (make test-all)
        pytest.param(503, False, id="503-seconds", marks=pytest.mark.slow),
    ],
)
def test_retry_after_pauses_every_request_to_the_host(tmp_path, review_texts, status, as_date):
    places = build_places(review_texts, "k", 4, 5)  # one page each
    fault = {"too_many_requests" if status == 429 else "unavailable": {"kakao:k1:1": 1}}
    # A date is whole seconds: one second more keeps the wait asked for at WAIT or above.
    faults = Faults(**fault, retry_after=str(WAIT + as_date), retry_after_as_date=as_date)
    site = LocalReviewSite(kakao=places, faults=faults)
    base = site.start()
    try:
        out = tmp_path / "out"
        # One request at a time: the other places' pages wait in the host's download slot
        # when the error comes, so the pause must hold queued requests too.
        done = run_crawl(
            out, base, "source=kakao", "places=k1,k2,k3,k4", CONCURRENT_REQUESTS_PER_DOMAIN="1"
        )
    finally:
        site.stop()
    assert done.returncode == 0, done.stderr[-3000:]
    [error] = [hit for hit in site.hits if hit.status == status]
    after = [hit for hit in site.hits if hit.arrived > error.answered]
    assert after, "nothing was requested after the error"
    gap = min(hit.arrived for hit in after) - error.answered
    assert gap >= WAIT - 0.05, f"the next request came {gap:.2f} s after the {status}"
    assert gap < WAIT + 5  # and the crawl went on
    assert read_rows(out / "kakao").num_rows == 20  # k1 was retried and written
    summary = summaries(out / "kakao")[-1]
    assert summary["retry_after"][str(status)] == 1 and summary["places_done"] == 4
