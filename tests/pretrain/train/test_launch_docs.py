"""README's launch lines for one run on several processes, each parsed as its launcher would
(torchrun's own parser, TF_CONFIG, the gcloud command's inner line) and then by
pretrain.train's: every line names the process it starts."""

import re
import shlex
from pathlib import Path

import pytest

from pretrain.train.arguments import parse_args
from pretrain.train.cluster import resolve

README = Path(__file__).resolve().parents[3] / "README.md"


def launch_lines() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("**One run on several processes**") :]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def split_env(words: list[str]) -> tuple[dict, list[str]]:
    env = {}
    while words and re.match(r"^[A-Z_]+=", words[0]):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    return env, words


def cluster_of(line: str):
    """(launcher, Cluster of the process the line starts, parsed arguments)."""
    env, words = split_env(shlex.split(line))
    if words[0] == "gcloud":
        inner = words[words.index("--command") + 1]
        env, words = split_env(shlex.split(inner))
        env |= {"TPU_WORKER_HOSTNAMES": "t0,t1,t2,t3", "TPU_WORKER_ID": "0"}  # as on a pod
        launcher = "gcloud"
    elif words[0] == "torchrun":
        from torch.distributed.run import get_args_parser

        run = get_args_parser().parse_args(words[1:])
        assert run.module and run.training_script == "pretrain.train"
        nproc = int(run.nproc_per_node)
        env |= {  # what torchrun sets for its first local process
            "RANK": str(run.node_rank * nproc),
            "WORLD_SIZE": str(int(run.nnodes) * nproc),
            "MASTER_ADDR": run.master_addr,
            "MASTER_PORT": str(run.master_port),
        }
        words = ["python", "-m", "pretrain.train", *run.training_script_args]
        launcher = "torchrun"
    else:
        launcher = "python"
    assert words[:3] == ["python", "-m", "pretrain.train"], line
    args = parse_args(words[3:])
    backend = env.get("KERAS_BACKEND", "tensorflow")
    return launcher, resolve(args.coordinator, args.num_processes, args.process_id, env, backend)


def test_readme_shows_a_launch_line_for_each_launcher():
    launchers = [cluster_of(line)[0] for line in launch_lines()]
    assert sorted(launchers) == ["gcloud", "python", "python", "torchrun"]


@pytest.mark.parametrize("index", range(4))
def test_each_launch_line_starts_one_process_of_a_run(index):
    line = launch_lines()[index]
    launcher, cluster = cluster_of(line)
    assert cluster.distributed and cluster.num_processes > 1, line
    expected = {"gcloud": "jax_auto", "torchrun": "torchrun"}.get(launcher)
    if launcher == "python":
        expected = "tf_config" if "TF_CONFIG" in line else "flags"
    assert cluster.source == expected
    if cluster.source == "torchrun":
        assert (cluster.num_processes, cluster.coordinator) == (16, ("10.0.0.1", 29501))
