"""The ``caseway`` console command: every Django management command, plus Caseway's own.

``caseway setup`` prepares a database (translations, migrations, cache table);
``caseway demo`` loads the demo association; ``caseway audit verify`` checks the audit chain;
``caseway runserver``, ``caseway check --deploy`` and the rest are Django's.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caseway.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "caseway"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
