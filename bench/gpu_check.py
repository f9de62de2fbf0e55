"""One prepared command for a machine with a CUDA GPU, Python 3.12, PyTorch and JAX, but no
TensorFlow and no network:

    python -m bench.gpu_check --wheels wheels/gpu

1. installs the carried wheels (keras, keras-hub and what they need that the machine lacks;
   `--wheels` names the folder, see "Carrying the wheels" below), without the network;
2. builds a tiny corpus from the bundled text (tests/fixtures), a vocab (`vocab.build`) and
   TFRecords (`pretrain.tfrecords`; neither needs TensorFlow for local paths);
3. pretrains ELECTRA-small (seq 128) and -base (seq 512) in bf16 for a fixed number of steps
   on each backend asked (`--backends jax,torch,reference`), with `pretrain.train`, and with
   bench.common.reference_trainer for `reference` (plain PyTorch on HF's modules, the
   yardstick);
4. prints tokens/s, step time, each backend's step-time ratio to the reference, peak
   accelerator memory and MFU (model FLOPs per token from the
   architecture, `train_flops_per_token`, divided by the chip's dense bf16 peak);
5. exports the last run (`pretrain.export`) and loads it with transformers;
6. with `--processes N` (a machine with N GPUs): one run on N processes, one GPU each
   (CUDA_VISIBLE_DEVICES), joined with `--coordinator`, per backend of ours at each size,
   the per-GPU batch unchanged: tokens/s against one process on one GPU, and the scaling
   efficiency (N-process tokens/s / (N x one-process tokens/s)).
Target: under 8 minutes on one H100/H200-class GPU (not yet measured: no GPU was lent to the
session that wrote it). `--shrink` runs tiny sizes on CPU (2 minutes of CPU time here): how it
was proven without a GPU, in a venv without TensorFlow.

Carrying the wheels (on a machine with the network, from the repository root; `wheels/` is
git-ignored):

    pip download -d wheels/gpu --python-version 3.12 --platform manylinux_2_28_x86_64 \\
        --only-binary=:all: -r bench/gpu_requirements.txt
    pip download -d wheels/gpu --python-version 3.12 --platform manylinux_2_28_x86_64 \\
        --only-binary=:all: --no-deps keras-hub==0.32.0

(keras-hub without its dependencies: it lists tensorflow-text, which this path never imports.)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Dense bf16 tensor-core peaks (TFLOP/s) by device-name fragment; --peak-tflops overrides.
PEAK_BF16_TFLOPS = {
    "H200": 989.0,
    "H100": 989.0,  # SXM; PCIe is 756: pass --peak-tflops
    "A100": 312.0,
    "L40S": 362.0,
    "L4": 121.0,
    "A10": 125.0,
    "V100": 125.0,  # fp16 (V100 has no bf16)
    "4090": 165.0,
    "TPU v4": 275.0,
    "TPU v5 lite": 197.0,
    "TPU v5p": 459.0,
}

# (size, seq, batch): ELECTRA-small at its original seq 128, base at 512
RUNS = [("small", 128, 128), ("base", 512, 32)]
SHRUNK = [("tiny", 64, 8), ("mini", 128, 4)]


def train_flops_per_token(config) -> float:
    """Training FLOPs per input token (forward + backward = 3x forward) of generator and
    discriminator: dense layers 2*in*out, attention scores and values 2*2*seq*hidden per layer,
    the generator's vocabulary projection only at the masked positions."""
    seq = config.max_seq_length

    def encoder(sizes: dict) -> float:
        hidden, inner = sizes["hidden_size"], sizes["intermediate_size"]
        per_layer = 2 * (4 * hidden * hidden + 2 * hidden * inner) + 4 * seq * hidden
        project = 2 * sizes["embedding_size"] * hidden
        return sizes["num_hidden_layers"] * per_layer + (
            project if sizes["embedding_size"] != hidden else 0
        )

    disc, gen = config.sizes, config.generator_sizes
    masked = config.max_predictions_per_seq / seq
    gen_head = masked * (
        2 * gen["hidden_size"] * gen["embedding_size"]
        + 2 * gen["embedding_size"] * config.vocab_size
    )
    disc_head = 2 * disc["hidden_size"] * disc["hidden_size"] + 2 * disc["hidden_size"]
    return 3 * (encoder(disc) + encoder(gen) + gen_head + disc_head)


def peak_tflops(device_name: str, override: float | None) -> float | None:
    if override:
        return override
    for fragment, value in PEAK_BF16_TFLOPS.items():
        if fragment.lower() in device_name.lower():
            return value
    return None


def install_wheels(folder: Path) -> None:
    if not folder.is_dir() or not any(folder.glob("*.whl")):
        print(f"gpu_check: no wheels in {folder}: using what is installed")
        return
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--find-links"]
    requirements = ROOT / "bench" / "gpu_requirements.txt"
    subprocess.run([*pip, str(folder), "-r", str(requirements)], check=True)
    subprocess.run([*pip, str(folder), "--no-deps", "keras-hub==0.32.0"], check=True)


PARTS = 8


def bundled_corpus(out: Path) -> Path:
    """Korean text from tests/fixtures (licences in tests/fixtures/LICENSES.md) as a corpus
    folder: one sentence a line, documents of 8 lines, in PARTS files (a record file each:
    input shards for --processes)."""
    lines = []
    for path in sorted((ROOT / "tests" / "fixtures").rglob("*.txt")):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # the EUC-KR copy of a file
        for line in text.splitlines():
            line = line.split("\t")[1] if line.count("\t") == 2 else line  # nsmc: id, text, label
            if len(line.strip()) > 5 and not line.startswith("id\t"):
                lines.append(line.strip())
    folder = out / "corpus" / "text"
    folder.mkdir(parents=True, exist_ok=True)
    docs = ["\n".join(lines[i : i + 8]) for i in range(0, len(lines), 8)]
    for part in range(PARTS):
        text = "\n\n".join(docs[part::PARTS]) + "\n"
        (folder / f"part-{part}.txt").write_text(text, encoding="utf-8")
    return out / "corpus"


def run(args: list[str], env: dict | None = None) -> str:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(f"gpu_check: {' '.join(args[:3])} failed:\n{result.stderr[-4000:]}")
    return result.stdout


REFERENCE = "reference"


def reference_run(config_path: Path, records: Path, out: Path, device: str) -> dict:
    """bench.common.reference_trainer on the same config and records; its history and memory."""
    run(["-m", "bench.common.reference_trainer", "--config", str(config_path)]
        + ["--data", str(records), "--out", str(out), "--device", device])  # fmt: skip
    result = json.loads((out / "history.json").read_text())
    result.setdefault("device", device)
    result.setdefault("peak_bytes", None)  # on a CPU: its process's peak RSS is not read here
    result["peak_is_host_rss"] = False
    return result


def speed_ratios(rows: list[dict]) -> list[dict]:
    """Each backend of ours against the reference trainer at one size: step-time ratio."""
    reference = next((r for r in rows if r["backend"] == REFERENCE), None)
    if reference is None:
        return []
    return [
        {
            "size": r["size"],
            "backend": r["backend"],
            "vs_reference": round(reference["step_ms"] / r["step_ms"], 2),
        }
        for r in rows
        if r["backend"] != REFERENCE and "step_ms" in r
    ]


def child(backend: str, config_path: str, data: str, out: str, result_path: str) -> None:
    """In a fresh process (one backend each): train, then report the device's peak memory."""
    os.environ["KERAS_BACKEND"] = backend
    from pretrain.train import backends
    from pretrain.train.config import load_config
    from pretrain.train.loop import train

    config = load_config(config_path)
    result = train(config, data, out, log=lambda line: print(line, flush=True))
    name, peak = backends.load().device()
    result["device"] = name
    result["peak_bytes"] = peak or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result["peak_is_host_rss"] = peak is None
    Path(result_path).write_text(json.dumps(result))


def multi_process(backend: str, raw: dict, records: Path, work: Path, processes: int) -> dict:
    """One run of `processes` processes, one GPU each, the per-GPU batch of `raw`: its
    history (process 0's), read from the run folder."""
    from pretrain.train.join import free_coordinator_port

    raw = {**raw, "train_batch_size": raw["train_batch_size"] * processes,
           "input_shards": processes}  # fmt: skip
    config_path = work / f"{raw['model_size']}-x{processes}.json"
    config_path.write_text(json.dumps(raw))
    out = work / f"run-{backend}-{raw['model_size']}-x{processes}"
    subprocess.run(["rm", "-rf", str(out)], check=True)
    port = free_coordinator_port()
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "pretrain.train", "--config", str(config_path), "--data",
             str(records), "--out", str(out), "--coordinator", f"127.0.0.1:{port}",
             "--num-processes", str(processes), "--process-id", str(i)],
            cwd=ROOT,
            env={**os.environ, "KERAS_BACKEND": backend, "CUDA_VISIBLE_DEVICES": str(i)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for i in range(processes)
    ]  # fmt: skip
    for i, process in enumerate(children):
        _, err = process.communicate()
        if process.returncode:
            sys.exit(f"gpu_check: process {i} of the {backend} run failed:\n{err[-4000:]}")
    return json.loads((out / "train_history.json").read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheels", type=Path, default=ROOT / "wheels" / "gpu")
    parser.add_argument("--work", type=Path, default=Path("/tmp/kosent-gpu-check"))
    parser.add_argument(
        "--backends",
        default=f"jax,torch,{REFERENCE}",
        help=f"Keras backends of pretrain.train, and {REFERENCE!r}: bench.common.reference_trainer "
        "(plain PyTorch on HF's modules, bf16 autocast, fused AdamW), the yardstick",
    )
    parser.add_argument(
        "--reference-device", help="for the reference trainer (default: cuda; cpu with --shrink)"
    )
    parser.add_argument("--steps", type=int, default=40, help="timed steps per run")
    parser.add_argument("--warmup-steps", type=int, default=10, help="untimed (compilation)")
    parser.add_argument("--shrink", action="store_true", help="tiny sizes, for a CPU")
    parser.add_argument("--peak-tflops", type=float, help="the chip's dense bf16 peak")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="also train each size on this many processes, one GPU each (a multi-GPU machine)",
    )
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    started = time.monotonic()
    install_wheels(args.wheels)
    from pretrain.train.config import config_from_dict

    work = args.work
    corpus = bundled_corpus(work)
    vocab = work / "vocab"
    run(["-m", "vocab.build", "--corpus", str(corpus), "--out", str(vocab), "--vocab-size", "8000"])
    vocab_size = len((vocab / "vocab.txt").read_text(encoding="utf-8").splitlines())
    rows = []
    last_run = None
    for size, seq, batch in SHRUNK if args.shrink else RUNS:
        records = work / f"records-{seq}"
        if not (records / "manifest.json").exists():
            run(
                ["-m", "pretrain.tfrecords", "--corpus-dir", str(corpus), "--vocab-file"]
                + [str(vocab / "vocab.txt"), "--output-dir", str(records)]
                + ["--max-seq-length", str(seq), "--pack-across-docs"]
            )
        raw = {
            "model_size": size,
            "vocab_size": vocab_size,
            "max_seq_length": seq,
            "train_batch_size": batch,
            "learning_rate": 5e-4,
            "num_warmup_steps": 10,
            "num_train_steps": args.warmup_steps + args.steps,
            "log_every_steps": args.warmup_steps,
            "save_checkpoints_steps": args.warmup_steps + args.steps,
            "mixed_precision": True,
            "keep_checkpoint_max": 1,
        }
        if args.steps % args.warmup_steps:
            sys.exit("gpu_check: --steps must be a multiple of --warmup-steps")
        config = config_from_dict(raw)
        flops = train_flops_per_token(config)
        for backend in args.backends.split(","):
            out = work / f"run-{backend}-{size}"
            subprocess.run(["rm", "-rf", str(out)], check=True)
            config_path = work / f"{size}.json"
            config_path.write_text(json.dumps(raw))
            result_path = work / f"result-{backend}-{size}.json"
            if backend == REFERENCE:
                device = args.reference_device or ("cpu" if args.shrink else "cuda")
                result = reference_run(config_path, records, out, device)
            else:
                run(
                    ["-m", "bench.gpu_check", "--child", backend, str(config_path), str(records)]
                    + [str(out), str(result_path)]
                )
                result = json.loads(result_path.read_text())
            timed = result["history"][1:]  # the first window holds compilation
            examples_per_s = sum(w["examples_per_second"] for w in timed) / len(timed)
            tokens_per_s = examples_per_s * seq
            peak = peak_tflops(result["device"], args.peak_tflops)
            mfu = flops * tokens_per_s / (peak * 1e12) if peak else None
            rows.append(
                {
                    "backend": backend,
                    "size": size,
                    "seq": seq,
                    "batch": batch,
                    "device": result["device"],
                    "tokens_per_s": round(tokens_per_s),
                    "step_ms": round(1000 * batch / examples_per_s, 1),
                    "peak_memory_gb": result["peak_bytes"] and round(result["peak_bytes"] / 1e9, 2),
                    "memory_is_host_rss": result["peak_is_host_rss"],
                    "gflops_per_token": float(f"{flops / 1e9:.4g}"),
                    "mfu": round(mfu, 3) if mfu is not None else None,
                    "final_loss": round(result["history"][-1]["loss"], 3),
                }
            )
            print(json.dumps(rows[-1]), flush=True)
            if backend != REFERENCE:
                last_run = out
            if backend != REFERENCE and args.processes > 1:
                history = multi_process(backend, raw, records, work, args.processes)["history"]
                timed = history[1:]
                rate = sum(w["examples_per_second"] for w in timed) / len(timed) * seq
                rows.append(
                    {
                        "backend": backend,
                        "size": size,
                        "processes": args.processes,
                        "tokens_per_s": round(rate),
                        "one_process_tokens_per_s": round(tokens_per_s),
                        "scaling_efficiency": round(rate / (args.processes * tokens_per_s), 3),
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
        for row in speed_ratios([r for r in rows if r["size"] == size]):
            rows.append(row)
            print(json.dumps(row), flush=True)
    run(["-m", "pretrain.export", str(last_run)])
    check = (
        "from transformers import ElectraForPreTraining, ElectraTokenizer; import torch; "
        f"path = {str(last_run / 'hf' / 'discriminator')!r}; "
        "model = ElectraForPreTraining.from_pretrained(path).eval(); "
        "tok = ElectraTokenizer.from_pretrained(path); "
        "inputs = tok('정말 재밌어요', return_tensors='pt'); "
        "print('transformers loads the export: logits', tuple(model(**inputs).logits.shape))"
    )
    print(run(["-c", check]).strip())
    summary = work / "gpu_check.json"
    summary.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"gpu_check: {len(rows)} runs in {time.monotonic() - started:.0f}s -> {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
