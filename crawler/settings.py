"""Scrapy settings of the kosent crawler. Override any of them with `-s NAME=VALUE`."""

BOT_NAME = "kosent"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# Our `crawl` (crawler/commands/crawl.py): one-line errors, exit 1 when nothing was fetched.
COMMANDS_MODULE = "crawler.commands"

# --- politeness --------------------------------------------------------------------------
USER_AGENT = (
    "kosent-crawler/0.1 (research corpus of Korean reviews; +https://github.com/kosent/kosent)"
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Keep a non-zero delay: with DOWNLOAD_DELAY = 0 and the asyncio reactor, Scrapy 2.19 was seen
# not to enforce CONCURRENT_REQUESTS_PER_DOMAIN (tests/crawler measure in-flight requests).
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 3
# 429, and 503 with Retry-After, are RetryAfterMiddleware's: it pauses the whole host instead of
# retrying at once (a 503 without the header is retried here).
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]
RETRY_AFTER_MAX_TIMES = 5
RETRY_AFTER_MAX_SECONDS = 600.0
RETRY_AFTER_BASE_SECONDS = 30.0  # first back-off when a 429 has no Retry-After header
BLOCKED_PAGE_MARKERS = [
    "captcha",
    "recaptcha",
    "자동입력 방지",
    "비정상적인 접근",
    "접근이 차단",
    "unusual traffic",
]
BLOCKED_HTTP_CODES = [403]

# Responses pass these from high numbers to low: RetryAfterMiddleware must be above Scrapy's
# RetryMiddleware (550), which would retry a 503 at once. AllowedHostsMiddleware runs first on
# every request (redirects included), before robots.txt is fetched for a host.
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.AllowedHostsMiddleware": 40,
    "crawler.middlewares.RetryAfterMiddleware": 555,
    "crawler.middlewares.BlockedPageMiddleware": 560,
}
ITEM_PIPELINES = {
    "crawler.pipelines.ScrubPipeline": 100,
    "crawler.pipelines.DedupPipeline": 200,
    "crawler.pipelines.ParquetPipeline": 300,
}
EXTENSIONS = {"crawler.extensions.CrawlSummary": 500}

# --- sources (tests point these at a local server) ---------------------------------------
KAKAO_BASE_URL = "https://place-api.map.kakao.com"
DININGCODE_BASE_URL = "https://www.diningcode.com"
DININGCODE_API_URL = "https://im.diningcode.com"
GENERIC_SITES_FILE = None
GENERIC_BASE_URLS = {}

# --- shared frontier (crawler/frontier.py): several workers on one Redis queue ------------
REVIEWS_FRONTIER = None  # e.g. redis://127.0.0.1:6379/0
REVIEWS_FRONTIER_JOB = None
REVIEWS_FRONTIER_IDLE_SECONDS = 5.0  # an idle worker waits this long for others' new pages

# --- output ------------------------------------------------------------------------------
REVIEWS_OUTPUT_DIR = "data/raw/reviews"
REVIEWS_ROW_GROUP_ITEMS = 10_000
REVIEWS_PART_ITEMS = 100_000
REVIEWS_LOG_INTERVAL = 30.0

LOG_LEVEL = "INFO"
LOGSTATS_INTERVAL = 60.0
FEED_EXPORT_ENCODING = "utf-8"
TELNETCONSOLE_ENABLED = False  # no open ports beyond the crawl itself
REMOTE_CONTROL_ENABLED = False
# With -s JOBDIR=..., keep the pending requests in SQLite: Scrapy's default file queues are
# left unreadable by a kill -9 (queuelib's size header half written) and the resume crashes.
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleLifoSQLiteQueue"
SCHEDULER_START_DISK_QUEUE = "scrapy.squeues.PickleFifoSQLiteQueue"
