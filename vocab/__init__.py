"""Vocab stage: WordPiece vocabularies (tokenizers) loadable by transformers' ELECTRA tokenizers."""
