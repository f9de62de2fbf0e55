"""Atomic output, temporary names and resume state live in kosent_common; a stage that renames,
fsyncs or names a temporary file itself has grown a second copy of them."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("crawler", "corpus", "vocab", "pretrain", "finetune", "kosent")
OWN_MECHANICS = re.compile(r"os\.replace\(|os\.rename\(|\.rename\(|os\.fsync\(|\.tmp[-\"'}]")


def test_no_stage_writes_atomically_on_its_own():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in STAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OWN_MECHANICS.search(line)
    ]
    assert not found, "use kosent_common.atomic instead:\n" + "\n".join(found)
