"""`python -m core.cli`: the same as the `garment-cutout` command."""

import sys

from core.cli.main import main

sys.exit(main())
