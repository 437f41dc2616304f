"""Operation volumes: annual counts by center, procedure group and approach, cumulative counts,
and milestones (the 1,000th, 10,000th, 20,000th operation: its date and which surgery it was).

Plain Python over plain rows (dicts with ``id``, ``center``, ``year``, ``date``,
``procedure_group``, ``approach``, ``robotic``), fast enough for a national registry of two
million operations: counting is done by ``collections.Counter`` over ``operator.itemgetter``
keys (both in C), and milestones sort once, an integer array of (group, day) keys in numpy,
never the row dicts.

Order of operations: by date, then by surgery id within a day. The registry records the date of
an operation, not its time, so the id (the order in which operations were entered) decides
between operations of the same day; that is stated wherever a milestone is shown.

When the rows are in the database, loading two million of them to find one date is wasteful:
:func:`locate_milestones` finds milestones from counts the database computes, with three small
queries per milestone at most (see its docstring).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from operator import itemgetter
from typing import Any, Generic, TypeVar

import numpy as np

Row = Mapping[str, Any]
K = TypeVar("K", bound=Hashable)

DEFAULT_MILESTONES: tuple[int, ...] = (
    1_000,
    5_000,
    10_000,
    20_000,
    50_000,
    100_000,
    200_000,
    500_000,
    1_000_000,
    2_000_000,
    5_000_000,
)


@dataclass(frozen=True)
class Milestone:
    """The ``number``-th operation: the day it was done and the surgery it was."""

    number: int
    date: dt.date
    surgery_id: Any


# --- annual volumes ------------------------------------------------------------------------------
def annual_volumes(
    rows: Iterable[Row], by: Sequence[str] = ("center", "procedure_group", "approach")
) -> dict[tuple[Any, ...], dict[int, int]]:
    """Operations per year for every combination of the ``by`` fields.

    Returns ``{(center, procedure_group, approach): {year: count}}`` with years in order. Any
    row fields can be used, e.g. ``by=("center", "robotic")`` for a robotic program, or
    ``by=()`` for the registry total (key ``()``).
    """
    keys = (*by, "year")
    getter = itemgetter(*keys)
    if len(keys) == 1:
        counts = Counter((value,) for value in map(getter, rows))
    else:
        counts = Counter(map(getter, rows))
    table: dict[tuple[Any, ...], dict[int, int]] = defaultdict(dict)
    for key in sorted(counts, key=_sort_key):
        table[key[:-1]][key[-1]] = counts[key]
    return dict(table)


def _sort_key(key: tuple[Any, ...]) -> tuple[tuple[bool, str, Any], ...]:
    """Order keys that mix None with values (a center without an approach) without ever
    comparing unlike types: None last, then by type, then by value."""
    return tuple((v is None, type(v).__name__, 0 if v is None else v) for v in key)


def totals_by_year(table: Mapping[tuple[Any, ...], Mapping[int, int]]) -> dict[int, int]:
    """Sum an :func:`annual_volumes` table over its groups."""
    out: Counter[int] = Counter()
    for years in table.values():
        out.update(years)
    return dict(sorted(out.items()))


# --- cumulative counts and milestones -------------------------------------------------------------
def daily_counts(rows: Iterable[Row]) -> list[tuple[dt.date, int]]:
    """Operations per day, in date order (only days with operations)."""
    counts = Counter(map(itemgetter("date"), rows))
    return sorted(counts.items())


def cumulative_by_date(rows: Iterable[Row]) -> list[tuple[dt.date, int]]:
    """The running total at the end of each day with operations (for a cumulative chart)."""
    days = daily_counts(rows)
    return list(zip((d for d, _n in days), accumulate(n for _d, n in days), strict=True))


@dataclass(frozen=True)
class Crossing(Generic[K]):
    """Where a running total reaches a threshold: in bucket ``key`` (a year, a day), as the
    ``rank``-th item of that bucket (1-based), after ``before`` items in earlier buckets."""

    key: K
    rank: int
    before: int


def crossing(counts: Iterable[tuple[K, int]], threshold: int) -> Crossing[K] | None:
    """The bucket in which the running total over ``counts`` (ordered) reaches ``threshold``;
    None when the total stays below."""
    if threshold < 1:
        raise ValueError("a milestone is at least the first operation")
    total = 0
    for key, count in counts:
        if total + count >= threshold:
            return Crossing(key, threshold - total, total)
        total += count
    return None


def milestones(
    rows: Sequence[Row], thresholds: Iterable[int] = DEFAULT_MILESTONES
) -> list[Milestone]:
    """The milestones the rows have reached, each with its date and surgery id."""
    return milestones_by(rows, None, thresholds).get(None, [])


def milestones_by(
    rows: Sequence[Row], field: str | None, thresholds: Iterable[int] = DEFAULT_MILESTONES
) -> dict[Any, list[Milestone]]:
    """Milestones within each value of ``field`` (e.g. each center's 1,000th robotic case);
    ``field=None`` for the rows as one series.

    Sorts once, and only small integers: the (group, day) keys of all rows become one numpy
    array whose distinct values and counts give each group's running total by day; a binary
    search finds the day of every threshold, and only the rows of those days are read again
    for their ids. About half a second for two million rows, against several seconds for
    sorting the row dicts by (date, id).
    """
    levels = np.array(sorted({t for t in thresholds if t >= 1}), dtype=np.int64)
    n = len(rows)
    if n == 0 or levels.size == 0:
        return {}
    # map() over C callables all the way: no Python frame per row
    days = np.fromiter(map(dt.date.toordinal, map(itemgetter("date"), rows)), np.int64, n)
    if field is None:
        codes: dict[Any, int] = {None: 0}
        keys = days
    else:
        get = itemgetter(field)
        codes = {group: code for code, group in enumerate(dict.fromkeys(map(get, rows)))}
        coded = np.fromiter(map(codes.__getitem__, map(get, rows)), np.int64, n)
        keys = (coded << _DAY_BITS) | days
    distinct, counts = np.unique(keys, return_counts=True)
    running = np.cumsum(counts)
    group_of = distinct >> _DAY_BITS
    starts = np.searchsorted(group_of, np.arange(len(codes)), side="left")
    ends = np.searchsorted(group_of, np.arange(len(codes)), side="right")

    hits: dict[Any, list[tuple[int, int, int]]] = {}  # group -> (threshold, key, rank)
    for group, code in codes.items():
        start, end = int(starts[code]), int(ends[code])
        before = int(running[start - 1]) if start else 0
        total = running[start:end] - before
        reached = levels[levels <= total[-1]]
        at = np.searchsorted(total, reached, side="left")
        found = []
        for level, i in zip(reached.tolist(), at.tolist(), strict=True):
            earlier = int(total[i - 1]) if i else 0
            found.append((level, int(distinct[start + i]), level - earlier))
        hits[group] = found

    wanted = np.array(sorted({key for found in hits.values() for _l, key, _r in found}))
    ids: dict[int, list[Any]] = defaultdict(list)
    for index in np.flatnonzero(np.isin(keys, wanted)).tolist():
        ids[int(keys[index])].append(rows[index]["id"])
    for day_ids in ids.values():
        day_ids.sort()
    mask = (1 << _DAY_BITS) - 1
    return {
        group: [
            Milestone(level, dt.date.fromordinal(key & mask), ids[key][rank - 1])
            for level, key, rank in found
        ]
        for group, found in hits.items()
    }


_DAY_BITS = 22  # day ordinals up to 4,194,303: beyond the year 9999


def locate_milestones(
    yearly: Iterable[tuple[int, int]],
    days_of_year: Callable[[int], Iterable[tuple[dt.date, int]]],
    ids_on_day: Callable[[dt.date], Sequence[Any]],
    thresholds: Iterable[int] = DEFAULT_MILESTONES,
) -> list[Milestone]:
    """Milestones from counts, for when the rows are in the database.

    * ``yearly``: ``(year, count)`` in year order, from one ``GROUP BY year`` (on the
      ``(year, center)`` index of the facts), e.g.
      ``facts.values_list("year").annotate(n=Count("*")).order_by("year")``;
    * ``days_of_year(year)``: ``(date, count)`` in date order for that one year only,
      ``facts.filter(year=year).values_list("date").annotate(n=Count("*")).order_by("date")``,
      at most 366 rows; called once per year in which a milestone falls;
    * ``ids_on_day(day)``: the surgery ids of that day in id order,
      ``facts.filter(date=day).order_by("surgery_id").values_list("surgery_id", flat=True)``.

    So reaching the 20,000th case of a two-million-row registry reads a few dozen yearly
    counts, one year's daily counts and one day's ids, never the two million rows.
    """
    years = list(yearly)
    found: list[Milestone] = []
    day_cache: dict[int, list[tuple[dt.date, int]]] = {}
    for threshold in sorted({t for t in thresholds if t >= 1}):
        year_hit = crossing(years, threshold)
        if year_hit is None:
            break
        if year_hit.key not in day_cache:
            day_cache[year_hit.key] = list(days_of_year(year_hit.key))
        day_hit = crossing(day_cache[year_hit.key], year_hit.rank)
        if day_hit is None:
            raise ValueError(
                f"the daily counts of {year_hit.key} add up to less than its yearly count"
            )
        ids = ids_on_day(day_hit.key)
        found.append(Milestone(threshold, day_hit.key, ids[day_hit.rank - 1]))
    return found
