"""NSMC fine-tuning and benchmark with an honest protocol (select on dev, report test once)."""
