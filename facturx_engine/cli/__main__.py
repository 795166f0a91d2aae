"""``python -m facturx_engine.cli``."""

import sys

from facturx_engine.cli.commands import main

sys.exit(main())
