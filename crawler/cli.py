"""`kosent-crawl -a source=kakao -a places=ID [-s NAME=VALUE ...]`: `scrapy crawl reviews` from
any folder. Scrapy finds a project through a scrapy.cfg in the working folder (a clone has
one) or the environment variable SCRAPY_SETTINGS_MODULE; an installed package has no
scrapy.cfg, so this entry point sets the variable to crawler.settings (unless it is set).
`python -m crawler ...` is the same command."""

from __future__ import annotations

import os
import sys

from kosent_common.extras import exits_on_missing_extra, require


@exits_on_missing_extra
def main(argv: list[str] | None = None) -> int:
    """Scrapy's command exits the process itself; a missing crawl extra returns 2."""
    require("crawl", "the review crawler")
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.cmdline import execute

    execute(["scrapy", "crawl", "reviews", *(sys.argv[1:] if argv is None else argv)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
