"""Crawler throughput: items/s and CPU per 1,000 items, with and without the pipelines.

    python -m bench.crawl [--items 10000] [--scale 10] [--texts tests/fixtures/reviews]

Against demo.local_site (Kakao shape, 50 reviews per page, no download delay), in one run:
(a) no item pipelines; (b) scrub + dedup only; (c) the full pipeline (scrub, dedup, Parquet).
The crawler's CPU is its process's user+system time (the site runs in this process).
Then (c) again with --scale times more items, for peak RSS (the child's ru_maxrss).
--page-size sets reviews per page (Kakao's own page size is not documented; 5 is what the
local site uses by default, 50 puts the most weight on per-item work).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from demo.local_site import LocalReviewSite, build_places, texts_from_parquet

ROOT = Path(__file__).resolve().parents[1]

NO_PIPELINES = "{}"
SCRUB_DEDUP = json.dumps(
    {"crawler.pipelines.ScrubPipeline": 100, "crawler.pipelines.DedupPipeline": 200}
)
PER_PLACE = 500


def crawl(base: str, places: int, pipelines: str | None, out: Path) -> dict:
    settings = {
        "REVIEWS_OUTPUT_DIR": str(out),
        "KAKAO_BASE_URL": base,
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "0",
        "CONCURRENT_REQUESTS": "16",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
        "LOG_LEVEL": "WARNING",
        "REVIEWS_LOG_INTERVAL": "0",
    }
    if pipelines is not None:
        settings["ITEM_PIPELINES"] = pipelines
    command = [sys.executable, "-m", "scrapy", "crawl", "reviews"]
    for key, value in settings.items():
        command += ["-s", f"{key}={value}"]
    command += [
        "-a",
        "source=kakao",
        "-a",
        "places=" + ",".join(f"k{i + 1}" for i in range(places)),
    ]
    log = out.parent / f"{out.name}.log"
    start = time.perf_counter()
    with open(log, "w") as handle:
        process = subprocess.Popen(command, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)  # this child's own CPU time and peak RSS
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(log.read_text()[-3000:])
    [summary] = [json.loads(p.read_text()) for p in (out / "kakao" / "crawls").glob("*.json")]
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "written": summary["items_written"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--texts", type=Path, default=ROOT / "tests/fixtures/reviews")
    args = parser.parse_args()
    os.environ["PYTHONHASHSEED"] = "0"
    texts = texts_from_parquet(args.texts, 2000)
    places = args.items // PER_PLACE
    big = places * args.scale
    site = LocalReviewSite(
        kakao=build_places(texts, "k", big, PER_PLACE), kakao_page_size=args.page_size
    )
    base = site.start()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # The empty-crawl cost (interpreter, Scrapy and TensorFlow-free imports) is measured
        # once with one place and subtracted, so per-item figures are the crawl's own.
        startup = crawl(base, 1, NO_PIPELINES, Path(tmp) / "warm")
        for label, pipelines in (
            ("no pipelines", NO_PIPELINES),
            ("scrub + dedup", SCRUB_DEDUP),
            ("full (scrub, dedup, Parquet)", None),
        ):
            result = crawl(base, places, pipelines, Path(tmp) / label.split()[0])
            rows.append((label, args.items, result))
        result = crawl(base, big, None, Path(tmp) / "big")
        rows.append((f"full, {args.scale}x items", big * PER_PLACE, result))
    site.stop()
    print(f"page size {args.page_size}")
    print(
        f"start-up (1 place, {PER_PLACE} items): {startup['wall']:.2f} s wall, {startup['cpu']:.2f} s CPU"
    )
    print(
        "| run | items | wall s | items/s | CPU s per 1,000 items (start-up excluded) | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|")
    per_k = {}
    for label, items, r in rows:
        assert r["written"] in (0, items), (label, r["written"], items)
        cpu_per_k = (r["cpu"] - startup["cpu"]) / (items - PER_PLACE) * 1000
        per_k[label] = cpu_per_k
        print(
            f"| {label} | {items:,} | {r['wall']:.2f} | {items / r['wall']:,.0f} | {cpu_per_k:.3f} | {r['peak_rss_mb']:.0f} |"
        )
    full, none = per_k["full (scrub, dedup, Parquet)"], per_k["no pipelines"]
    print(
        f"pipelines' share of crawl CPU: {(full - none) / full:.1%}; Parquet alone: {(full - per_k['scrub + dedup']) / full:.1%}"
    )


if __name__ == "__main__":
    main()
