"""`python -m pretrain.train`: parse the command line and check the extras it needs before
importing Keras and a backend (so --help and a missing extra answer at once)."""

import os
import sys

from kosent_common.extras import exits_on_missing_extra
from kosent_common.verbosity import quiet_engines, start_up_lines_filtered
from pretrain.train import require_extras
from pretrain.train.arguments import parse_args


@exits_on_missing_extra
def main() -> int:
    args = parse_args()
    require_extras()
    quiet_engines(args.verbose)  # before Keras imports its backend
    with start_up_lines_filtered(args.verbose):
        from pretrain.train.loop import run

        if os.environ["KERAS_BACKEND"] == "tensorflow":  # its CUDA probing is start-up too
            import tensorflow as tf

            tf.config.list_physical_devices()  # before set-up may still change devices

    return run(args)


sys.exit(main())
