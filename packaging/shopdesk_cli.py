"""Entry point of the frozen console executable (`shopdesk`; `shopdesk-cli` on Windows and
macOS): the same command line as the installed `shopdesk` (app.cli:main)."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
