"""Output that took minutes is kept when a stage runs again: the command stops, or with
--restart moves it aside; output of moments is rebuilt. (A trained run through the whole
command: tests/kosent/test_main.py.)"""

from pathlib import Path

import pytest

from kosent import keep
from kosent.stages import BY_NAME, Plan


def stage_output(out: Path, stage: str, plan: Plan) -> None:
    for folder in BY_NAME[stage].outputs(plan):
        (out / folder).mkdir(parents=True)
        (out / folder / "part-0").write_text("made earlier")


def test_output_that_took_minutes_is_kept_and_moved_aside_on_restart(tmp_path):
    plan = Plan(out=tmp_path, recipe="r")
    stage_output(tmp_path, "vocab", plan)

    def rerun(record, plan=plan, why="x changed"):
        return keep.Rerun(BY_NAME["vocab"], plan, tmp_path, record, why, None)

    quick = {"state": "done", "seconds": 12.0}
    assert keep.assess(rerun(quick)) == keep.Verdict()
    slow = {"state": "done", "seconds": 1800.0}
    problem = keep.assess(rerun(slow)).problem
    assert problem == "stage vocab would discard vocab (30 min of work): x changed"
    assert "(of a run kosent did not record)" in keep.assess(rerun(None)).problem
    # a run that was stopped: from its start to its newest file
    stopped = {"state": "running", "started": (tmp_path / "vocab").stat().st_mtime - 3600}
    assert "(60 min of work)" in keep.assess(rerun(stopped, why="y")).problem

    with pytest.raises(
        keep.WouldDiscard, match=r"with --restart to move it aside \(vocab.prev-1\)"
    ):
        keep.clear_for_rerun(rerun(slow))
    assert (tmp_path / "vocab" / "part-0").is_file()
    said = []
    restart = Plan(out=tmp_path, recipe="r", restart=True)
    keep.clear_for_rerun(rerun(slow, restart), say=said.append)
    assert said == ["--restart: moved vocab aside to vocab.prev-1"]
    assert (tmp_path / "vocab.prev-1" / "part-0").read_text() == "made earlier"
    assert not (tmp_path / "vocab").exists()
    stage_output(tmp_path, "vocab", plan)
    keep.clear_for_rerun(rerun(slow, restart), say=said.append)
    assert (tmp_path / "vocab.prev-2" / "part-0").is_file()  # the first one is kept too
    stage_output(tmp_path, "vocab", plan)
    keep.clear_for_rerun(rerun(quick))
    assert not (tmp_path / "vocab").exists()  # seconds of work: deleted, rebuilt quickly
