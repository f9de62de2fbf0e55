"""The training loop behind `python -m pretrain.train`; what the command does and its flags:
`pretrain.train.arguments`."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import keras  # noqa: I001
from keras import ops

from kosent_common import storage
from kosent_common.aside import AsideError
from pretrain.tfrecords.schema import RecordsError, RecordsManifest, record_files
from pretrain.train import arguments, backends, checkpoint, join
from pretrain.train.cluster import Cluster, resolve
from pretrain.train.config import ConfigError, PretrainConfig, load_config
from pretrain.train.health import stalled_discriminator
from pretrain.train.model import ElectraPretrainer
from pretrain.train.objective import auc_from_histograms, electra_losses
from pretrain.train.optimizer import AdamW
from pretrain.train.record_reader import (
    CorruptRecordsError,
    RecordReader,
    auto_shards,
    check_shards,
    positions_from_state,
)
from pretrain.train.run_identity import identity
from pretrain.train.run_start import start
from vocab.schema import VocabError, read_vocab

NO_DECAY = ["bias", "gamma", "beta"]  # LayerNorm scales/offsets and biases


class WarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """The original's schedule: polynomial decay to 0 at num_train_steps, linear warmup first."""

    def __init__(self, peak: float, warmup: int, total: int, power: float = 1.0) -> None:
        self.peak, self.warmup, self.total, self.power = peak, warmup, total, power

    def __call__(self, step):
        step = ops.cast(step, "float32")
        decayed = self.peak * (1.0 - ops.minimum(step, self.total) / self.total) ** self.power
        if self.warmup <= 0:
            return decayed
        return ops.where(step < self.warmup, self.peak * step / self.warmup, decayed)

    def get_config(self) -> dict:
        return {"peak": self.peak, "warmup": self.warmup, "total": self.total, "power": self.power}


def special_ids(vocab: list[str]) -> tuple[list[int], int]:
    ids = {token: i for i, token in enumerate(vocab)}
    return [ids["[PAD]"], ids["[CLS]"], ids["[SEP]"]], ids["[MASK]"]


def make_optimizer(config: PretrainConfig, model) -> tuple:
    """AdamW as the original: eps 1e-6, no decay on LayerNorm/biases, global norm clip 1; eps
    on the bias-corrected second moment, as PyTorch and optax (`pretrain.train.optimizer`)."""
    schedule = WarmupLinearDecay(
        config.learning_rate, config.num_warmup_steps, config.num_train_steps, config.lr_decay_power
    )
    optimizer = AdamW(
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


def variable_names(model) -> list[str]:
    """Variable paths without the model's name; dropout seed states numbered within the model
    (Keras numbers them per process, so a second model in a process would get other names)."""
    names = []
    for variable in model.variables:
        name = variable.path.removeprefix(f"{model.name}/")
        if name.endswith("/seed_generator_state"):
            count = sum(n.endswith("/seed_generator_state") for n in names)
            name = re.sub(r"seed_generator(_\d+)?/seed_generator_state$", "", name)
            name += f"seed_generator_{count}/seed_generator_state"
        names.append(name)
    return names


def build(config: PretrainConfig, backend):
    """Model, optimizer and the backend's trainer (inside its distribution scope)."""
    if config.mixed_precision:  # bf16 compute, fp32 weights (no loss scaling needed)
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    keras.utils.set_random_seed(config.seed)  # initial weights and dropout
    with backend.setup(config):
        model = ElectraPretrainer(config)
        model.build_all()
        optimizer, schedule = make_optimizer(config, model)
    return model, optimizer, schedule


def check_tpu_cores(config: PretrainConfig, backend, log) -> None:
    """num_tpu_cores that does not match the hardware is a warning: all cores are used."""
    if config.use_tpu and config.num_tpu_cores != backend.replicas():
        log(
            f"warning: num_tpu_cores is {config.num_tpu_cores} but the TPU has "
            f"{backend.replicas()} cores: training on {backend.replicas()}"
        )
    elif not config.use_tpu and config.num_tpu_cores != 1:
        log("warning: num_tpu_cores is used only with use_tpu: ignored")


class StepFailedError(RuntimeError):
    """A step of a multi-process run failed on this process (a collective whose peer is gone,
    or this process's own fault): the run cannot go on without it."""


def _counts(files: list[str], manifest: RecordsManifest) -> list[int]:
    """The manifest's example count of each file to read."""
    by_name = {entry["file"]: entry.get("examples", 0) for entry in manifest.files}
    return [by_name[path.rsplit("/", 1)[-1]] for path in files]


def train(
    config: PretrainConfig,
    data_dir: str,
    out_dir: str,
    vocab_file: str | None = None,
    log=print,
    stop_at_step: int | None = None,
    restart: bool = False,
    cluster: Cluster | None = None,
    join_timeout: float = 300.0,
) -> dict:
    """Train (or resume) in `out_dir`, a local folder or a URL (gs://). vocab_size and
    max_seq_length come from the records' manifest (a config that states them must agree),
    and the vocab must be the one the records were built with (its sha256). A run in
    `out_dir` resumes only on the same records and model (`run_identity`); `restart` moves
    it aside first. With a `cluster` of several processes this is one of them: it reads its
    shards of every global batch, and only process 0 writes."""
    cluster = cluster or Cluster()
    out_dir = str(out_dir).rstrip("/")
    manifest = RecordsManifest.read(data_dir)
    config = config.with_records(manifest, f"the records in {data_dir}")
    manifest.check_usable(data_dir)
    files = record_files(data_dir, manifest)
    vocab_file = vocab_file or manifest.vocab_file
    if not storage.exists(vocab_file):
        raise VocabError(f"vocab file {vocab_file} does not exist: pass --vocab-file")
    manifest.check_vocab(vocab_file)
    vocab = read_vocab(Path(vocab_file))
    specials, mask_id = special_ids(vocab)
    trained_on = identity(config, manifest)
    backend = backends.load()
    shards = config.input_shards or auto_shards(
        config.train_batch_size, len(files), cluster.num_processes
    )
    check_shards(shards, config.train_batch_size, len(files), cluster.num_processes)
    tensorflow = backend.__name__.endswith("tensorflow_step")  # needs the workers' addresses
    first_step, channel = start(
        cluster, out_dir, trained_on, restart, join_timeout, tensorflow, log
    )
    last = min(config.num_train_steps, stop_at_step or config.num_train_steps)
    if first_step >= last:
        if channel:
            channel.finish()
        return {"steps": first_step, "new_steps": 0, "seconds": 0.0, "history": []}
    if cluster.distributed:
        backend.join(cluster, join_timeout, channel.answer.get("workers") if channel else None)
    if cluster.is_writer:
        storage.makedirs(out_dir)
        checkpoint.write_json(f"{out_dir}/config.json", config.__dict__)
    model, optimizer, schedule = build(config, backend)
    check_tpu_cores(config, backend, lambda line: print(line, file=sys.stderr))

    def loss_fn(batch, step, rows=0, global_sum=None):
        return electra_losses(model, batch, config, specials, mask_id, step, True, rows, global_sum)

    trainer = backend.Trainer(model, optimizer, loss_fn)
    names = variable_names(model)
    step, positions = 0, None
    restored = checkpoint.latest(f"{out_dir}/checkpoints")
    if restored:
        meta, model_arrays, optimizer_arrays, rng = restored
        missing = sorted(set(names) - set(model_arrays))
        if missing or len(optimizer_arrays) != len(optimizer.variables):
            raise ConfigError(
                f"{out_dir}/checkpoints was written for another model ({', '.join(missing[:3])}"
                "...): use another --out, or --restart to move it aside and start over"
            )
        trainer.assign([model_arrays[n] for n in names], optimizer_arrays)
        trainer.set_rng_states(rng)
        step, positions = meta["step"], positions_from_state(meta["reader"], shards)
        shards = len(positions)
        check_shards(shards, config.train_batch_size, len(files), cluster.num_processes)
        log(f"resumed from {out_dir}/checkpoints/ckpt-{step} at step {step}")
    per_process = shards // cluster.num_processes
    owned = range(cluster.process_id * per_process, (cluster.process_id + 1) * per_process)
    reader = RecordReader(
        files,
        config.max_seq_length,
        config.train_batch_size,
        config.seed,
        positions,
        shards=shards,
        owned=owned,
        counts=_counts(files, manifest),
    )
    if cluster.distributed:
        log(
            f"joined {cluster.num_processes} processes ({keras.backend.backend()}): reading "
            f"input shard{_span(owned)} of {shards}, from step {step}"
        )
    writer = backend.summary_writer(f"{out_dir}/logs") if cluster.is_writer else None
    if cluster.is_writer:
        storage.makedirs(f"{out_dir}/logs")
    history: list[dict] = []
    started, last_step, last_time = time.monotonic(), step, time.monotonic()
    window, warned = None, False
    try:
        while step < last:
            window = backends.sum_metrics(window, trainer.step(reader.next_batch(), step))
            step += 1
            if step % config.log_every_steps == 0 or step == last:
                sums = trainer.metrics_numpy(window)
                now = time.monotonic()
                values = {k: float(v) / (step - last_step) for k, v in sums.items() if v.ndim == 0}
                values["disc_auc"] = auc_from_histograms(sums["auc_histograms"])
                values["learning_rate"] = float(schedule(step))
                values["examples_per_second"] = (
                    (step - last_step) * config.train_batch_size / max(now - last_time, 1e-9)
                )
                window = None
                history.append({"step": step, **values})
                if writer:
                    writer.write(step, values)
                if cluster.is_writer:
                    log(
                        f"step {step}/{config.num_train_steps} loss {values['loss']:.3f} "
                        f"mlm {values['mlm_loss']:.3f} acc {values['mlm_accuracy']:.3f} disc "
                        f"{values['disc_loss']:.4f} auc {values['disc_auc']:.3f} "
                        f"{values['examples_per_second']:.1f} ex/s"
                    )
                last_step, last_time = step, now
                if not warned and (
                    warning := stalled_discriminator(history, config.num_warmup_steps)
                ):
                    if cluster.is_writer:
                        log(warning)
                    warned = True
            if cluster.is_writer and (step % config.save_checkpoints_steps == 0 or step == last):
                save(trainer, model, optimizer, out_dir, step, reader, config, vocab_file, manifest)
    except Exception as err:
        if not cluster.distributed or isinstance(err, CorruptRecordsError):
            raise
        raise StepFailedError(f"step {step + 1} failed ({type(err).__name__}: {err})") from err
    if cluster.is_writer:
        _append_metrics(f"{out_dir}/logs/metrics.jsonl", history)
    if channel:
        channel.finish()
    return {
        "steps": step,
        "new_steps": step - first_step,
        "seconds": time.monotonic() - started,
        "history": history,
    }


def save(trainer, model, optimizer, out_dir, step, reader, config, vocab_file, records) -> None:
    model_values, optimizer_values = trainer.values()
    arrays = dict(zip(variable_names(model), model_values, strict=True))
    checkpoint.save(
        f"{out_dir}/checkpoints",
        step,
        arrays,
        optimizer_values,
        [v.path for v in optimizer.variables],
        {
            "reader": reader.state(),  # every shard's position (process I reads a range)
            "seed": config.seed,
            "backend": keras.backend.backend(),
            "trained_on": identity(config, records),
        },
        config.keep_checkpoint_max,
        trainer.rng_states(),
    )
    meta = {
        "vocab_file": str(vocab_file),
        "vocab_sha256": records.vocab_sha256,  # the export checks the vocab it copies
        "config": config.__dict__,
    }
    checkpoint.save_weights(f"{out_dir}/weights", step, arrays, meta, config.keep_checkpoint_max)


def _append_metrics(path: str, history: list[dict]) -> None:
    """One JSON line per logged window; earlier lines (of a resumed run) kept."""
    old = b""
    if storage.exists(path):
        with storage.open_file(path, "rb") as handle:
            old = handle.read()
    lines = "".join(json.dumps(entry) + "\n" for entry in history).encode()
    checkpoint.write_bytes(path, old + lines)


def main(argv: list[str] | None = None) -> int:
    return run(arguments.parse_args(argv))


def run(args) -> int:
    """The command for parsed arguments (`python -m pretrain.train` checks the extras first)."""
    out = args.out.rstrip("/")
    cluster = Cluster()
    try:
        cluster = resolve(
            args.coordinator,
            args.num_processes,
            args.process_id,
            os.environ,
            keras.backend.backend(),
        )
        say = _prefixed(cluster)
        config = load_config(args.config, warn=lambda line: print(line, file=sys.stderr))
        result = train(
            config,
            args.data,
            out,
            args.vocab_file,
            log=say,
            stop_at_step=args.stop_at_step,
            restart=args.restart,
            cluster=cluster,
            join_timeout=args.join_timeout,
        )
    except CorruptRecordsError as err:
        print(
            f"error: unreadable records in {args.data} ({err}): rebuild them with "
            "python -m pretrain.tfrecords; checkpoints so far are kept and the run resumes "
            "from the last one",
            file=sys.stderr,
        )
        return 2
    except (ConfigError, RecordsError, VocabError, AsideError) as err:
        print(f"error: {_tag(cluster)}{err}", file=sys.stderr)
        return 2
    except StepFailedError as err:
        time.sleep(LOST_GRACE_SECONDS)  # a lost peer: the join channel's watchdog names it
        print(
            f"error: {_tag(cluster)}{err}: stopping this process (the others stop when they "
            "see it go). Rerun every process with the same command to resume from the last "
            "checkpoint",
            file=sys.stderr,
            flush=True,
        )
        os._exit(join.LOST_EXIT)  # not the engines' exit handlers: they wait for the lost one
    if not cluster.is_writer:
        say(f"done at step {result['steps']}")
        return 0
    if not result["new_steps"]:
        if not storage.exists(f"{out}/train_history.json"):
            checkpoint.write_json(f"{out}/train_history.json", _history_of(out, result))
        say(
            f"pretrain: already complete (reused): {out} is at step {result['steps']} of "
            f"{config.num_train_steps if args.stop_at_step is None else args.stop_at_step}; "
            "raise num_train_steps to train on, or --restart to start over"
        )
        return 0
    checkpoint.write_json(f"{out}/train_history.json", result)
    say(
        f"trained {result['new_steps']} steps (to step {result['steps']}) in "
        f"{result['seconds']:.0f}s -> {out} (export: python -m pretrain.export {out})"
    )
    return 0


LOST_GRACE_SECONDS = 5


def _span(owned: range) -> str:
    return f" {owned.start}" if len(owned) == 1 else f"s {owned.start}-{owned.stop - 1}"


def _tag(cluster: Cluster) -> str:
    return f"[{cluster.label()}] " if cluster.distributed else ""


def _prefixed(cluster: Cluster):
    """print, with the process named when the run has several: each says what it did."""
    tag = _tag(cluster)
    return lambda line: print(f"{tag}{line}", flush=True)


def _history_of(out: str, result: dict) -> dict:
    """train_history.json of a run whose last process stopped before writing it."""
    path, history = f"{out}/logs/metrics.jsonl", []
    if storage.exists(path):
        with storage.open_file(path) as handle:
            history = [json.loads(line) for line in handle if line.strip()]
    return {**result, "history": history}


if __name__ == "__main__":
    sys.exit(main())
