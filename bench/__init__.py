"""Benchmarks behind the figures in README.md and bench/RESULTS.md (bench/README.md lists them).
Run from the repository root as `python -m bench.NAME`; their shared code is `bench.common`."""
