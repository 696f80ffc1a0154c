"""`python -m justnumpy` is the same as the `justnumpy` command."""

import sys

from justnumpy.commands import main

sys.exit(main())
