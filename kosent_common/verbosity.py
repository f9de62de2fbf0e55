"""Quiet by default, everything with --verbose: the engines' start-up chatter (TensorFlow's,
absl's and XLA's C++ log lines, CUDA probing on a machine without a GPU, JAX's "no GPU" note)
is left out unless the user asks for it. Python warnings and the stages' own lines stay.

`--verbose` on `python -m kosent` or `python -m demo.run` reaches every stage through the
environment variable KOSENT_VERBOSE=1; a variable the user set (TF_CPP_MIN_LOG_LEVEL) wins."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

ENV = "KOSENT_VERBOSE"
# TensorFlow's C++ log level: 3 keeps FATAL only (its start-up INFO, oneDNN WARNING and the
# `failed call to cuInit` ERROR of a CPU-only machine); a real failure still raises in Python.
QUIET_TF_LEVEL = "3"
# Python loggers whose INFO/WARNING lines are start-up notes, not news for the user
QUIET_LOGGERS = ("jax._src.xla_bridge", "absl")
# What `import tensorflow` prints before its log level applies (absl logs to stderr until it
# is initialised): the notice saying so, and INFO/WARNING lines such as cudart_stub's "Could
# not find cuda drivers". ERROR and FATAL lines are kept.
START_UP_NOISE = re.compile(rb"^(WARNING: All log messages before absl::InitializeLog|[IW]\d{4} )")
# CUDA probing's ERROR on a machine with no NVIDIA driver at all (on one with a GPU it is news)
NO_GPU_NOISE = re.compile(rb"^E\d{4} .*failed call to cuInit")


def add_verbose_argument(
    parser: argparse.ArgumentParser, shows: str = "the engines' start-up and component logs too"
) -> None:
    parser.add_argument("--verbose", action="store_true", help=f"show {shows} (or set {ENV}=1)")


def verbose(flag: bool = False) -> bool:
    """True when --verbose was given here or by a parent command (KOSENT_VERBOSE=1)."""
    return flag or os.environ.get(ENV, "") not in ("", "0")


def engine_environment(environ: dict[str, str], is_verbose: bool) -> dict[str, str]:
    """`environ` with the engines' log settings for a child process (or this one, before it
    imports TensorFlow or JAX)."""
    env = dict(environ)
    if is_verbose:
        env[ENV] = "1"
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "0")
    else:
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", QUIET_TF_LEVEL)
    return env


def quiet_engines(flag: bool = False) -> None:
    """In this process, before TensorFlow or JAX is imported: their start-up lines off unless
    verbose."""
    is_verbose = verbose(flag)
    os.environ.update(engine_environment(dict(os.environ), is_verbose))
    if not is_verbose:
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.ERROR)


@contextmanager
def start_up_lines_filtered(flag: bool = False) -> Iterator[None]:
    """Around an engine's import and device discovery: hold back what it writes to stderr (file
    descriptor 2, where C++ logs go) and show only the lines that are not start-up noise;
    everything if verbose."""
    if verbose(flag):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            no_gpu = not os.path.exists("/proc/driver/nvidia")
            kept = [
                line
                for line in held
                if not START_UP_NOISE.match(line) and not (no_gpu and NO_GPU_NOISE.match(line))
            ]
            if kept:
                sys.stderr.buffer.write(b"".join(kept))
                sys.stderr.flush()
