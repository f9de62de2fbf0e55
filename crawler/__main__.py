"""`python -m crawler ARGS` = `scrapy crawl reviews ARGS`, from any folder (crawler.cli)."""

import sys

from crawler.cli import main

sys.exit(main())
