"""Finished research experiments (experiments/README.md says what each found and where
bench/RESULTS.md records it). Run from the repository root as `python -m experiments.NAME`."""
