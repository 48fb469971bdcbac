"""Songsketch from a checkout: ``python main.py`` opens the app, ``python main.py --help`` lists
the commands. (Installed, the same is the ``songsketch`` command.)"""

from __future__ import annotations

import sys

from songsketch.cli.launch import main

if __name__ == "__main__":
    sys.exit(main())
