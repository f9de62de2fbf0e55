"""experiments.quality keeps a finished all-label run only for the same config and model file."""

import os
from pathlib import Path

from experiments import quality


def test_finished_run_is_kept_only_for_the_same_config_and_model(tmp_path):
    config, model, out = tmp_path / "full-0.json", tmp_path / "model", tmp_path / "out"
    model.mkdir()
    out.mkdir()
    config.write_text('{"learning_rate": 5e-4}')
    (model / "model.safetensors").write_bytes(b"weights")
    identity = quality.run_identity(config, model)
    assert not quality.finished_run(out, identity)  # nothing there yet
    quality.mark_finished(out, identity)
    assert not quality.finished_run(out, identity)  # killed before results.json
    (out / "results.json").write_text("{}")
    assert quality.finished_run(out, identity)
    config.write_text('{"learning_rate": 1e-4}')
    assert not quality.finished_run(out, quality.run_identity(config, model))
    config.write_text('{"learning_rate": 5e-4}')
    os.utime(model / "model.safetensors", ns=(1, 1))  # the arm was retrained
    assert not quality.finished_run(out, quality.run_identity(config, model))


def test_tuned_arms_shares_out_the_runs_and_refuses_an_unknown_arm():
    models = {name: Path(name) for name in ("random", "general", "general (generator)")}
    assert quality.tuned_arms(models, None, "--full-arms") == ["random", "general"]
    assert quality.tuned_arms(models, ["general"], "--full-arms") == ["general"]
    try:
        quality.tuned_arms(models, ["indomain"], "--finetune-arms")
    except SystemExit as error:
        assert "--finetune-arms indomain" in str(error)
    else:
        raise AssertionError("an arm this run does not have was accepted")


def test_each_fine_tuning_grid_keeps_its_results_apart():
    first = quality.finetune_folder(list(quality.FINETUNE_LRS), list(quality.FINETUNE_EPOCHS))
    assert first == "finetune"  # where the results made before the option are
    wider = quality.finetune_folder([1e-4, 3e-4, 1e-3], [20, 8])
    assert wider == "finetune-lr0.0001,0.0003,0.001-ep20,8"
    assert quality.finetune_folder([1e-4, 3e-4, 1e-3], [20, 4]) != wider


def test_steps_in_budget_cancels_the_start_up_of_the_calibration_runs():
    # 20 steps: 15.5 s start-up + 23 s; 60 steps: + 46 s more -> 1.15 CPU s per step
    steps, per_step = quality.steps_in_budget({20: 38.5, 60: 84.5}, 45)
    assert abs(per_step - 1.15) < 1e-9
    assert steps == int((45 * 60 - 15.5) / 1.15) == 2334
    assert quality.steps_in_budget({20: 38.5, 60: 84.5}, 0.1)[0] == 50  # never below 50


def test_the_report_says_how_the_steps_were_set():
    calibrated = {"budget_cpu_minutes": 45, "steps": 2334, "cpu_seconds_per_step": 1.15}
    assert quality.budget_line(calibrated) == (
        "Budget 45 CPU-minutes per arm: 2334 steps (1.15 CPU s/step)"
    )
    given = {**calibrated, "cpu_seconds_per_step": None}
    assert "--steps" in quality.budget_line(given)


def test_the_all_label_rows_show_mcnemar_for_every_seed():
    diff = {"n": 2, "mean": -0.001, "ci95": [-0.01, 0.008], "wilcoxon_p": 0.5}
    seeds = [{"p": 0.03, "only_a": 900, "only_b": 1000}, {"p": 0.4, "only_a": 950, "only_b": 970}]
    text = quality._fmt_diff({"vs_random": diff, "mcnemar_vs_random": seeds})
    assert text.endswith("McNemar p per seed 0.03 (900 vs 1000); 0.4 (950 vs 970)")
    one = quality._fmt_diff({"vs_random": {**diff, "n": 1}, "mcnemar_vs_random": seeds[0]})
    assert one == "-0.0010, McNemar p 0.03 (900 vs 1000)"


def test_a_report_without_probe_or_low_label_runs_draws_only_the_curves(tmp_path):
    curve = [{"step": 1, "mlm_accuracy": 0.0, "disc_auc": 0.5, "disc_loss": 0.6}]
    (tmp_path / "labels.png").write_bytes(b"an earlier run's")
    report = {"pretraining": {"general": {"curve": curve}}, "probe": {}, "finetune": {}}
    quality.plot(report, tmp_path)
    assert (tmp_path / "curves.png").stat().st_size > 0
    assert not (tmp_path / "labels.png").exists()
