"""`python -m crawler ARGS` = `scrapy crawl reviews ARGS`, from any folder (crawler.cli)."""

from crawler.cli import main

main()
