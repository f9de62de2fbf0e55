"""Scrapy project that collects restaurant reviews into Parquet (the Reviews contract)."""
