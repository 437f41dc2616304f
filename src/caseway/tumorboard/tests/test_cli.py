"""``caseway tumorboard``: meetings from the pattern, the agenda it would set (and why cases
were left out), applying it, and clear errors for bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from caseway.core import versioning
from caseway.core.testing import SYSTEM
from caseway.tumorboard.models import BoardCase, Meeting, Participation
from caseway.tumorboard.tests.factories import gyn_board, ready_evidence, submit

pytestmark = pytest.mark.django_db


def test_schedule_prints_the_agenda_and_why_cases_wait(world: Any, capsys: Any) -> None:
    gyn = gyn_board(world)
    today = dt.date.today()
    start, end = today + dt.timedelta(days=2), today + dt.timedelta(days=22)
    call_command(
        "tumorboard", "meetings", "--board", gyn.board.code, "--from", str(start), "--to", str(end)
    )
    assert "3 meetings created." in capsys.readouterr().out
    for p in Participation.objects.all():
        versioning.update(SYSTEM, p, p.version, {"available": True})
    ready_evidence(world.patient_a, today)
    placed = submit(world, gyn.board, question="Interval debulking after 3 cycles?")
    waiting = submit(world, gyn.board, confirmed={}, question="Recurrence?")
    call_command(
        "tumorboard", "schedule", "--board", gyn.board.code, "--from", str(start), "--to", str(end)
    )
    out = capsys.readouterr().out
    assert "1 cases placed" in out and "solver optimal" in out
    assert "Interval debulking after 3 cycles?" in out
    assert "Left out (1):" in out and "Pathology review" in out
    assert BoardCase.objects.get(pk=placed.pk).meeting_id is None  # a preview writes nothing
    call_command(
        "tumorboard",
        "schedule",
        "--board",
        gyn.board.code,
        "--from",
        str(start),
        "--to",
        str(end),
        "--apply",
    )
    first = Meeting.objects.filter(board=gyn.board).order_by("starts_at").first()
    assert BoardCase.objects.get(pk=placed.pk).meeting == first
    assert BoardCase.objects.get(pk=waiting.pk).meeting_id is None


def test_bad_input_is_explained(world: Any) -> None:
    gyn = gyn_board(world)
    with pytest.raises(CommandError, match=r"No board with code .nope.\. Boards: gyn-board"):
        call_command(
            "tumorboard",
            "schedule",
            "--board",
            "nope",
            "--from",
            "2026-12-01",
            "--to",
            "2026-12-31",
        )
    with pytest.raises(CommandError, match="is not a date"):
        call_command(
            "tumorboard",
            "schedule",
            "--board",
            gyn.board.code,
            "--from",
            "1 Dec",
            "--to",
            "2026-12-31",
        )
    with pytest.raises(CommandError, match="--to is before --from"):
        call_command(
            "tumorboard",
            "meetings",
            "--board",
            gyn.board.code,
            "--from",
            "2026-12-31",
            "--to",
            "2026-12-01",
        )
