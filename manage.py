#!/usr/bin/env python
from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from workspace import embedded

    if embedded.missing() and embedded.wanted(sys.argv):
        embedded.ensure_services()
        if sys.argv[1:2] != ["demo"]:  # the quick start stops what it started itself
            import atexit

            atexit.register(embedded.stop_embedded)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
