"""Backend-neutral training state: a run folder's `checkpoints/ckpt-N.npz` (every model and
optimizer variable as an array) beside `ckpt-N.json` (step, data position, seed, backend,
variable names), and `checkpoints/latest.json` naming the newest, written last. Every file
is written atomically (kosent_common.atomic), on local disk or a URL (gs://); a save first
clears the temporary files a killed one left."""

from __future__ import annotations

import io
import json

import numpy as np

from kosent_common import storage
from kosent_common.atomic import remove_temps, write_bytes_atomic, write_json_atomic

LATEST = "latest.json"
write_bytes = write_bytes_atomic


def write_json(path: str, value: dict) -> None:
    """ASCII JSON (non-ASCII escaped), as the trainer's files have always been written."""
    write_json_atomic(path, value, ensure_ascii=True)


def read_json(path: str) -> dict:
    with storage.open_file(path) as handle:
        return json.load(handle)


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def read_npz(path: str) -> dict[str, np.ndarray]:
    with storage.open_file(path, "rb") as handle:
        data = handle.read()
    with np.load(io.BytesIO(data)) as archive:
        return {name: archive[name] for name in archive.files}


def _prune(folder: str, pattern: str, keep: int) -> None:
    prefix, suffix = pattern.split("{}")
    steps = sorted(
        int(name[len(prefix) : -len(suffix)])
        for name in storage.listdir(folder)
        if name.startswith(prefix)
        and name.endswith(suffix)
        and name[len(prefix) : -len(suffix)].isdigit()
    )
    for old in steps[:-keep]:
        storage.remove(f"{folder}/{pattern.format(old)}")


def save(
    folder: str,
    step: int,
    model_arrays: dict[str, np.ndarray],
    optimizer_arrays: list[np.ndarray],
    optimizer_names: list[str],
    meta: dict,
    keep: int,
    rng: dict[str, np.ndarray] | None = None,
) -> None:
    """`rng`: backend random-generator states that are not Keras variables (torch's global
    generator, which its dropout draws from)."""
    storage.makedirs(folder)
    remove_temps(folder)
    arrays = {f"model/{name}": value for name, value in model_arrays.items()}
    arrays |= {f"optimizer/{i:05d}": value for i, value in enumerate(optimizer_arrays)}
    arrays |= {f"rng/{name}": value for name, value in (rng or {}).items()}
    write_bytes(f"{folder}/ckpt-{step}.npz", npz_bytes(arrays))
    write_json(
        f"{folder}/ckpt-{step}.json",
        {"step": step, "optimizer_variables": optimizer_names, **meta},
    )
    write_json(f"{folder}/{LATEST}", {"step": step, "checkpoint": f"ckpt-{step}"})
    for pattern in ("ckpt-{}.npz", "ckpt-{}.json"):
        _prune(folder, pattern, keep)


def latest_meta(folder: str) -> dict | None:
    """The newest checkpoint's JSON (step, data position, what it was trained on), without
    reading its arrays; None when the folder has none."""
    if not storage.exists(f"{folder}/{LATEST}"):
        return None
    return read_json(f"{folder}/{read_json(f'{folder}/{LATEST}')['checkpoint']}.json")


def latest(folder: str) -> tuple[dict, dict, list[np.ndarray], dict] | None:
    """(meta, model arrays by variable path, optimizer arrays in order, rng states) of the
    newest checkpoint, or None when the folder has none."""
    if not storage.exists(f"{folder}/{LATEST}"):
        return None
    name = read_json(f"{folder}/{LATEST}")["checkpoint"]
    meta = read_json(f"{folder}/{name}.json")
    arrays = read_npz(f"{folder}/{name}.npz")
    model = {k.removeprefix("model/"): v for k, v in arrays.items() if k.startswith("model/")}
    optimizer = [arrays[k] for k in sorted(k for k in arrays if k.startswith("optimizer/"))]
    rng = {k.removeprefix("rng/"): v for k, v in arrays.items() if k.startswith("rng/")}
    return meta, model, optimizer, rng


def save_weights(folder: str, step: int, arrays: dict[str, np.ndarray], meta: dict, keep: int):
    """`weights/step-N.npz` + `weights/latest.json`: what `pretrain.export` reads."""
    storage.makedirs(folder)
    remove_temps(folder)
    write_bytes(f"{folder}/step-{step}.npz", npz_bytes(arrays))
    write_json(f"{folder}/latest.json", {"step": step, "weights": f"step-{step}.npz", **meta})
    _prune(folder, "step-{}.npz", keep)
