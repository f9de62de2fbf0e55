"""Scrapy commands of the kosent project (the setting COMMANDS_MODULE)."""
