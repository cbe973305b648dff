"""Entry point of the frozen windowed executable `ShopDesk`: opens the desktop program.

`ShopDesk`, `ShopDesk --db FILE`, `ShopDesk --db FILE --screenshots DIR` and the CLI spelling
`ShopDesk --db FILE gui --screenshots DIR` all run `shopdesk gui ...`."""

import sys

from app.cli import main


def gui_argv(argv: list[str]) -> list[str]:
    # macOS Finder (before 10.9) passes a process serial number: not ours.
    args = [a for a in argv if not a.startswith("-psn_")]
    if "gui" in args or any(a in ("-h", "--help", "--version") for a in args):
        return args
    return ["gui", *args]


if __name__ == "__main__":
    sys.exit(main(gui_argv(sys.argv[1:])))
