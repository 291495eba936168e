"""``python -m mdmkit.cli``: the same as the ``mdmkit`` command."""

import sys

from mdmkit.cli import main

sys.exit(main())
