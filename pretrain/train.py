"""CLI: `python -m pretrain.train --config configs/base.json --data DIR --out runs/NAME`.

ELECTRA pretraining on the TFRecords of `pretrain.tfrecords`: TPUStrategy (use_tpu),
MirroredStrategy on several GPUs, MultiWorkerMirroredStrategy with TF_CONFIG, else the default.
Checkpoints every save_checkpoints_steps (keeping keep_checkpoint_max) hold the model, the
optimizer, the step and the input iterator, so a killed run resumes at the same step with the
same data order. TensorBoard logs in OUT/logs; weights for export in OUT/weights.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

import pretrain  # noqa: F401  (sets the Keras backend before keras is imported)
from pretrain.config import ConfigError, PretrainConfig, load_config
from pretrain.model import ElectraPretrainer
from pretrain.objective import electra_losses
from pretrain.schema import RecordsError, check_max_seq_length, feature_spec, record_files
from vocab.schema import VocabError, read_vocab

NO_DECAY = ["bias", "gamma", "beta"]  # LayerNorm scales/offsets and biases


class WarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """The original's schedule: polynomial decay to 0 at num_train_steps, linear warmup first."""

    def __init__(self, peak: float, warmup: int, total: int, power: float = 1.0) -> None:
        self.peak, self.warmup, self.total, self.power = peak, warmup, total, power

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        decayed = self.peak * (1.0 - tf.minimum(step, self.total) / self.total) ** self.power
        if self.warmup <= 0:
            return decayed
        return tf.where(step < self.warmup, self.peak * step / self.warmup, decayed)

    def get_config(self) -> dict:
        return {"peak": self.peak, "warmup": self.warmup, "total": self.total, "power": self.power}


def make_strategy(config: PretrainConfig) -> tf.distribute.Strategy:
    if config.use_tpu:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(
            tpu=config.tpu_name, zone=config.tpu_zone, project=config.gcp_project
        )
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    if "TF_CONFIG" in os.environ:
        return tf.distribute.MultiWorkerMirroredStrategy()
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def make_dataset(data_dir: str, config: PretrainConfig, manifest: dict) -> tf.data.Dataset:
    files = record_files(data_dir, manifest)
    spec = feature_spec(config.max_seq_length)
    return (
        tf.data.TFRecordDataset(files)
        .repeat()
        .shuffle(config.shuffle_buffer, seed=config.seed)
        .map(lambda record: tf.io.parse_single_example(record, spec))
        .batch(config.train_batch_size, drop_remainder=True)
        .prefetch(2)
    )


def special_ids(vocab: list[str]) -> tuple[list[int], int]:
    ids = {token: i for i, token in enumerate(vocab)}
    return [ids["[PAD]"], ids["[CLS]"], ids["[SEP]"]], ids["[MASK]"]


def _write(path: str, data: bytes) -> None:
    """Atomic write on local disk or gs:// (write a temporary object, then rename)."""
    tmp = f"{path}.tmp"
    with tf.io.gfile.GFile(tmp, "wb") as handle:
        handle.write(data)
    tf.io.gfile.rename(tmp, path, overwrite=True)


def save_weights(
    model: ElectraPretrainer, out_dir: str, step: int, config: PretrainConfig, vocab_file: str
) -> None:
    """numpy weights + config for the exporter (which needs neither TensorFlow nor Keras)."""
    folder = f"{out_dir}/weights"
    tf.io.gfile.makedirs(folder)
    arrays = {v.path.removeprefix(f"{model.name}/"): np.asarray(v.numpy()) for v in model.weights}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    _write(f"{folder}/step-{step}.npz", buffer.getvalue())
    meta = {
        "step": step,
        "weights": f"step-{step}.npz",
        "vocab_file": str(vocab_file),
        "config": config.__dict__,
    }
    _write(f"{folder}/latest.json", json.dumps(meta, indent=2).encode())
    steps = sorted(
        int(p.rsplit("-", 1)[1].split(".")[0]) for p in tf.io.gfile.glob(f"{folder}/step-*.npz")
    )
    for old in steps[: -config.keep_checkpoint_max]:
        tf.io.gfile.remove(f"{folder}/step-{old}.npz")


def make_train_step(
    model, optimizer, config: PretrainConfig, strategy, step, auc, specials, mask_id
):
    """One optimisation step on a (distributed) batch; returns the replica-mean metrics."""
    replicas = strategy.num_replicas_in_sync

    def replica_step(batch, seed):
        with tf.GradientTape() as tape:
            out = electra_losses(model, batch, config, specials, mask_id, seed, training=True)
            loss = out["loss"] / replicas
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        auc.update_state(out["replaced"], out["disc_probs"], sample_weight=out["token_weights"])
        return {
            k: out[k] for k in ("loss", "mlm_loss", "mlm_accuracy", "disc_loss", "disc_accuracy")
        }

    @tf.function
    def train_step(batch):
        seed = tf.stack([tf.cast(config.seed, tf.int64), step])  # masking/sampling follow step
        per_replica = strategy.run(replica_step, args=(batch, tf.cast(seed, tf.int32)))
        step.assign_add(1)
        return {k: strategy.reduce("MEAN", v, axis=None) for k, v in per_replica.items()}

    return train_step


def make_optimizer(config: PretrainConfig, model) -> tuple:
    """AdamW as the original: eps 1e-6, no decay on LayerNorm/biases, global norm clip 1."""
    schedule = WarmupLinearDecay(
        config.learning_rate, config.num_warmup_steps, config.num_train_steps, config.lr_decay_power
    )
    optimizer = keras.optimizers.AdamW(
        learning_rate=schedule,
        weight_decay=config.weight_decay_rate,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-6,
        global_clipnorm=1.0,
    )
    optimizer.exclude_from_weight_decay(var_names=NO_DECAY)
    optimizer.build(model.trainable_variables)
    return optimizer, schedule


def train(
    config: PretrainConfig, data_dir: str, out_dir: str, vocab_file: str | None = None, log=print
) -> dict:
    """Train (or resume) in `out_dir`, a local folder or a gs:// path."""
    out_dir = str(out_dir).rstrip("/")
    manifest = check_max_seq_length(data_dir, config.max_seq_length)
    vocab_file = vocab_file or manifest["vocab_file"]
    vocab = read_vocab(Path(vocab_file))
    if len(vocab) != config.vocab_size:
        raise ConfigError(
            f"vocab_size is {config.vocab_size} but {vocab_file} has {len(vocab)} "
            f'tokens: set "vocab_size": {len(vocab)}'
        )
    specials, mask_id = special_ids(vocab)
    tf.io.gfile.makedirs(out_dir)
    _write(f"{out_dir}/config.json", (json.dumps(config.__dict__, indent=2) + "\n").encode())
    if config.mixed_precision:
        keras.mixed_precision.set_global_policy(
            "mixed_bfloat16" if config.use_tpu else "mixed_float16"
        )
    keras.utils.set_random_seed(config.seed)  # initial weights, dropout and shuffling
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()
    strategy = make_strategy(config)
    with strategy.scope():
        model = ElectraPretrainer(config)
        model.build_all()
        optimizer, schedule = make_optimizer(config, model)
        auc = keras.metrics.AUC(name="disc_auc")
        step = tf.Variable(0, dtype=tf.int64, trainable=False, name="global_step")
    dataset = strategy.experimental_distribute_dataset(make_dataset(data_dir, config, manifest))
    iterator = iter(dataset)
    # Dropout seed states are not model weights; without them a resumed run draws other masks.
    seed_states = [v for v in model.variables if "seed_generator" in v.path]
    checkpoint = tf.train.Checkpoint(
        model=model, optimizer=optimizer, step=step, data=iterator, dropout_seeds=seed_states
    )
    manager = tf.train.CheckpointManager(
        checkpoint, f"{out_dir}/checkpoints", max_to_keep=config.keep_checkpoint_max
    )
    if manager.latest_checkpoint:
        checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
        log(f"resumed from {manager.latest_checkpoint} at step {int(step.numpy())}")
    train_step = make_train_step(model, optimizer, config, strategy, step, auc, specials, mask_id)

    writer = tf.summary.create_file_writer(f"{out_dir}/logs")
    history: list[dict] = []
    started, last_step, last_time = time.monotonic(), int(step.numpy()), time.monotonic()
    window: dict[str, float] = {}
    while int(step.numpy()) < config.num_train_steps:
        metrics = train_step(next(iterator))
        for name, value in metrics.items():
            window[name] = window.get(name, 0.0) + float(value)
        current = int(step.numpy())
        if current % config.log_every_steps == 0 or current == config.num_train_steps:
            now = time.monotonic()
            values = {k: v / (current - last_step) for k, v in window.items()}  # window means
            values["disc_auc"] = float(auc.result())
            values["learning_rate"] = float(schedule(current))
            values["examples_per_second"] = (
                (current - last_step) * config.train_batch_size / max(now - last_time, 1e-9)
            )
            auc.reset_state()
            window = {}
            with writer.as_default(step=current):
                for name, value in values.items():
                    tf.summary.scalar(name, value)
            history.append({"step": current, **values})
            log(
                f"step {current}/{config.num_train_steps} loss {values['loss']:.3f} "
                f"mlm {values['mlm_loss']:.3f} acc {values['mlm_accuracy']:.3f} disc "
                f"{values['disc_loss']:.4f} auc {values['disc_auc']:.3f} "
                f"{values['examples_per_second']:.1f} ex/s"
            )
            last_step, last_time = current, now
        if current % config.save_checkpoints_steps == 0 or current == config.num_train_steps:
            manager.save(checkpoint_number=current)
            save_weights(model, out_dir, current, config, vocab_file)
    writer.flush()
    return {"steps": int(step.numpy()), "seconds": time.monotonic() - started, "history": history}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pretrain.train",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", type=Path, required=True, help="config JSON (configs/*.json)")
    parser.add_argument("--data", required=True, help="TFRecords folder of pretrain.tfrecords")
    parser.add_argument(
        "--out", required=True, help="run folder, local or gs:// (resumes if present)"
    )
    parser.add_argument("--vocab-file", help="default: the vocab named in the records' manifest")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        result = train(config, args.data, args.out, args.vocab_file)
    except (ConfigError, RecordsError, VocabError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (tf.errors.DataLossError, tf.errors.InvalidArgumentError) as err:
        print(
            f"error: unreadable records in {args.data} ({err.message.splitlines()[0]}): "
            "rebuild them with python -m pretrain.tfrecords; checkpoints so far are kept "
            "and the run resumes from the last one",
            file=sys.stderr,
        )
        return 2
    _write(
        f"{args.out.rstrip('/')}/train_history.json", (json.dumps(result, indent=2) + "\n").encode()
    )
    print(
        f"trained {result['steps']} steps in {result['seconds']:.0f}s -> {args.out} "
        f"(export: python -m pretrain.export {args.out})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
