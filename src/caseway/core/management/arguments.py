"""Argument types shared by the ``caseway`` commands.

They raise ``argparse.ArgumentTypeError``, so bad input is one line naming the option (and
exit status 2) on the command line, and a ``CommandError`` through ``call_command``; a
``CommandError`` raised while the arguments are parsed would escape as a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt


def iso_date(text: str) -> dt.date:
    """A ``--today``/``--from``/``--to`` value: YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date: use YYYY-MM-DD, e.g. 2026-12-01."
        ) from None
