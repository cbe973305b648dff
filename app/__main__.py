"""`python -m app` is the `shopdesk` command."""

import sys

from app.cli import main

sys.exit(main())
