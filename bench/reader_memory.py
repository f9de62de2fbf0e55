"""The trainer's record reader at the size users have: peak memory and CPU by input_shards.

    python -m bench.reader_memory --records DIR [--repeat 20] [--files 16] [--shards 1,16]

Writes `--files` record files, each DIR's real records `--repeat` times over (TFRecord files
concatenate; the reader neither deduplicates nor cares), with a manifest, then per shard
count reads 200 batches of 32 in a fresh process and reports its peak RSS and CPU seconds.
A shard holds one file at a time, so memory grows with input_shards x file size, not with the
corpus.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def write_records(source: Path, out: Path, files: int, repeat: int) -> float:
    """`files` files of source's records `repeat` times over; MB per file."""
    manifest = json.loads((source / "manifest.json").read_text())
    entries = [e for e in manifest["files"] if e.get("examples")]
    one = b"".join((source / e["file"]).read_bytes() for e in entries) * repeat
    per_file = sum(e["examples"] for e in entries) * repeat
    manifest["files"] = []
    for i in range(files):
        name = f"pretrain_data.tfrecord-{i:05d}-of-{files:05d}"
        (out / name).write_bytes(one)
        manifest["files"].append({"file": name, "examples": per_file})
    manifest["examples"], manifest["num_out_files"] = per_file * files, files
    (out / "manifest.json").write_text(json.dumps(manifest))
    return len(one) / 1e6


def child(records: str, shards: int) -> None:
    from pretrain.tfrecords.schema import RecordsManifest, record_files
    from pretrain.train.record_reader import RecordReader

    manifest = RecordsManifest.read(records)
    counts = [entry["examples"] for entry in manifest.files]
    started = time.process_time()
    reader = RecordReader(
        record_files(records, manifest), manifest.max_seq_length, 32, 0, shards=shards,
        counts=counts,
    )  # fmt: skip
    for _ in range(200):
        reader.next_batch()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"shards": shards, "peak_rss_mb": round(peak),
                      "cpu_s": round(time.process_time() - started, 1)}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=Path, help="records of pretrain.tfrecords")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--shards", default="1,16")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child[0], int(args.child[1]))
    with tempfile.TemporaryDirectory() as tmp:
        size = write_records(args.records, Path(tmp), args.files, args.repeat)
        print(f"{args.files} files of {size:.1f} MB ({args.files * size:.0f} MB)")
        for shards in args.shards.split(","):
            command = [sys.executable, "-m", "bench.reader_memory", "--child", tmp, shards]
            print(subprocess.run(command, check=True, capture_output=True, text=True).stdout,
                  end="")  # fmt: skip


if __name__ == "__main__":
    main()
