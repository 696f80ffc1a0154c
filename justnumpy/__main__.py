"""`python -m justnumpy` is the same as the `justnumpy` command."""

import sys

from justnumpy.cli import main

sys.exit(main())
