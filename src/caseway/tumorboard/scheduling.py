"""Tumor board agendas: which ready case is discussed at which meeting, and in what order.

Plain data in, plain data out. Nothing here imports Django, so the engine is tested and
benchmarked without a database; the services turn model rows into :class:`Meeting` and
:class:`Case` values and store the :class:`Schedule` they get back.

Assignment is an optimisation model solved with OR-Tools CP-SAT (:func:`solve`); a plain
first-fit (:func:`greedy`) is kept beside it as the baseline the benchmark compares against.
The order of cases inside a meeting is computed afterwards (:func:`order_cases`): it has a
simple optimal rule, so it does not need the solver.

Hard rules (never broken by :func:`solve`)
------------------------------------------
- a case goes to at most one meeting, and only to a meeting of its own board;
- only to a meeting whose ``present`` departments cover the case's quorum and specialists and
  whose ``guests_present`` cover its invited guests (a tumor board without, say, a radiation
  oncologist cannot recommend radiotherapy, and a case brought for the hepatobiliary surgeon's
  opinion is pointless without them);
- the minutes of the cases at a meeting never exceed the meeting's minutes;
- a pinned case goes to its pinned meeting or nowhere (a coordinator's decision is not
  second-guessed by moving the case elsewhere; it is left out and reported if it cannot be met);
- a locked meeting (agenda published and closed) keeps exactly the cases whose ``current`` is
  that meeting, whatever else they ask for, and takes no new case.

Objective (minimised; integer weights per case, by urgency routine / soon / urgent)
-----------------------------------------------------------------------------------
===========================  =============================================================
waiting                      ``WAIT_PER_DAY`` 1 / 3 / 10 per day from today to the meeting
late (meeting after the      ``LATE_COST`` 1000 / 2000 / 4000, plus ``LATE_PER_DAY``
deadline)                    10 / 20 / 40 per day late, counted from the later of the
                             deadline and today (lateness already unavoidable costs nothing
                             extra per day)
left out                     ``OUT_COST`` 1000 / 2000 / 4000, plus the waiting and lateness
                             of the next sitting after the period (``NEXT_SITTING_DAYS`` 7
                             days after its last meeting), where the case goes at the
                             earliest; a pinned case left out costs ``PINNED_OUT_COST``
                             100000 more
moved away from ``current``  ``MOVE_COST`` 30, whenever the current meeting is still one the
                             case may go to (leaving it out counts as moving it)
===========================  =============================================================

Day counts are capped at ``MAX_DAYS`` (60).

Why these weights:

- leaving a case out is priced as discussing it at the next sitting plus ``OUT_COST``; waiting
  and lateness only grow with the date, so any meeting a case may go to is cheaper than leaving
  it out by at least ``OUT_COST``: a case is never dropped to avoid being late, and when room
  is short the cases whose deadline falls within the period are the last to be left out;
- a missed deadline costs as much as a case not discussed (``LATE_COST`` = ``OUT_COST``), and
  the fixed part of either outweighs all the waiting a case can accumulate (60 days: 60 / 180
  / 600), so deadlines and discussing cases at all come before earliness;
- each step of urgency doubles the cost of leaving out and of lateness, and more than triples
  that of waiting: when room is short urgent cases win, and they get the earlier meetings;
- moving costs little next to any of that, so it yields to any real improvement, but is more
  than a week of routine waiting, so agendas do not shuffle for nothing: re-solving with
  ``current`` set to an optimal schedule, nothing else changed, returns that schedule (every
  alternative costs at least as much and now also pays for its moves).

The objective has no constant offset (0 is every case discussed today, on time), so the
relative gap CP-SAT reports is meaningful; cases no meeting is open to are left out whatever
is decided and are not counted.

Determinism: inputs are sorted, the seed is fixed and the workers' search is interleaved
(``interleave_search``), which CP-SAT documents as deterministic. The same input (in any order)
and the same ``workers`` give the same schedule, as long as the search stops on its proof or
its gap limit rather than on the wall-clock time limit.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from ortools.sat.python import cp_model

# --- weights (see the module docstring) ----------------------------------------------------------
OUT_COST = (1000, 2000, 4000)
PINNED_OUT_COST = 100_000
LATE_COST = (1000, 2000, 4000)
LATE_PER_DAY = (10, 20, 40)
WAIT_PER_DAY = (1, 3, 10)
MOVE_COST = 30
MAX_DAYS = 60
NEXT_SITTING_DAYS = 7
SEED = 20261128

# --- reason codes for cases left out (stable: callers translate them) ----------------------------
PINNED_MEETING_UNAVAILABLE = "pinned_meeting_unavailable"
NO_MEETING_WITH_QUORUM = "no_meeting_with_quorum"
SPECIALIST_UNAVAILABLE = "specialist_unavailable"
NO_ROOM = "no_room"
WRONG_BOARD = "wrong_board"

REASONS = {
    PINNED_MEETING_UNAVAILABLE: (
        "It is pinned to a meeting that is not open to it: not in the planning period, "
        "already closed, of another board, or without the departments or guests it needs."
    ),
    NO_MEETING_WITH_QUORUM: (
        "No open meeting of its board has all the departments its quorum requires."
    ),
    SPECIALIST_UNAVAILABLE: (
        "Meetings with a quorum exist, but none where its invited specialist or guest "
        "is present too."
    ),
    NO_ROOM: (
        "Meetings where it could be discussed exist, but their time is taken by cases "
        "with higher priority."
    ),
    WRONG_BOARD: "No meeting of its board is planned in the period.",
}

URGENCIES = range(len(OUT_COST))


# --- the data ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Meeting:
    """One sitting of a board, with who said they can come."""

    id: int
    board_id: int
    starts_at: datetime.datetime
    minutes: int
    present: frozenset[str]
    guests_present: frozenset[str] = frozenset()
    locked: bool = False

    @property
    def day(self) -> datetime.date:
        return self.starts_at.date()


@dataclass(frozen=True)
class Case:
    """A submitted case as the scheduler sees it: how long, how pressing, who it needs."""

    id: int
    board_id: int
    minutes: int
    urgency: int
    deadline: datetime.date | None
    quorum: frozenset[str]
    specialists: frozenset[str] = frozenset()
    guests: frozenset[str] = frozenset()
    pinned_to: int | None = None
    current: int | None = None
    submitted_on: datetime.date | None = None

    @property
    def needs(self) -> frozenset[str]:
        """Departments that must be present: the quorum and any invited specialists."""
        return self.quorum | self.specialists


@dataclass(frozen=True)
class Placement:
    case_id: int
    meeting_id: int
    position: int
    starts_after: int
    late: bool


@dataclass
class Schedule:
    placements: list[Placement]
    left_out: dict[int, str]
    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float

    def by_meeting(self) -> dict[int, list[Placement]]:
        """Placements per meeting id, in agenda order."""
        agendas: dict[int, list[Placement]] = {}
        for placement in sorted(self.placements, key=lambda p: (p.meeting_id, p.position)):
            agendas.setdefault(placement.meeting_id, []).append(placement)
        return agendas

    def meeting_of(self, case_id: int) -> int | None:
        """The meeting a case is on, or None when it was left out."""
        return next((p.meeting_id for p in self.placements if p.case_id == case_id), None)

    def assignment(self) -> dict[int, int]:
        """Case id to meeting id, e.g. to feed back as ``current`` when solving again."""
        return {p.case_id: p.meeting_id for p in self.placements}


@dataclass(frozen=True)
class Metrics:
    """What a coordinator would judge an agenda by; the same for the solver and the baseline."""

    scheduled: int
    left_out: int
    late: int  # placed at a meeting after the case's deadline
    deadline_misses: int  # late, plus left out with a deadline falling within the period
    quorum_violations: int  # placed where its quorum or specialists are missing
    guest_absences: int  # placed where one of its invited guests cannot come
    guest_waiting_minutes: int  # guests sitting through other cases before their last one
    minutes_used: int
    minutes_available: int


# --- the public functions ------------------------------------------------------------------------
def solve(
    meetings: Iterable[Meeting],
    cases: Iterable[Case],
    *,
    today: datetime.date,
    time_limit: float = 5.0,
    workers: int = 2,
    relative_gap: float = 0.01,
) -> Schedule:
    """Assign cases to meetings with CP-SAT, then order each agenda (guests first, grouped).

    Pass the meetings being planned (not those already held) and the cases ready for them.
    Stops at a proven optimum, within ``relative_gap`` of the bound, or after ``time_limit``
    seconds with the best schedule found ("feasible", with its gap). Every case has the choice
    of being left out, so the model is never infeasible; "infeasible" only reports that the
    time limit passed before any solution was found (then only locked agendas are returned).
    """
    started = time.perf_counter()
    problem = _Problem.build(meetings, cases, today)
    candidates = {cid: opts for cid, opts in problem.options.items() if opts}
    if not candidates:
        return problem.schedule(problem.kept, "optimal", 0, 0, 0.0, started, grouped=True)
    kinds = _kinds(problem, candidates)
    model, counts = _model(problem, kinds)
    solver = cp_model.CpSolver()
    _configure(solver, time_limit=time_limit, workers=workers, relative_gap=relative_gap)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return problem.schedule(problem.kept, "infeasible", None, None, None, started, True)
    values = {key: solver.value(count) for key, count in counts.items()}
    assignment = problem.kept | _decode(kinds, values)
    objective = solver.objective_value
    bound = solver.best_objective_bound
    gap = (objective - bound) / max(1.0, abs(objective))
    proven = objective - bound < 1  # integer objective: a gap under 1 is a proof
    return problem.schedule(
        assignment,
        "optimal" if proven else "feasible",
        objective,
        bound,
        0.0 if proven else gap,
        started,
        grouped=True,
    )


def greedy(meetings: Iterable[Meeting], cases: Iterable[Case], *, today: datetime.date) -> Schedule:
    """The baseline: first fit by deadline then urgency, checking capacity only.

    Cases go, in order of deadline (none last), urgency (higher first) and id, into the
    earliest meeting of their board with minutes left; a pinned case only into its pinned
    meeting. Locked meetings keep their cases and take no others, as in :func:`solve`. It
    looks at neither quorum, specialists nor guests, and keeps each agenda in the order it
    placed the cases, so the benchmark shows what the solver avoids. ``objective`` is the cost
    :func:`solve` minimises, for comparison; it counts placements that break the rules at
    face value, so it can come out below the solver's optimum.
    """
    started = time.perf_counter()
    problem = _Problem.build(meetings, cases, today)
    room = {m.id: m.minutes for m in problem.meetings if not m.locked}
    assignment = dict(problem.kept)
    free = [c for c in problem.cases if c.id not in problem.kept]
    for case in sorted(free, key=_greedy_key):
        for meeting in _greedy_candidates(problem, case):
            if room[meeting.id] >= case.minutes:
                room[meeting.id] -= case.minutes
                assignment[case.id] = meeting.id
                break
    cost = problem.cost(assignment)
    return problem.schedule(assignment, "greedy", cost, None, None, started, grouped=False)


def evaluate(meetings: Iterable[Meeting], cases: Iterable[Case], schedule: Schedule) -> Metrics:
    """Measure a schedule by the rules a coordinator cares about, whoever produced it."""
    meeting_by_id = {m.id: m for m in meetings}
    case_by_id = {c.id: c for c in cases}
    placed = [(case_by_id[p.case_id], meeting_by_id[p.meeting_id]) for p in schedule.placements]
    last_day = max((m.day for m in meeting_by_id.values()), default=datetime.date.min)
    missed_unplaced = sum(
        1 for case_id in schedule.left_out if _due_by(case_by_id[case_id], last_day)
    )
    late = sum(1 for p in schedule.placements if p.late)
    waiting = sum(
        sum(guest_waiting([case_by_id[p.case_id] for p in agenda]).values())
        for agenda in schedule.by_meeting().values()
    )
    return Metrics(
        scheduled=len(placed),
        left_out=len(schedule.left_out),
        late=late,
        deadline_misses=late + missed_unplaced,
        quorum_violations=sum(1 for c, m in placed if not c.needs <= m.present),
        guest_absences=sum(1 for c, m in placed if not c.guests <= m.guests_present),
        guest_waiting_minutes=waiting,
        minutes_used=sum(c.minutes for c, _m in placed),
        minutes_available=sum(m.minutes for m in meeting_by_id.values()),
    )


def explain(reason: str) -> str:
    """An English sentence for a left-out reason code (the caller translates codes itself)."""
    try:
        return REASONS[reason]
    except KeyError:
        raise ValueError(f"unknown reason code: {reason!r}") from None


def order_cases(cases: Sequence[Case]) -> list[Case]:
    """The order cases are discussed in at one meeting, so that guests can leave early.

    Cases with guests come first. Guests who share a case form one group (usually a group is
    one guest), and a group's cases are consecutive. Groups go in increasing order of minutes
    per guest (Smith's rule), which minimises the guests' total waiting: with one guest per
    group that is simply shortest group first. Inside a group, and after the groups, urgent
    before routine, then earlier deadline, then id.
    """
    groups = _guest_groups([c for c in cases if c.guests])
    plain = sorted((c for c in cases if not c.guests), key=_priority)
    return [case for group in groups for case in group] + plain


def guest_waiting(agenda: Sequence[Case]) -> dict[str, int]:
    """Per guest, the minutes from the meeting's start to the end of their last case that
    they spent on other cases (their own cases' minutes are not waiting)."""
    clock = 0
    last_end: dict[str, int] = {}
    own: dict[str, int] = {}
    for case in agenda:
        clock += case.minutes
        for guest in case.guests:
            last_end[guest] = clock
            own[guest] = own.get(guest, 0) + case.minutes
    return {guest: last_end[guest] - own[guest] for guest in sorted(last_end)}


# --- the problem, prepared -----------------------------------------------------------------------
@dataclass
class _Problem:
    """Sorted, checked inputs and what follows from them before any choice is made."""

    meetings: list[Meeting]
    cases: list[Case]
    today: datetime.date
    meeting_by_id: dict[int, Meeting]
    kept: dict[int, int] = field(default_factory=dict)  # case id -> locked meeting id
    options: dict[int, list[Meeting]] = field(default_factory=dict)  # free case -> meetings

    @classmethod
    def build(
        cls, meetings: Iterable[Meeting], cases: Iterable[Case], today: datetime.date
    ) -> _Problem:
        ordered_meetings = sorted(meetings, key=lambda m: (m.starts_at, m.id))
        ordered_cases = sorted(cases, key=lambda c: c.id)
        _check(ordered_meetings, ordered_cases)
        by_id = {m.id: m for m in ordered_meetings}
        problem = cls(ordered_meetings, ordered_cases, today, by_id)
        for case in ordered_cases:
            current = by_id.get(case.current) if case.current is not None else None
            if current is not None and current.locked:
                problem.kept[case.id] = current.id
            else:
                problem.options[case.id] = problem.fitting(case)
        return problem

    def fitting(self, case: Case) -> list[Meeting]:
        """Meetings the case may go to under the hard rules, earliest first."""
        if case.pinned_to is not None:
            pinned = self.meeting_by_id.get(case.pinned_to)
            allowed = [pinned] if pinned is not None and _open_to(case, pinned) else []
        else:
            allowed = [m for m in self.meetings if _open_to(case, m)]
        return [m for m in allowed if case.minutes <= m.minutes]

    def reason(self, case: Case) -> str:
        """Why a case is not on any agenda, most specific first."""
        if case.pinned_to is not None:
            pinned = self.meeting_by_id.get(case.pinned_to)
            if pinned is not None and _open_to(case, pinned):
                return NO_ROOM
            return PINNED_MEETING_UNAVAILABLE
        board = [m for m in self.meetings if m.board_id == case.board_id]
        if not board:
            return WRONG_BOARD
        open_meetings = [m for m in board if not m.locked]
        if not open_meetings:
            return NO_ROOM
        with_quorum = [m for m in open_meetings if case.quorum <= m.present]
        if not with_quorum:
            return NO_MEETING_WITH_QUORUM
        if not any(_open_to(case, m) for m in with_quorum):
            return SPECIALIST_UNAVAILABLE
        return NO_ROOM

    @property
    def next_sitting(self) -> datetime.date:
        """Where a case left out ends up at the earliest: a week after the period's last meeting."""
        last = max((m.day for m in self.meetings), default=self.today)
        return last + datetime.timedelta(days=NEXT_SITTING_DAYS)

    def timing_cost(self, case: Case, day: datetime.date) -> int:
        """Cost of discussing ``case`` on ``day``: waiting, and lateness past its deadline."""
        urgency = case.urgency
        cost = WAIT_PER_DAY[urgency] * _days(self.today, day)
        if case.deadline is not None and day > case.deadline:
            late_days = _days(max(case.deadline, self.today), day)
            cost += LATE_COST[urgency] + LATE_PER_DAY[urgency] * late_days
        return cost

    def option_cost(self, case: Case, meeting: Meeting) -> int:
        """Cost of discussing ``case`` at ``meeting`` (waiting, lateness, moving)."""
        cost = self.timing_cost(case, meeting.day)
        return cost + (MOVE_COST if self.can_stay(case) and meeting.id != case.current else 0)

    def out_cost(self, case: Case) -> int:
        """Cost of leaving ``case`` off every agenda: as if discussed at the next sitting after
        the period (so a case whose deadline falls in the period is worse to leave out than
        one that can wait), plus the heavy cost of not being discussed now."""
        cost = OUT_COST[case.urgency] + self.timing_cost(case, self.next_sitting)
        cost += PINNED_OUT_COST if case.pinned_to is not None else 0
        return cost + (MOVE_COST if self.can_stay(case) else 0)

    def can_stay(self, case: Case) -> bool:
        """True when the case's current meeting is still one it may go to."""
        return any(m.id == case.current for m in self.options.get(case.id, ()))

    def cost(self, assignment: dict[int, int]) -> int:
        """The objective :func:`solve` minimises, for any assignment.

        Only cases with a choice count: kept cases, and cases no meeting is open to (left out
        whatever is decided), are constants the solver never sees.
        """
        total = 0
        for case in self.cases:
            if not self.options.get(case.id):
                continue
            meeting_id = assignment.get(case.id)
            if meeting_id is None:
                total += self.out_cost(case)
            else:
                total += self.option_cost(case, self.meeting_by_id[meeting_id])
        return total

    def schedule(
        self,
        assignment: dict[int, int],
        status: str,
        objective: float | None,
        bound: float | None,
        gap: float | None,
        started: float,
        grouped: bool,
    ) -> Schedule:
        """Turn an assignment into agendas and reasons for what was left out."""
        placements: list[Placement] = []
        case_by_id = {c.id: c for c in self.cases}
        for meeting in self.meetings:
            agenda = [case_by_id[cid] for cid, mid in assignment.items() if mid == meeting.id]
            if grouped:
                agenda = order_cases(agenda)
            placements.extend(_placements(meeting, agenda))
        left_out = {c.id: self.reason(c) for c in self.cases if c.id not in assignment}
        seconds = time.perf_counter() - started
        return Schedule(placements, left_out, status, objective, bound, gap, seconds)


def _check(meetings: list[Meeting], cases: list[Case]) -> None:
    """Reject inputs the model would silently misread."""
    for kind, ids in (("meeting", [m.id for m in meetings]), ("case", [c.id for c in cases])):
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate {kind} ids")
    for meeting in meetings:
        if meeting.minutes < 0:
            raise ValueError(f"meeting {meeting.id}: negative minutes")
        if meeting.starts_at.tzinfo is None:
            raise ValueError(f"meeting {meeting.id}: starts_at must be timezone-aware")
    for case in cases:
        if case.minutes <= 0:
            raise ValueError(f"case {case.id}: minutes must be positive")
        if case.urgency not in URGENCIES:
            raise ValueError(f"case {case.id}: urgency must be 0, 1 or 2")


def _open_to(case: Case, meeting: Meeting) -> bool:
    """The hard rules except capacity: same board, open, departments and guests present."""
    return (
        meeting.board_id == case.board_id
        and not meeting.locked
        and case.needs <= meeting.present
        and case.guests <= meeting.guests_present
    )


def _due_by(case: Case, day: datetime.date) -> bool:
    return case.deadline is not None and case.deadline <= day


def _days(start: datetime.date, end: datetime.date) -> int:
    return min(MAX_DAYS, max(0, (end - start).days))


# --- the CP-SAT model ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Kind:
    """Cases the objective cannot tell apart: same minutes, same meetings at the same costs,
    same cost of leaving out. The model counts how many of a kind go to each meeting instead
    of deciding case by case, which removes the symmetry between interchangeable cases (most
    routine cases of a board are) that otherwise makes proving optimality slow."""

    minutes: int
    out_cost: int
    options: tuple[tuple[int, int], ...]  # (meeting id, cost), earliest meeting first


def _kinds(problem: _Problem, candidates: dict[int, list[Meeting]]) -> dict[_Kind, list[Case]]:
    """Group the cases with a choice into kinds; members in first-come, first-served order."""
    case_by_id = {c.id: c for c in problem.cases}
    kinds: dict[_Kind, list[Case]] = {}
    for case_id, meetings in candidates.items():
        case = case_by_id[case_id]
        options = tuple((m.id, problem.option_cost(case, m)) for m in meetings)
        kinds.setdefault(_Kind(case.minutes, problem.out_cost(case), options), []).append(case)
    for members in kinds.values():
        members.sort(key=lambda c: (c.submitted_on or datetime.date.min, c.id))
    return kinds


def _configure(
    solver: cp_model.CpSolver, *, time_limit: float, workers: int, relative_gap: float
) -> None:
    """Solver parameters: stop at the gap or the time limit, the same answer every time.

    ``interleave_search`` makes the parallel search deterministic (CP-SAT documents it as
    independent of the number of workers). Each worker runs the ``max_lp`` strategy (the full
    LP relaxation with cuts), which on this model finds and proves the optimum quickly, while
    the default portfolio's first worker barely moves the bound in 10 s. Large neighbourhood
    search is off: interleaved, its tasks held up whole batches (10 s instead of 0.2 s on the
    benchmark month).
    """
    params = solver.parameters
    params.max_time_in_seconds = time_limit
    params.relative_gap_limit = relative_gap
    params.num_workers = workers
    params.random_seed = SEED
    params.interleave_search = True
    params.use_lns = False
    params.subsolvers.extend(["max_lp"] * max(1, workers))


def _model(
    problem: _Problem, kinds: dict[_Kind, list[Case]]
) -> tuple[cp_model.CpModel, dict[tuple[_Kind, int], cp_model.IntVar]]:
    """Per kind, an integer count per meeting and one for 'left out', summing to its size."""
    model = cp_model.CpModel()
    counts: dict[tuple[_Kind, int], cp_model.IntVar] = {}
    terms: list[cp_model.IntVar] = []
    weights: list[int] = []
    load: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
    for number, (kind, members) in enumerate(kinds.items()):
        size = len(members)
        out = model.new_int_var(0, size, f"kind{number}_out")
        terms.append(out)
        weights.append(kind.out_cost)
        for meeting_id, cost in kind.options:
            count = model.new_int_var(0, size, f"kind{number}_at_{meeting_id}")
            counts[kind, meeting_id] = count
            terms.append(count)
            weights.append(cost)
            load.setdefault(meeting_id, []).append((kind.minutes, count))
            staying = sum(1 for c in members if c.current == meeting_id)
            if staying:
                model.add_hint(count, staying)
        model.add(sum(counts[kind, m] for m, _ in kind.options) + out == size)
    for meeting_id, items in load.items():
        capacity = problem.meeting_by_id[meeting_id].minutes
        minutes = cp_model.LinearExpr.weighted_sum([v for _, v in items], [m for m, _ in items])
        model.add(minutes <= capacity)
    model.minimize(cp_model.LinearExpr.weighted_sum(terms, weights))
    return model, counts


def _decode(kinds: dict[_Kind, list[Case]], counts: dict[tuple[_Kind, int], int]) -> dict[int, int]:
    """Hand each kind's places out to its members, first come first served, earliest meeting
    first; the rest are left out. (Members of a kind share their current meeting whenever it
    matters, since moving costs, so this keeps cases where they are as far as the counts do.)"""
    assignment: dict[int, int] = {}
    for kind, members in kinds.items():
        places = [m for m, _ in kind.options for _ in range(counts[kind, m])]
        assignment.update(zip((c.id for c in members), places, strict=False))
    return assignment


# --- agendas -------------------------------------------------------------------------------------
def _placements(meeting: Meeting, agenda: list[Case]) -> list[Placement]:
    placements = []
    clock = 0
    for position, case in enumerate(agenda, start=1):
        late = case.deadline is not None and meeting.day > case.deadline
        placements.append(Placement(case.id, meeting.id, position, clock, late))
        clock += case.minutes
    return placements


def _priority(case: Case) -> tuple[int, datetime.date, int]:
    return (-case.urgency, case.deadline or datetime.date.max, case.id)


def _guest_groups(cases: list[Case]) -> list[list[Case]]:
    """Guest cases in groups of guests linked by shared cases, in Smith's-rule order."""
    root: dict[str, str] = {}

    def find(guest: str) -> str:
        while root.setdefault(guest, guest) != guest:
            guest = root[guest]
        return guest

    for case in cases:
        first, *others = sorted(case.guests)
        for other in others:
            root[find(other)] = find(first)
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(find(min(case.guests)), []).append(case)

    def weight(group: list[Case]) -> tuple[Fraction, int]:
        guests = set().union(*(c.guests for c in group))
        return Fraction(sum(c.minutes for c in group), len(guests)), min(c.id for c in group)

    ordered = sorted(groups.values(), key=weight)
    return [sorted(g, key=lambda c: (sorted(c.guests), *_priority(c))) for g in ordered]


# --- the baseline --------------------------------------------------------------------------------
def _greedy_key(case: Case) -> tuple[datetime.date, int, int]:
    return (case.deadline or datetime.date.max, -case.urgency, case.id)


def _greedy_candidates(problem: _Problem, case: Case) -> list[Meeting]:
    if case.pinned_to is not None:
        pinned = problem.meeting_by_id.get(case.pinned_to)
        meetings = [pinned] if pinned is not None else []
    else:
        meetings = problem.meetings
    return [m for m in meetings if m.board_id == case.board_id and not m.locked]
