"""Quiet by default: the engines' start-up lines written to file descriptor 2 (where C++ logs
go) are dropped, other lines kept; --verbose or KOSENT_VERBOSE=1 keeps everything."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LINES = (
    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
    b"I0000 00:00:1796663491.036156   23248 cudart_stub.cc:31] Could not find cuda drivers\n"
    b"W0000 00:00:1796663491.036156   23248 onednn.cc:1] oneDNN supports DT_INT64 only on AVX-512\n"
    b"E0000 00:00:1796663497.869986   23248 cuda_platform.cc:52] failed call to cuInit: UNKNOWN\n"
    b"E0000 00:00:1796663497.869986   23248 op.cc:1] a real error\n"
    b"a Python warning\n"
)
SCRIPT = f"""
import os, sys
from kosent_common.verbosity import start_up_lines_filtered
with start_up_lines_filtered("--verbose" in sys.argv):
    os.write(2, {LINES!r})
print("after", file=sys.stderr)
"""


def run(*args: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "KOSENT_VERBOSE"} | env
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args], cwd=REPO, env=environment, capture_output=True,
        check=True,
    )  # fmt: skip
    return done.stderr.decode()


def test_start_up_lines_are_dropped_and_the_rest_kept_in_order():
    kept = [line for line in LINES.decode().splitlines(keepends=True) if "real error" in line]
    if os.path.exists("/proc/driver/nvidia"):  # a GPU machine: a cuInit failure is news there
        kept.insert(0, LINES.decode().splitlines(keepends=True)[3])
    assert run() == "".join(kept) + "a Python warning\nafter\n"


def test_verbose_keeps_every_line():
    assert run("--verbose") == LINES.decode() + "after\n"
    assert run(KOSENT_VERBOSE="1") == LINES.decode() + "after\n"
