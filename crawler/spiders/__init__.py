"""Scrapy spiders of the kosent crawler."""
