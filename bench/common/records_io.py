"""Read ELECTRA pretraining TFRecords without TensorFlow, for the reference trainer and the
benchmarks.

The frames (length, record, their masked CRC-32Cs) are split and checked by
`pretrain.tfrecords.tfrecord_file`, the one place the framing is written. The records are
parsed independently of pretrain/: each is a `tf.train.Example` whose features `input_ids`,
`input_mask` and `segment_ids` are int64 lists, read with protobuf message classes built here
from a descriptor (the three messages of tensorflow/core/example/{example,feature}.proto that we
need), not with pretrain.train's own varint parser.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from pretrain.tfrecords.tfrecord_file import read_records as read_frames

FEATURES = ("input_ids", "input_mask", "segment_ids")


def _example_class():
    F = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(
        name="bench_tf_example.proto", package="benchtf", syntax="proto3"
    )

    def message(name, *fields, nested=()):
        msg = (
            proto.message_type.add(name=name)
            if not nested
            else nested[0].nested_type.add(name=name)
        )
        for number, field_spec in enumerate(fields, 1):
            if field_spec is None:
                continue
            field, kind, label, type_name = field_spec
            added = msg.field.add(name=field, number=number, type=kind, label=label)
            if type_name:
                added.type_name = type_name
        return msg

    message("Int64List", ("value", F.TYPE_INT64, F.LABEL_REPEATED, ""))
    message(
        "Feature",
        None,  # bytes_list = 1 and float_list = 2: not used by these records, kept as unknown
        None,
        ("int64_list", F.TYPE_MESSAGE, F.LABEL_OPTIONAL, ".benchtf.Int64List"),
    )
    features = message("Features")
    entry = message(
        "FeatureEntry",
        ("key", F.TYPE_STRING, F.LABEL_OPTIONAL, ""),
        ("value", F.TYPE_MESSAGE, F.LABEL_OPTIONAL, ".benchtf.Feature"),
        nested=(features,),
    )
    entry.options.map_entry = True
    features.field.add(
        name="feature",
        number=1,
        type=F.TYPE_MESSAGE,
        label=F.LABEL_REPEATED,
        type_name=".benchtf.Features.FeatureEntry",
    )
    message("Example", ("features", F.TYPE_MESSAGE, F.LABEL_OPTIONAL, ".benchtf.Features"))
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("benchtf.Example"))


Example = _example_class()


def read_records(path: str | Path) -> list[bytes]:
    """The records of one TFRecord file, both CRCs of each checked (a `CorruptRecordsError`,
    a ValueError, names the file and the byte where one fails)."""
    return read_frames(str(path))


def parse_example(data: bytes) -> dict[str, list[int]]:
    example = Example.FromString(data)
    return {k: list(v.int64_list.value) for k, v in example.features.feature.items()}


def record_files(records_dir: str | Path) -> list[Path]:
    """The files manifest.json lists (pretrain.tfrecords), else every non-hidden file."""
    folder = Path(records_dir)
    manifest = folder / "manifest.json"
    if manifest.exists():
        return [folder / entry["file"] for entry in json.loads(manifest.read_text())["files"]]
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def load_examples(records_dir: str | Path, limit: int | None = None) -> dict[str, np.ndarray]:
    """All examples as int32 arrays [n, max_seq_length] (files in order)."""
    rows: dict[str, list[list[int]]] = {k: [] for k in FEATURES}
    for path in record_files(records_dir):
        for data in read_records(path):
            example = parse_example(data)
            for key in FEATURES:
                rows[key].append(example[key])
            if limit and len(rows["input_ids"]) >= limit:
                break
        if limit and len(rows["input_ids"]) >= limit:
            break
    if not rows["input_ids"]:
        raise ValueError(f"{records_dir}: no examples")
    return {k: np.asarray(v, dtype=np.int32) for k, v in rows.items()}
