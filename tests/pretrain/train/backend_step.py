"""One training step on the backend named in argv, for tests/pretrain/train/test_backends.py:
`python tests/pretrain/train/backend_step.py BACKEND CONFIG RECORDS INIT.npz OUT.npz`. Loads the
initial weights from INIT.npz (writes its own there first when it does not exist), takes the
first batch of the records, and saves the metrics and every variable after the step."""

import os
import sys

os.environ["KERAS_BACKEND"] = sys.argv[1]

import numpy as np  # noqa: E402

from pretrain.tfrecords.schema import RecordsManifest, record_files  # noqa: E402
from pretrain.train import backends  # noqa: E402
from pretrain.train.config import load_config  # noqa: E402
from pretrain.train.loop import build, variable_names  # noqa: E402
from pretrain.train.objective import electra_losses  # noqa: E402
from pretrain.train.record_reader import RecordReader  # noqa: E402


def main(config_path: str, records: str, init: str, out: str) -> None:
    manifest = RecordsManifest.read(records)
    config = load_config(config_path).with_records(manifest)
    backend = backends.load()
    model, optimizer, _ = build(config, backend)
    names = variable_names(model)
    trainer = backend.Trainer(
        model, optimizer, lambda b, s: electra_losses(model, b, config, [0, 2, 3], 4, s)
    )
    if os.path.exists(init):
        with np.load(init) as archive:
            trainer.assign([archive[n] for n in names], trainer.values()[1])
    else:
        np.savez(init, **dict(zip(names, trainer.values()[0], strict=True)))
    files = record_files(records, manifest)
    batch = RecordReader(files, config.max_seq_length, config.train_batch_size, 0).next_batch()
    metrics = trainer.step(batch, 3)
    values = dict(zip(names, trainer.values()[0], strict=True))
    from keras import ops

    metrics = {f"metric/{k}": ops.convert_to_numpy(v) for k, v in metrics.items()}
    np.savez(out, **values, **metrics, replicas=np.array(backend.replicas()))


if __name__ == "__main__":
    main(*sys.argv[2:])
