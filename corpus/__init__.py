"""Corpus stage: read sources, clean, deduplicate, split sentences, write pretraining shards."""

__version__ = "0.1.0"
