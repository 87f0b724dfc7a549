#!/usr/bin/env python
"""Django's command-line utility."""
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiers_payant.settings")
    import pghistory
    from django.core.management import execute_from_command_line

    # Audit trail: whatever a command changes (run_matching, import_file, shell…) says which.
    with pghistory.context(command=sys.argv[1] if len(sys.argv) > 1 else ""):
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
