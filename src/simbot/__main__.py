"""``python -m simbot``: the same as the ``simbot`` command."""

import sys

from simbot.cli import main

sys.exit(main())
