"""experiments.disc_learning reads variants and finds when the logged disc AUC passes a threshold."""

import pytest

from experiments import disc_learning


def test_variant_values_are_json_else_text():
    name, overrides = disc_learning.parse_variant(
        "gen-1/8:generator_hidden_size=0.125,model_size=mini,mask_prob=0.25"
    )
    assert name == "gen-1/8"
    assert overrides == {"generator_hidden_size": 0.125, "model_size": "mini", "mask_prob": 0.25}
    assert disc_learning.parse_variant("base:") == ("base", {})


@pytest.mark.parametrize("text", [":lr=1", "x:learning_rate"])
def test_a_malformed_variant_is_one_error(text):
    with pytest.raises(SystemExit, match="error: variant"):
        disc_learning.parse_variant(text)


def test_first_step_past_each_threshold_and_never():
    history = [
        {"step": s, "disc_auc": a, "mlm_accuracy": 0.1, "disc_loss": 0.4}
        for s, a in [(10, 0.52), (20, 0.61), (30, 0.58), (40, 0.66)]
    ]
    row = disc_learning.summarise(history, tokens_per_step=100, thresholds=[0.6, 0.65, 0.75])
    assert row["first_step_past"] == {"0.6": 20, "0.65": 40, "0.75": None}
    assert (row["auc_first"], row["auc_last"], row["auc_best"]) == (0.52, 0.66, 0.66)
    assert row["tokens"] == 4000
    table = disc_learning.table({"base": row}, [0.6, 0.65, 0.75], tokens_per_step=100)
    assert table.splitlines()[-1].endswith("| 20 (0.0M) | 40 (0.0M) | - |")


def test_variant_files_keep_dots_and_replace_slashes(tmp_path):
    files = [disc_learning.variant_paths(n, tmp_path) for n in ("mask-0.25", "mask-0.15")]
    assert files[0][1] == tmp_path / "mask-0.25.json" and files[0][2] == tmp_path / "mask-0.25.log"
    assert len({paths[1] for paths in files}) == 2
    assert disc_learning.variant_paths("gen-1/8", tmp_path)[0] == tmp_path / "gen-1_8"
