"""TensorFlow: a `tf.function` step with GradientTape under a tf.distribute strategy
(TPUStrategy with use_tpu, MultiWorkerMirroredStrategy for a run of several processes, joined
by TF_CONFIG, MirroredStrategy on several GPUs, else the default). A process's batch is its
rows of the global batch; each local replica gets a slice, knows its rows' place in the
global batch, and normalises its loss by the global batch's weights (an all-reduce), so the
replicas' gradients summed (as Keras' optimizer sums them) are the global batch's."""

from __future__ import annotations

import json
import os

import numpy as np
import tensorflow as tf
from keras.src.optimizers.base_optimizer import clip_by_global_norm

from pretrain.train.backends import KerasVariablesTrainer
from pretrain.train.cluster import Cluster
from pretrain.train.config import ConfigError, PretrainConfig, no_tpu_message

_strategy: tf.distribute.Strategy | None = None


def join(cluster: Cluster, timeout: float, workers: list | None = None) -> None:
    """A run of several processes is MultiWorkerMirroredStrategy over TF_CONFIG: the user's,
    or one made from the workers' addresses the join channel exchanged."""
    if cluster.source != "tf_config":
        os.environ["TF_CONFIG"] = json.dumps(
            {
                "cluster": {"worker": [f"{host}:{port}" for host, port in workers]},
                "task": {"type": "worker", "index": cluster.process_id},
            }
        )


def make_strategy(config: PretrainConfig) -> tf.distribute.Strategy:
    if config.use_tpu:
        return tpu_strategy(config)
    if "TF_CONFIG" in os.environ:
        return tf.distribute.MultiWorkerMirroredStrategy()
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def tpu_strategy(config: PretrainConfig) -> tf.distribute.Strategy:
    """TPUStrategy on the TPU the config names; one that cannot be reached (no TPU here, no
    network, a wrong name) is a ConfigError saying so, not the resolver's traceback."""
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(
            tpu=config.tpu_name, zone=config.tpu_zone, project=config.gcp_project
        )
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (OSError, ValueError, RuntimeError, tf.errors.OpError) as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConfigError(no_tpu_message(config, reason)) from None
    return tf.distribute.TPUStrategy(resolver)


def setup(config: PretrainConfig):
    global _strategy
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()
    _strategy = make_strategy(config)
    return _strategy.scope()


def replicas() -> int:
    return (_strategy or tf.distribute.get_strategy()).num_replicas_in_sync


class Trainer(KerasVariablesTrainer):
    def __init__(self, model, optimizer, loss_fn) -> None:
        self.model, self.optimizer = model, optimizer
        self.strategy = _strategy or tf.distribute.get_strategy()
        count = self.strategy.num_replicas_in_sync
        variables = model.trainable_variables

        def replica_step(batch, step):
            context = tf.distribute.get_replica_context()
            rows = context.replica_id_in_sync_group * tf.shape(batch["input_ids"])[0]

            def global_sum(value):
                return context.all_reduce("SUM", value)

            with tf.GradientTape() as tape:
                out = loss_fn(batch, step, *((rows, global_sum) if count > 1 else ()))
            grads = tape.gradient(out["loss"], variables)
            if count > 1 and optimizer.global_clipnorm:
                # Keras clips each replica's gradients before it sums them: the global batch's
                # gradient is clipped here, and its 1/count shares pass Keras' clip unchanged
                grads = clip_by_global_norm(
                    context.all_reduce("SUM", grads), optimizer.global_clipnorm
                )
                grads = [g / count for g in grads]
            optimizer.apply_gradients(zip(grads, variables, strict=True))
            return out

        @tf.function
        def train_step(batch, step):
            out = self.strategy.run(replica_step, args=(batch, step))
            return {name: self.strategy.reduce("SUM", v, None) for name, v in out.items()}

        self._step = train_step

    def _distribute(self, batch: dict[str, np.ndarray]):
        count = self.strategy.num_replicas_in_sync
        if count == 1:
            return {name: tf.constant(value) for name, value in batch.items()}
        local_replicas = len(self.strategy.extended.worker_devices)
        size = len(next(iter(batch.values()))) // local_replicas

        def local(context):
            start = (context.replica_id_in_sync_group % local_replicas) * size
            return {name: tf.constant(v[start : start + size]) for name, v in batch.items()}

        return self.strategy.experimental_distribute_values_from_function(local)

    def step(self, batch: dict[str, np.ndarray], step: int) -> dict:
        return self._step(self._distribute(batch), tf.constant(step, tf.int32))

    def values(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        return (
            [np.asarray(v.numpy()) for v in self.model.variables],
            [np.asarray(v.numpy()) for v in self.optimizer.variables],
        )


class _TensorBoard:
    def __init__(self, folder: str) -> None:
        self.writer = tf.summary.create_file_writer(folder)

    def write(self, step: int, values: dict[str, float]) -> None:
        with self.writer.as_default(step=step):
            for name, value in values.items():
                tf.summary.scalar(name, value)
        self.writer.flush()


def summary_writer(folder: str) -> _TensorBoard:
    return _TensorBoard(folder)


def device() -> tuple[str, int | None]:
    """(accelerator name, peak bytes allocated on the first GPU so far; None on CPU)."""
    gpus = tf.config.list_logical_devices("GPU")
    if not gpus:
        return "cpu", None
    details = tf.config.experimental.get_device_details(tf.config.list_physical_devices("GPU")[0])
    return f"gpu:{details.get('device_name', 'GPU')}", tf.config.experimental.get_memory_info(
        "GPU:0"
    )["peak"]
