import sys

from pretrain.tfrecords.cli import main

sys.exit(main())
