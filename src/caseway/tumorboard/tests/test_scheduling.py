"""The agenda scheduler on hand-made boards: hard rules, priorities, order, stability, optimality.

Plain data, no database. Every instance is small, so CP-SAT proves its optimum in milliseconds.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import itertools
import random
from pathlib import Path

import pytest

from caseway.tumorboard import scheduling
from caseway.tumorboard.scheduling import (
    NO_MEETING_WITH_QUORUM,
    NO_ROOM,
    PINNED_MEETING_UNAVAILABLE,
    REASONS,
    SPECIALIST_UNAVAILABLE,
    WRONG_BOARD,
    Case,
    Meeting,
    Placement,
    Schedule,
    evaluate,
    explain,
    greedy,
    guest_waiting,
    order_cases,
    solve,
)

TODAY = dt.date(2026, 11, 30)  # a Monday
SEOUL = dt.timezone(dt.timedelta(hours=9))
CORE = frozenset({"gynecologic_oncology", "radiology", "pathology", "medical_oncology"})
HPB = "hepatobiliary_pancreatic_surgery"


def meeting(
    id: int,
    day: int = 0,
    *,
    board: int = 1,
    minutes: int = 90,
    present: frozenset[str] = CORE,
    guests: tuple[str, ...] = (),
    locked: bool = False,
) -> Meeting:
    return Meeting(
        id=id,
        board_id=board,
        starts_at=dt.datetime.combine(TODAY + dt.timedelta(days=day), dt.time(17), SEOUL),
        minutes=minutes,
        present=present,
        guests_present=frozenset(guests),
        locked=locked,
    )


def case(
    id: int,
    *,
    board: int = 1,
    minutes: int = 4,
    urgency: int = 0,
    deadline: int | None = None,
    specialists: tuple[str, ...] = (),
    guests: tuple[str, ...] = (),
    pinned_to: int | None = None,
    current: int | None = None,
) -> Case:
    return Case(
        id=id,
        board_id=board,
        minutes=minutes,
        urgency=urgency,
        deadline=None if deadline is None else TODAY + dt.timedelta(days=deadline),
        quorum=CORE,
        specialists=frozenset(specialists),
        guests=frozenset(guests),
        pinned_to=pinned_to,
        current=current,
    )


def where(schedule: Schedule) -> dict[int, int]:
    return schedule.assignment()


def agenda(schedule: Schedule, meeting_id: int) -> list[int]:
    return [p.case_id for p in schedule.by_meeting().get(meeting_id, [])]


def minutes_at(schedule: Schedule, cases: list[Case], meeting_id: int) -> int:
    by_id = {c.id: c for c in cases}
    return sum(by_id[cid].minutes for cid in agenda(schedule, meeting_id))


# --- hard rules ----------------------------------------------------------------------------------
def test_meeting_minutes_are_never_exceeded() -> None:
    meetings = [meeting(1, 0, minutes=30), meeting(2, 7, minutes=20)]
    cases = [case(n, minutes=(4, 8, 12)[n % 3]) for n in range(1, 13)]  # 96 minutes asked
    schedule = solve(meetings, cases, today=TODAY)
    assert minutes_at(schedule, cases, 1) <= 30
    assert minutes_at(schedule, cases, 2) <= 20
    assert set(schedule.left_out.values()) == {NO_ROOM}
    assert len(schedule.placements) + len(schedule.left_out) == len(cases)
    # no room is wasted that a left-out case could use
    smallest_left = min(c.minutes for c in cases if c.id in schedule.left_out)
    assert 30 - minutes_at(schedule, cases, 1) < smallest_left
    assert 20 - minutes_at(schedule, cases, 2) < smallest_left


def test_a_case_longer_than_any_meeting_is_left_out() -> None:
    schedule = solve([meeting(1, minutes=10)], [case(1, minutes=12)], today=TODAY)
    assert schedule.left_out == {1: NO_ROOM}


def test_cases_only_go_to_meetings_with_their_quorum() -> None:
    no_pathology = CORE - {"pathology"}
    meetings = [meeting(1, 0, present=no_pathology), meeting(2, 7)]
    cases = [case(n) for n in range(1, 4)]
    schedule = solve(meetings, cases, today=TODAY)
    assert agenda(schedule, 1) == []
    assert sorted(agenda(schedule, 2)) == [1, 2, 3]


def test_a_case_needing_a_specialist_goes_only_where_the_specialist_is() -> None:
    meetings = [meeting(1, 0), meeting(2, 7, present=CORE | {HPB}), meeting(3, 14)]
    cases = [case(1, specialists=(HPB,), urgency=2, deadline=2), case(2)]
    schedule = solve(meetings, cases, today=TODAY)
    # urgent and due before the first meeting's week is out, yet it waits for the surgeon
    assert where(schedule)[1] == 2
    assert where(schedule)[2] == 1


def test_without_the_specialist_anywhere_the_reason_is_specialist_unavailable() -> None:
    meetings = [meeting(1, 0), meeting(2, 7)]
    schedule = solve(meetings, [case(1, specialists=(HPB,)), case(2)], today=TODAY)
    assert schedule.left_out == {1: SPECIALIST_UNAVAILABLE}
    assert where(schedule) == {2: 1}


def test_a_guest_case_goes_only_to_a_meeting_the_guest_can_come_to() -> None:
    meetings = [meeting(1, 0), meeting(2, 7, guests=("dr-kim",)), meeting(3, 14)]
    cases = [case(1, guests=("dr-kim",)), case(2, guests=("dr-lee",))]
    schedule = solve(meetings, cases, today=TODAY)
    assert where(schedule) == {1: 2}
    assert schedule.left_out == {2: SPECIALIST_UNAVAILABLE}


def test_cases_only_go_to_meetings_of_their_board() -> None:
    meetings = [meeting(1, 0, board=1, minutes=4), meeting(2, 0, board=2)]
    schedule = solve(meetings, [case(1, board=1), case(2, board=1)], today=TODAY)
    assert set(where(schedule).values()) == {1}
    assert schedule.left_out == {2: NO_ROOM}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_random_month_breaks_no_rule(seed: int) -> None:
    rng = random.Random(seed)
    departments = sorted(CORE | {HPB})
    meetings = [
        meeting(
            n,
            7 * (n // 2),
            board=1 + n % 2,
            minutes=rng.choice((30, 45, 60)),
            present=frozenset(d for d in departments if rng.random() < 0.9),
            guests=tuple(g for g in ("dr-kim", "dr-lee") if rng.random() < 0.5),
        )
        for n in range(8)
    ]
    cases = [
        case(n, board=rng.choice((1, 2)), minutes=rng.choice((4, 4, 8, 12)),
             urgency=rng.choice((0, 0, 1, 2)), deadline=rng.choice((None, 5, 12, 20)),
             specialists=(HPB,) if rng.random() < 0.2 else (),
             guests=(rng.choice(("dr-kim", "dr-lee")),) if rng.random() < 0.2 else ())
        for n in range(1, 61)
    ]  # fmt: skip
    schedule = solve(meetings, cases, today=TODAY)
    metrics = evaluate(meetings, cases, schedule)
    assert (metrics.quorum_violations, metrics.guest_absences) == (0, 0)
    assert all(minutes_at(schedule, cases, m.id) <= m.minutes for m in meetings)
    board_of = {m.id: m.board_id for m in meetings}
    placed = schedule.assignment()
    assert all(board_of[placed[c.id]] == c.board_id for c in cases if c.id in placed)
    assert all(schedule.meeting_of(c) is None for c in schedule.left_out)
    assert metrics.scheduled + metrics.left_out == len(cases)
    assert schedule.status == "optimal"


# --- priorities ----------------------------------------------------------------------------------
def test_urgent_cases_win_when_room_is_short() -> None:
    meetings = [meeting(1, 0, minutes=16)]
    cases = [case(1, minutes=8), case(2, minutes=8, urgency=2), case(3, minutes=8, urgency=1)]
    schedule = solve(meetings, cases, today=TODAY)
    assert sorted(where(schedule)) == [2, 3]
    assert schedule.left_out == {1: NO_ROOM}


def test_one_urgent_case_outweighs_three_routine_ones() -> None:
    meetings = [meeting(1, 0, minutes=12)]
    cases = [case(1), case(2), case(3), case(4, minutes=12, urgency=2)]
    schedule = solve(meetings, cases, today=TODAY)
    assert where(schedule) == {4: 1}


def test_urgent_cases_get_the_earlier_meeting_and_go_first_on_the_agenda() -> None:
    meetings = [meeting(1, 0, minutes=8), meeting(2, 7, minutes=16)]
    cases = [case(1, minutes=8), case(2, minutes=8, urgency=2)]
    schedule = solve(meetings, cases, today=TODAY)
    assert where(schedule) == {2: 1, 1: 2}
    one_meeting = solve([meeting(1, 0)], [case(1), case(2, urgency=1), case(3)], today=TODAY)
    assert agenda(one_meeting, 1) == [2, 1, 3]


def test_deadlines_are_met_when_possible() -> None:
    meetings = [meeting(1, 0, minutes=8), meeting(2, 7, minutes=8)]
    cases = [case(1, minutes=8, deadline=20), case(2, minutes=8, deadline=3)]
    schedule = solve(meetings, cases, today=TODAY)
    assert where(schedule) == {2: 1, 1: 2}
    assert not any(p.late for p in schedule.placements)


def test_lateness_is_flagged_when_it_cannot_be_avoided() -> None:
    meetings = [meeting(1, 7)]
    schedule = solve(meetings, [case(1, deadline=3), case(2, deadline=10)], today=TODAY)
    late = {p.case_id: p.late for p in schedule.placements}
    assert late == {1: True, 2: False}


def test_when_room_is_short_cases_due_within_the_period_are_kept() -> None:
    meetings = [meeting(1, 0, minutes=4), meeting(2, 7, minutes=4)]
    cases = [case(1, deadline=40), case(2, deadline=12), case(3, deadline=5)]
    schedule = solve(meetings, cases, today=TODAY)
    assert where(schedule) == {3: 1, 2: 2}
    assert schedule.left_out == {1: NO_ROOM}


# --- coordinators' decisions ---------------------------------------------------------------------
def test_a_pinned_case_goes_to_its_meeting_even_if_an_earlier_one_has_room() -> None:
    meetings = [meeting(1, 0), meeting(2, 7), meeting(3, 14)]
    schedule = solve(meetings, [case(1, urgency=2, pinned_to=3), case(2)], today=TODAY)
    assert where(schedule) == {1: 3, 2: 1}


def test_a_pinned_case_takes_its_place_before_unpinned_ones() -> None:
    meetings = [meeting(1, 0, minutes=8)]
    cases = [case(1, minutes=8, urgency=2, deadline=1), case(2, minutes=8, pinned_to=1)]
    schedule = solve(meetings, cases, today=TODAY)
    assert where(schedule) == {2: 1}


@pytest.mark.parametrize(
    "pinned_meeting",
    [
        meeting(2, 7, locked=True),  # closed
        meeting(2, 7, board=2),  # another board's
        meeting(2, 7, present=CORE - {"radiology"}),  # without its quorum
    ],
    ids=["locked", "other-board", "no-quorum"],
)
def test_a_case_pinned_to_a_meeting_it_cannot_go_to_is_reported(pinned_meeting: Meeting) -> None:
    meetings = [meeting(1, 0), pinned_meeting]
    schedule = solve(meetings, [case(1, pinned_to=2)], today=TODAY)
    assert schedule.left_out == {1: PINNED_MEETING_UNAVAILABLE}


def test_a_case_pinned_to_a_meeting_not_planned_is_reported() -> None:
    schedule = solve([meeting(1, 0)], [case(1, pinned_to=99)], today=TODAY)
    assert schedule.left_out == {1: PINNED_MEETING_UNAVAILABLE}


def test_a_locked_meeting_keeps_its_cases_and_takes_no_new_ones() -> None:
    meetings = [meeting(1, 0, locked=True, present=CORE - {"pathology"}), meeting(2, 7)]
    cases = [
        case(1, current=1),  # kept even though pathology has since sent apologies
        case(2, current=1, pinned_to=2),  # published and closed: the pin comes too late
        case(3, urgency=2, deadline=1),  # urgent, but the first meeting is closed
        case(4, current=2),
    ]
    schedule = solve(meetings, cases, today=TODAY)
    assert sorted(agenda(schedule, 1)) == [1, 2]
    assert sorted(agenda(schedule, 2)) == [3, 4]


def test_the_only_meetings_being_locked_leaves_cases_out_for_lack_of_room() -> None:
    schedule = solve([meeting(1, 0, locked=True)], [case(1)], today=TODAY)
    assert schedule.left_out == {1: NO_ROOM}
    assert schedule.placements == []


def test_solving_again_with_nothing_changed_keeps_every_case_where_it_is() -> None:
    rng = random.Random(7)
    meetings = [meeting(n, 7 * (n - 1), minutes=40) for n in range(1, 5)]
    cases = [
        case(n, minutes=rng.choice((4, 4, 8, 12)), urgency=rng.choice((0, 0, 1, 2)),
             deadline=rng.randint(3, 30))
        for n in range(1, 41)
    ]  # fmt: skip
    first = solve(meetings, cases, today=TODAY, relative_gap=0.0)
    assert first.status == "optimal"
    previous = first.assignment()
    again = [dataclasses.replace(c, current=previous.get(c.id)) for c in cases]
    second = solve(meetings, again, today=TODAY, relative_gap=0.0)
    assert second.assignment() == previous
    assert second.left_out == first.left_out


def test_a_case_is_not_moved_for_a_few_days_unless_it_is_urgent() -> None:
    meetings = [meeting(1, 0), meeting(2, 7)]
    cases = [case(1, current=2), case(2, urgency=2, current=2)]
    schedule = solve(meetings, cases, today=TODAY)
    assert where(schedule) == {1: 2, 2: 1}


def test_a_new_urgent_case_moves_as_few_cases_as_it_must() -> None:
    meetings = [meeting(1, 0, minutes=12), meeting(2, 7, minutes=12)]
    cases = [case(1, current=1), case(2, current=1), case(3, current=1), case(4, current=2)]
    cases.append(case(5, urgency=2, deadline=3))
    schedule = solve(meetings, cases, today=TODAY)
    placed = where(schedule)
    assert placed[5] == 1
    assert placed[4] == 2
    assert [placed[n] for n in (1, 2, 3)].count(2) == 1  # exactly one routine case moved


# --- order within a meeting ----------------------------------------------------------------------
GUEST_CASES = [
    case(1, minutes=8, urgency=2),  # no guest: after all guests, urgent first
    case(2, minutes=4, guests=("dr-kim",)),
    case(3, minutes=12, guests=("dr-lee",)),
    case(4, minutes=4, guests=("dr-kim",)),
    case(5, minutes=4, guests=("dr-park",)),
    case(6, minutes=4),
]


def test_guest_cases_come_first_grouped_shortest_group_first() -> None:
    order = [c.id for c in order_cases(GUEST_CASES)]
    assert order == [5, 2, 4, 3, 1, 6]  # dr-park (4 min), dr-kim (8), dr-lee (12), the rest
    assert guest_waiting(order_cases(GUEST_CASES)) == {"dr-kim": 4, "dr-lee": 12, "dr-park": 0}


def test_the_guest_order_is_the_least_waiting_of_all_orders() -> None:
    ours = sum(guest_waiting(order_cases(GUEST_CASES)).values())
    every = [sum(guest_waiting(p).values()) for p in itertools.permutations(GUEST_CASES)]
    assert ours == min(every) == 16
    longest_first = [GUEST_CASES[i] for i in (2, 1, 3, 4, 0, 5)]
    assert sum(guest_waiting(longest_first).values()) > ours


def test_guests_sharing_a_case_are_one_group() -> None:
    cases = [
        case(1, minutes=4, guests=("dr-a",)),
        case(2, minutes=4, guests=("dr-c",)),
        case(3, minutes=4, guests=("dr-a", "dr-b")),
        case(4, minutes=4, guests=("dr-b",)),
    ]
    order = [c.id for c in order_cases(cases)]
    assert order[0] == 2  # dr-c alone: 4 minutes for one guest, before 12 minutes for two
    assert sorted(order[1:]) == [1, 3, 4]


def test_the_solver_publishes_agendas_in_that_order_with_start_times() -> None:
    guests = ("dr-kim", "dr-lee", "dr-park")
    schedule = solve([meeting(1, 0, guests=guests)], GUEST_CASES, today=TODAY)
    assert schedule.by_meeting()[1] == [
        Placement(5, 1, 1, 0, False),
        Placement(2, 1, 2, 4, False),
        Placement(4, 1, 3, 8, False),
        Placement(3, 1, 4, 12, False),
        Placement(1, 1, 5, 24, False),
        Placement(6, 1, 6, 32, False),
    ]
    assert (
        evaluate([meeting(1, 0, guests=guests)], GUEST_CASES, schedule).guest_waiting_minutes == 16
    )


# --- optimality ----------------------------------------------------------------------------------
WAIT, LATE, LATE_DAY, OUT = (1, 3, 10), (1000, 2000, 4000), (10, 20, 40), (1000, 2000, 4000)


def documented_cost(c: Case, day: dt.date | None, next_sitting: dt.date) -> int:
    """The objective as the module docstring states it, written out independently."""
    when = day or next_sitting
    cost = WAIT[c.urgency] * min(60, max(0, (when - TODAY).days))
    if c.deadline is not None and when > c.deadline:
        cost += LATE[c.urgency] + LATE_DAY[c.urgency] * min(
            60, (when - max(c.deadline, TODAY)).days
        )
    return cost + (OUT[c.urgency] if day is None else 0)


def test_the_solver_finds_the_optimum_found_by_enumerating_every_assignment() -> None:
    meetings = [
        meeting(1, 0, minutes=12),
        meeting(2, 7, minutes=16, present=CORE | {HPB}),
        meeting(3, 14, minutes=12, guests=("dr-kim",)),
    ]
    cases = [
        case(1, minutes=8, urgency=0, deadline=10),
        case(2, minutes=12, urgency=1, deadline=5),
        case(3, minutes=4, urgency=2, deadline=2, specialists=(HPB,)),
        case(4, minutes=8, urgency=0),
        case(5, minutes=4, urgency=1, deadline=16, guests=("dr-kim",)),
        case(6, minutes=12, urgency=0, deadline=8),
        case(7, minutes=4, urgency=2, deadline=9),
    ]
    next_sitting = TODAY + dt.timedelta(days=21)
    best = None
    for choice in itertools.product([None, *meetings], repeat=len(cases)):
        load = {m.id: 0 for m in meetings}
        feasible = True
        for c, m in zip(cases, choice, strict=True):
            if m is None:
                continue
            load[m.id] += c.minutes
            feasible &= c.needs <= m.present and c.guests <= m.guests_present
        if not feasible or any(load[m.id] > m.minutes for m in meetings):
            continue
        cost = sum(
            documented_cost(c, None if m is None else m.day, next_sitting)
            for c, m in zip(cases, choice, strict=True)
        )
        best = cost if best is None else min(best, cost)
    schedule = solve(meetings, cases, today=TODAY, relative_gap=0.0)
    assert schedule.status == "optimal"
    assert schedule.gap == 0.0
    assert schedule.objective == best
    days = {m.id: m.day for m in meetings}
    placed = where(schedule)
    ours = sum(
        documented_cost(c, days[placed[c.id]] if c.id in placed else None, next_sitting)
        for c in cases
    )
    assert ours == best


# --- the baseline --------------------------------------------------------------------------------
def test_greedy_fills_the_earliest_meeting_by_deadline_checking_minutes_only() -> None:
    no_pathology = CORE - {"pathology"}
    meetings = [meeting(1, 0, minutes=8, present=no_pathology), meeting(2, 7, minutes=12)]
    cases = [
        case(1, minutes=4, deadline=20, guests=("dr-kim",)),
        case(2, minutes=4, deadline=5),
        case(3, minutes=4, urgency=2, deadline=5),
        case(4, minutes=8, deadline=6, specialists=(HPB,)),
        case(5, minutes=8),
    ]
    baseline = greedy(meetings, cases, today=TODAY)
    assert baseline.status == "greedy"
    assert baseline.bound is None
    assert agenda(baseline, 1) == [3, 2]  # same deadline: urgent first
    assert agenda(baseline, 2) == [4, 1]  # in the order placed: the guest's case not first
    assert baseline.left_out == {5: NO_ROOM}
    metrics = evaluate(meetings, cases, baseline)
    assert metrics.quorum_violations == 3  # 2 and 3 without pathology, 4 without the surgeon
    assert metrics.guest_absences == 1
    assert metrics.guest_waiting_minutes == 8
    solved = evaluate(meetings, cases, solve(meetings, cases, today=TODAY))
    assert (solved.quorum_violations, solved.guest_absences) == (0, 0)


def test_greedy_and_the_solver_agree_when_first_fit_is_already_best() -> None:
    meetings = [meeting(1, 0, minutes=8), meeting(2, 7, minutes=8)]
    cases = [case(1, deadline=3), case(2, deadline=4), case(3, deadline=9), case(4, deadline=10)]
    baseline = greedy(meetings, cases, today=TODAY)
    solved = solve(meetings, cases, today=TODAY)
    assert baseline.assignment() == solved.assignment() == {1: 1, 2: 1, 3: 2, 4: 2}
    assert baseline.objective == solved.objective


# --- reasons, empty inputs, determinism ----------------------------------------------------------
def test_each_left_out_case_gets_its_most_specific_reason() -> None:
    meetings = [
        meeting(1, 0, minutes=4),
        meeting(2, 7, board=2, present=CORE - {"radiology"}),
    ]
    cases = [
        case(1, urgency=2),
        case(2),  # no room left in meeting 1
        case(3, board=2),  # board 2 meets without radiology
        case(4, board=3),  # board 3 does not meet
        case(5, specialists=(HPB,)),
        case(6, pinned_to=42),
    ]
    schedule = solve(meetings, cases, today=TODAY)
    assert schedule.left_out == {
        2: NO_ROOM,
        3: NO_MEETING_WITH_QUORUM,
        4: WRONG_BOARD,
        5: SPECIALIST_UNAVAILABLE,
        6: PINNED_MEETING_UNAVAILABLE,
    }
    assert greedy(meetings, cases, today=TODAY).left_out[4] == WRONG_BOARD


def test_every_reason_code_has_an_explanation() -> None:
    codes = {NO_ROOM, NO_MEETING_WITH_QUORUM, WRONG_BOARD, SPECIALIST_UNAVAILABLE}
    assert codes | {PINNED_MEETING_UNAVAILABLE} == set(REASONS)
    assert all(explain(code).endswith(".") for code in REASONS)
    with pytest.raises(ValueError, match="unknown reason"):
        explain("because")


def test_empty_inputs_give_an_empty_schedule() -> None:
    nothing = solve([], [], today=TODAY)
    assert (nothing.placements, nothing.left_out, nothing.status) == ([], {}, "optimal")
    no_cases = solve([meeting(1)], [], today=TODAY)
    assert no_cases.placements == []
    no_meetings = solve([], [case(1)], today=TODAY)
    assert no_meetings.left_out == {1: WRONG_BOARD}
    assert greedy([], [], today=TODAY).placements == []
    metrics = evaluate([], [], nothing)
    assert (metrics.scheduled, metrics.deadline_misses, metrics.minutes_available) == (0, 0, 0)


def test_the_same_input_in_any_order_gives_the_same_schedule() -> None:
    rng = random.Random(3)
    meetings = [meeting(n, 7 * (n - 1), minutes=24, guests=("dr-kim",)) for n in range(1, 4)]
    cases = [
        case(n, minutes=rng.choice((4, 8)), urgency=rng.choice((0, 1, 2)),
             deadline=rng.choice((None, 3, 9, 16)),
             guests=("dr-kim",) if n % 5 == 0 else ())
        for n in range(1, 31)
    ]  # fmt: skip
    first = solve(meetings, cases, today=TODAY)
    for _ in range(3):
        rng.shuffle(cases)
        rng.shuffle(meetings)
        again = solve(meetings, cases, today=TODAY)
        assert again.placements == first.placements
        assert again.left_out == first.left_out
        assert again.objective == first.objective


def test_inputs_the_model_would_misread_are_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate case"):
        solve([meeting(1)], [case(1), case(1)], today=TODAY)
    naive = Meeting(1, 1, dt.datetime(2026, 12, 1, 17), 90, CORE)
    with pytest.raises(ValueError, match="timezone"):
        solve([naive], [], today=TODAY)
    with pytest.raises(ValueError, match="urgency"):
        greedy([meeting(1)], [case(1, urgency=3)], today=TODAY)


def test_the_engine_does_not_import_django() -> None:
    tree = ast.parse(Path(scheduling.__file__).read_text(encoding="utf-8"))
    imported = {
        name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        )
    }
    assert imported
    assert not {name for name in imported if name.split(".")[0] == "django"}
