import sys

from pretrain.train.loop import main

sys.exit(main())
