"""The access-gate contract, inherited by the tumor board's models: anonymous → sign-in,
no role → 403, another center → 404, a reader's change → 403, versions → 412/428, voiding."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.urls import reverse

from caseway.accounts.roles import Role
from caseway.core.testing import SYSTEM, GateContract, person
from caseway.tumorboard import services
from caseway.tumorboard.models import Board, BoardCase, Participation
from caseway.tumorboard.tests.factories import gyn_board, submit


def _board(world: Any) -> Board:
    return gyn_board(world).board


def _case(world: Any) -> BoardCase:
    return submit(world, _board(world))


def _participation(world: Any) -> Participation:
    import datetime as dt

    board = _board(world)
    today = dt.date.today()
    meeting = services.generate_meetings(SYSTEM, board, today, today + dt.timedelta(days=7))[0]
    row = meeting.participants.first()
    assert row is not None
    # The participant is the editor: people declare their own availability.
    clinician = row.clinician
    clinician.user = world.clinician_user_a
    clinician.save()
    return row


class TumorBoardGate(GateContract):
    namespace = "tumorboard"
    editable_in_ui = False  # edits are the board's own forms, tested in test_views

    #: pk -> the page that shows the object (boards by code, participants on their meeting)
    detail: ClassVar[Callable[[int], str]]

    def url(self, page: str, *args: Any) -> str:
        if page == "list":
            return reverse("tumorboard:board_list")
        return type(self).detail(*args)


class TestBoardGate(TumorBoardGate):
    model = Board
    api_path = "tumorboard/boards"
    target = staticmethod(_board)
    outsider = staticmethod(lambda w: w.coordinator_b)
    reader = staticmethod(lambda w: w.clinician_user_a)  # clinicians see boards
    editor = staticmethod(lambda w: w.coordinator_a)  # coordinators set them up
    change = {"duration_minutes": 60}

    detail = staticmethod(
        lambda pk: reverse("tumorboard:board_detail", args=[Board.objects.get(pk=pk).code])
    )


class TestBoardCaseGate(TumorBoardGate):
    model = BoardCase
    api_path = "tumorboard/cases"
    target = staticmethod(_case)
    outsider = staticmethod(lambda w: w.coordinator_b)
    # Registry data managers read the center's cases; clinicians and coordinators write them.
    reader = staticmethod(
        lambda w: person("dm-a@test.kr", Role.REGISTRY_DATA_MANAGER, center=w.center_a)
    )
    editor = staticmethod(lambda w: w.clinician_user_a)
    change = {"question": "Is a second-look laparoscopy needed?"}

    detail = staticmethod(lambda pk: reverse("tumorboard:case_detail", args=[pk]))


class TestParticipationGate(TumorBoardGate):
    model = Participation
    api_path = "tumorboard/participants"
    target = staticmethod(_participation)
    outsider = staticmethod(lambda w: w.coordinator_b)
    reader = staticmethod(
        lambda w: person("dm-a@test.kr", Role.REGISTRY_DATA_MANAGER, center=w.center_a)
    )
    editor = staticmethod(lambda w: w.clinician_user_a)
    change = {"available": False}

    detail = staticmethod(
        lambda pk: reverse(
            "tumorboard:meeting_detail", args=[Participation.objects.get(pk=pk).meeting_id]
        )
    )
