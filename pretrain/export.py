"""CLI: `python -m pretrain.export runs/NAME` writes Hugging Face folders
`runs/NAME/hf/discriminator` (ElectraForPreTraining) and `runs/NAME/hf/generator`
(ElectraForMaskedLM): config.json, model.safetensors, vocab.txt, tokenizer_config.json, and
kosent_manifest.json (run, step, and the sha256 of the vocab the records were built with,
checked against the vocab.txt copied).

Needs only numpy and safetensors (runs on a TPU VM, and on a run of any Keras backend): it
reads the weights the trainer saved in runs/NAME/weights/. RUN and --out may be URLs (gs://...,
through tf.io.gfile, so TensorFlow is needed for those). Our attention kernels are
(hidden, heads, head_dim) and Dense kernels are (in, out); PyTorch Linear weights are (out, in).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from kosent_common import storage
from kosent_common.atomic import json_bytes, write_bytes_atomic
from kosent_common.electra import electra_config_dict
from kosent_common.extras import exits_on_missing_extra, require
from kosent_common.manifest import Manifest
from vocab.schema import SPECIAL_TOKENS_MAP, TOKENIZER_CONFIG


class ExportError(ValueError):
    """A run that cannot be exported as it is; the message says what to do."""


@dataclass(kw_only=True)
class ExportManifest(Manifest):
    """kosent_manifest.json beside config.json: which run, step and vocab (its sha256, the one
    the records were built with) the exported model comes from."""

    FILE: ClassVar[str] = "kosent_manifest.json"
    WRITTEN_BY: ClassVar[str] = "python -m pretrain.export RUN"

    architecture: str
    run: str
    step: int
    model_size: str
    vocab_size: int
    vocab_sha256: str
    max_seq_length: int | None = None  # the pretraining records'
    do_lower_case: bool = False

    def check_vocab(self, folder: str) -> None:
        """The folder's vocab.txt must be the one the model was trained with."""
        sha256 = storage.sha256(f"{folder}/vocab.txt")
        if sha256 != self.vocab_sha256:
            raise ExportError(
                f"{folder}/vocab.txt (sha256 {sha256[:12]}...) is not the vocab the model was "
                f"trained with (sha256 {self.vocab_sha256[:12]}... in {self.FILE}): export again"
            )


def _attention_output(w: dict, name: str) -> tuple[np.ndarray, np.ndarray]:
    kernel = w[f"{name}/kernel"]  # (heads, head_dim, hidden)
    return kernel.reshape(-1, kernel.shape[-1]).T, w[f"{name}/bias"]


def _dense(w: dict, name: str) -> tuple[np.ndarray, np.ndarray]:
    kernel = w[f"{name}/kernel"]  # (in, out) or (hidden, heads, head_dim)
    return kernel.reshape(kernel.shape[0], -1).T, w[f"{name}/bias"].reshape(-1)


def _norm(w: dict, name: str) -> tuple[np.ndarray, np.ndarray]:
    return w[f"{name}/gamma"], w[f"{name}/beta"]


def _put(out: dict, prefix: str, pair: tuple[np.ndarray, np.ndarray]) -> None:
    out[f"{prefix}.weight"], out[f"{prefix}.bias"] = pair


def encoder_tensors(w: dict, layer_prefix: str, count: int, projection: str | None) -> dict:
    """ElectraModel (`electra.*`) tensors from one of our stacks of transformer layers."""
    out = {
        "electra.embeddings.word_embeddings.weight": w["token_embedding/embeddings"],
        "electra.embeddings.position_embeddings.weight": w["position_embedding/embeddings"],
        "electra.embeddings.token_type_embeddings.weight": w["segment_embedding/embeddings"],
    }
    _put(out, "electra.embeddings.LayerNorm", _norm(w, "embeddings_layer_norm"))
    if projection and f"{projection}/kernel" in w:
        _put(out, "electra.embeddings_project", _dense(w, projection))
    for i in range(count):
        ours, hf = f"{layer_prefix}{i}", f"electra.encoder.layer.{i}"
        for part in ("query", "key", "value"):
            _put(
                out, f"{hf}.attention.self.{part}", _dense(w, f"{ours}/self_attention_layer/{part}")
            )
        _put(
            out,
            f"{hf}.attention.output.dense",
            _attention_output(w, f"{ours}/self_attention_layer/attention_output"),
        )
        _put(out, f"{hf}.attention.output.LayerNorm", _norm(w, f"{ours}/self_attention_layer_norm"))
        _put(out, f"{hf}.intermediate.dense", _dense(w, f"{ours}/feedforward_intermediate_dense"))
        _put(out, f"{hf}.output.dense", _dense(w, f"{ours}/feedforward_output_dense"))
        _put(out, f"{hf}.output.LayerNorm", _norm(w, f"{ours}/feedforward_layer_norm"))
    return out


def _read(path: str) -> bytes:
    with storage.open_file(path, "rb") as handle:
        return handle.read()


_write = write_bytes_atomic  # temporary name, then rename (local disk or URL)


def _json(value: dict) -> bytes:
    return json_bytes(value, ensure_ascii=True)


def export(run_dir: str, out_dir: str | None = None) -> dict[str, str]:
    from pretrain.train.config import config_from_dict

    run_dir = str(run_dir).rstrip("/")
    meta = json.loads(_read(f"{run_dir}/weights/latest.json"))
    config = config_from_dict(meta["config"])
    with np.load(io.BytesIO(_read(f"{run_dir}/weights/{meta['weights']}"))) as archive:
        w = {k: archive[k].astype(np.float32) for k in archive.files}
    out_dir = str(out_dir or f"{run_dir}/hf").rstrip("/")
    disc = encoder_tensors(
        w, "transformer_layer_", config.sizes["num_hidden_layers"], "embeddings_projection"
    )
    _put(disc, "discriminator_predictions.dense", _dense(w, "disc_head_dense"))
    _put(disc, "discriminator_predictions.dense_prediction", _dense(w, "disc_head_out"))
    gen = encoder_tensors(
        w,
        "gen_transformer_layer_",
        config.generator_sizes["num_hidden_layers"],
        "gen_embeddings_projection",
    )
    _put(gen, "generator_predictions.dense", _dense(w, "gen_head_dense"))
    _put(gen, "generator_predictions.LayerNorm", _norm(w, "gen_head_norm"))
    gen["generator_lm_head.weight"] = w["token_embedding/embeddings"]
    gen["generator_lm_head.bias"] = w["gen_output_bias"]
    vocab = _read(meta["vocab_file"])
    vocab_sha256 = hashlib.sha256(vocab).hexdigest()
    if meta.get("vocab_sha256", vocab_sha256) != vocab_sha256:  # runs before 2026-12 lack it
        raise ExportError(
            f"{meta['vocab_file']} changed since training (sha256 {vocab_sha256[:12]}..., the "
            f"records were built with {meta['vocab_sha256'][:12]}...): restore that vocab.txt"
        )
    from safetensors.numpy import save  # the pretrain extra; main() checks it is there

    tokenizer = {**TOKENIZER_CONFIG, "do_lower_case": config.do_lower_case}
    folders = {}
    for name, tensors, sizes, arch in (
        ("discriminator", disc, config.sizes, "ElectraForPreTraining"),
        ("generator", gen, config.generator_sizes, "ElectraForMaskedLM"),
    ):
        folder = f"{out_dir}/{name}"
        storage.makedirs(folder)
        tensors = {k: np.ascontiguousarray(v) for k, v in tensors.items()}
        _write(f"{folder}/model.safetensors", save(tensors, metadata={"format": "pt"}))
        _write(f"{folder}/config.json", _json(electra_config_dict(sizes, config.vocab_size, arch)))
        _write(f"{folder}/vocab.txt", vocab)  # transformers 5 would drop it
        _write(f"{folder}/tokenizer_config.json", _json(tokenizer))
        _write(f"{folder}/special_tokens_map.json", _json(SPECIAL_TOKENS_MAP))
        exported = ExportManifest(
            architecture=arch,
            run=run_dir,
            step=int(meta["step"]),
            model_size=config.model_size,
            vocab_size=config.vocab_size,
            vocab_sha256=vocab_sha256,
            max_seq_length=config.max_seq_length,
            do_lower_case=config.do_lower_case,
        )
        exported.write(folder)
        folders[name] = folder
    return folders


@exits_on_missing_extra
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pretrain.export",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("run", help="run folder of pretrain.train (local or gs://)")
    parser.add_argument("--out", help="default: RUN/hf")
    args = parser.parse_args(argv)
    require("pretrain", "pretrain.export", ("safetensors",))
    if not storage.exists(f"{args.run.rstrip('/')}/weights/latest.json"):
        print(f"error: {args.run} has no weights/latest.json: train first", file=sys.stderr)
        return 2
    try:
        folders = export(args.run, args.out)
    except ExportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(" ".join(f"{k} -> {v}" for k, v in folders.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
