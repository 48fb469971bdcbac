"""The ``songsketch`` command: no arguments opens the desktop app; subcommands run headless."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        from songsketch.gui.app import run_app

        return run_app()
    from songsketch.cli.main import main as cli_main

    return cli_main(argv)
