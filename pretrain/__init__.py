"""Pretraining stage: ELECTRA TFRecords, training, and export to Hugging Face format."""
