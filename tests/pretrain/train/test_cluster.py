"""Which process of which run: the flags, torchrun's variables, TF_CONFIG and a TPU pod's,
each to one Cluster; mistakes are one clear error."""

import json

import pytest

from pretrain.train.cluster import ClusterError, resolve


def test_flags_name_the_process_and_the_join_channel():
    cluster = resolve("10.0.0.2:7000", 4, 3, {}, "jax")
    assert (cluster.num_processes, cluster.process_id, cluster.coordinator) == (
        4, 3, ("10.0.0.2", 7000),
    )  # fmt: skip
    assert cluster.engine_port == 7001 and not cluster.is_writer and cluster.distributed
    assert resolve("[::1]:7000", 2, 0, {}, "torch").coordinator == ("::1", 7000)


def test_torchrun_variables_put_the_join_channel_beside_its_store():
    env = {"RANK": "1", "WORLD_SIZE": "2", "MASTER_ADDR": "node0", "MASTER_PORT": "29500"}
    cluster = resolve(None, None, None, env, "torch")
    assert cluster.source == "torchrun" and cluster.coordinator == ("node0", 29501)
    assert cluster.process_id == 1


def test_tf_config_is_a_tensorflow_worker_cluster():
    tf_config = {
        "cluster": {"worker": ["h0:2222", "h1:2222"]},
        "task": {"type": "worker", "index": 1},
    }
    cluster = resolve(None, None, None, {"TF_CONFIG": json.dumps(tf_config)}, "tensorflow")
    assert (cluster.source, cluster.num_processes, cluster.process_id) == ("tf_config", 2, 1)
    assert cluster.coordinator is None
    with pytest.raises(ClusterError, match="KERAS_BACKEND is jax"):
        resolve(None, None, None, {"TF_CONFIG": json.dumps(tf_config)}, "jax")


def test_a_tpu_pod_is_left_to_jax_to_detect():
    env = {"TPU_WORKER_HOSTNAMES": "t0,t1,t2,t3", "TPU_WORKER_ID": "2"}
    cluster = resolve(None, None, None, env, "jax")
    assert (cluster.source, cluster.num_processes, cluster.process_id) == ("jax_auto", 4, 2)
    assert not resolve(None, None, None, {"TPU_WORKER_HOSTNAMES": "t0"}, "jax").distributed


def test_nothing_is_one_process():
    cluster = resolve(None, None, None, {}, "tensorflow")
    assert not cluster.distributed and cluster.is_writer


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (("h:1", 2, 2), {}, "out of range"),
        (("h", 2, 1), {}, "not HOST:PORT"),
        (("h:99999", 2, 1), {}, "not HOST:PORT"),
        ((None, 2, None), {}, "go together"),
        ((None, None, None), {"RANK": "0", "WORLD_SIZE": "2"}, "MASTER_ADDR, MASTER_PORT"),
        ((None, None, None), {"RANK": "x", "WORLD_SIZE": "2", "MASTER_ADDR": "h",
                              "MASTER_PORT": "1"}, "RANK must be a whole number"),
        ((None, None, None), {"TF_CONFIG": '{"cluster": {}}'}, "not a worker cluster"),
    ],
)  # fmt: skip
def test_mistakes_are_clear_errors(args, env, message):
    with pytest.raises(ClusterError, match=message):
        resolve(*args, env, "tensorflow")
