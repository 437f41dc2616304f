"""The indicator engine's definitions run as one SQL aggregate over ``SurgeryFacts``.

``indicators.compute`` is the reference: plain Python over plain records, with the cases behind
every number. Dashboards and national comparisons need every indicator for every center at
once, over hundreds of thousands of surgeries; this module compiles the same definitions to
conditional counts (``COUNT(*) FILTER (WHERE ...)`` on PostgreSQL, ``CASE`` on SQLite) in a
single pass, and its results are tested to equal the reference on the same data.

Two things cannot be one flat aggregate and are finished in Python from small grouped rows:
medians (values of the population only) and conditions on the derived ``surgeon_volume``
(counts per surgeon and year, summed over the surgeons that qualify).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Q, QuerySet

from caseway.registry import indicators as engine
from caseway.registry.indicators import Condition, Indicator, Profile, Result

DERIVED = "surgeon_volume"


def condition_q(condition: Condition) -> Q:
    """The SQL meaning of one condition; NULL never satisfies a comparison, as in Python."""
    name, op, value = condition.field, condition.op, condition.value
    if op in ("eq", "ne") and value is None:
        return Q(**{f"{name}__isnull": op == "eq"})
    lookups = {"eq": "exact", "in": "in", "ge": "gte", "le": "lte", "gt": "gt", "lt": "lt"}
    if op in lookups:
        return Q(**{f"{name}__{lookups[op]}": value})
    if op == "ne":
        return ~Q(**{name: value})
    return Q(**{name: op == "true"})


def _all(conditions: Sequence[Condition]) -> Q:
    q = Q()
    for condition in conditions:
        q &= condition_q(condition)
    return q


def _parts(indicator: Indicator) -> tuple[Q, Q, dict[str, Q]]:
    """(denominator, numerator without derived conditions, missing per required field)."""
    population = _all(indicator.population)
    present = Q()
    missing = {}
    for name in indicator.required:
        missing[name] = population & Q(**{f"{name}__isnull": True})
        present &= Q(**{f"{name}__isnull": False})
    denominator = population & present
    plain = [c for c in indicator.numerator if c.field != DERIVED]
    return denominator, denominator & _all(plain), missing


def relevant(profile: Profile, facts: QuerySet[Any]) -> QuerySet[Any]:
    """The records in at least one indicator's population (or counting towards a surgeon's
    volume): what the counters need to read. All records when an indicator has no population."""
    populations = [i.population for i in profile.indicators]
    if "surgeon_volume" in profile.derived:
        populations.append(profile.volume_population)
    if any(not conditions for conditions in populations):
        return facts
    either = Q()
    for conditions in dict.fromkeys(populations):  # each distinct population once
        either |= _all(conditions)
    return facts.filter(either)


def _uses_volume(indicator: Indicator) -> bool:
    return any(c.field == DERIVED for c in indicator.numerator)


def compute_in_database(
    profile: Profile, facts: QuerySet[Any], group_by: Sequence[str] = ("center", "year")
) -> dict[tuple[Any, ...], dict[str, Result]]:
    """Every indicator of ``profile`` for every group of ``facts``; same shape and values as
    ``indicators.compute`` over the same records."""
    for indicator in profile.indicators:
        for condition in (*indicator.population, *indicator.required):
            name = condition.field if isinstance(condition, Condition) else condition
            if name == DERIVED:
                raise engine.ProfileError(
                    f"{indicator.id}: {DERIVED} is allowed in numerators only"
                )
    group_by = list(group_by)
    # Every group that has records answers, even with no case in any population (as in Python).
    results: dict[tuple[Any, ...], dict[str, Result]] = {
        tuple(row[k] for k in group_by): {i.id: Result(i.id, i.kind) for i in profile.indicators}
        for row in facts.order_by().values(*group_by).annotate(records=Count("pk"))
    }
    # The counters then read only records some indicator is about (e.g. the year's ovarian
    # cytoreductions, not every operation of the year).
    facts = relevant(profile, facts)
    annotations: dict[str, Any] = {"records": Count("pk")}
    for n, indicator in enumerate(profile.indicators):
        if _uses_volume(indicator) or indicator.kind == "median":
            continue
        denominator, numerator, missing = _parts(indicator)
        annotations[f"d{n}"] = Count("pk", filter=denominator)
        if indicator.kind == "rate":
            annotations[f"n{n}"] = Count("pk", filter=numerator)
        for m, q in enumerate(missing.values()):
            annotations[f"m{n}_{m}"] = Count("pk", filter=q)
    for row in facts.order_by().values(*group_by).annotate(**annotations):
        by_indicator = results[tuple(row[k] for k in group_by)]
        for n, indicator in enumerate(profile.indicators):
            if f"d{n}" in row:
                result = by_indicator[indicator.id]
                result.denominator = row[f"d{n}"]
                result.numerator = row.get(f"n{n}", 0)
                for m, name in enumerate(indicator.required):
                    if row[f"m{n}_{m}"]:
                        result.missing[name] = row[f"m{n}_{m}"]
    for indicator in profile.indicators:
        if indicator.kind == "median":
            _medians(indicator, facts, group_by, results)
        elif _uses_volume(indicator):
            _by_surgeon_volume(profile, indicator, facts, group_by, results)
    for by_indicator in results.values():
        for indicator in profile.indicators:
            result = by_indicator[indicator.id]
            if indicator.kind != "median":
                engine.finish(indicator, result)
    return results


def _medians(
    indicator: Indicator,
    facts: QuerySet[Any],
    group_by: list[str],
    results: dict[tuple[Any, ...], dict[str, Result]],
) -> None:
    denominator, _numerator, missing = _parts(indicator)
    values: dict[tuple[Any, ...], list[float]] = defaultdict(list)
    for row in facts.order_by().filter(denominator).values_list(*group_by, indicator.value_field):
        values[tuple(row[:-1])].append(float(row[-1]))
    missing_counts = (
        facts.order_by()
        .values(*group_by)
        .annotate(**{f"m{m}": Count("pk", filter=q) for m, q in enumerate(missing.values())})
        if missing
        else []
    )
    for key, by_indicator in results.items():
        result = by_indicator[indicator.id]
        result.denominator = len(values.get(key, ()))
        engine.finish(indicator, result, values.get(key, ()))
    for row in missing_counts:
        result = results[tuple(row[k] for k in group_by)][indicator.id]
        for m, name in enumerate(indicator.required):
            if row[f"m{m}"]:
                result.missing[name] = row[f"m{m}"]


def _by_surgeon_volume(
    profile: Profile,
    indicator: Indicator,
    facts: QuerySet[Any],
    group_by: list[str],
    results: dict[tuple[Any, ...], dict[str, Result]],
) -> None:
    """Counts per group and surgeon; a surgeon's volume is their count of the profile's first
    volume population in the year, over every group (as ``indicators.add_surgeon_volume``)."""
    denominator, numerator, missing = _parts(indicator)
    annotations: dict[str, Any] = {
        "volume": Count("pk", filter=_all(profile.volume_population)),
        "d": Count("pk", filter=denominator),
        "n": Count("pk", filter=numerator),
    }
    for m, q in enumerate(missing.values()):
        annotations[f"m{m}"] = Count("pk", filter=q)
    keys = [*group_by, "primary_surgeon", *([] if "year" in group_by else ["year"])]
    rows = list(facts.order_by().values(*keys).annotate(**annotations))
    volume: dict[tuple[Any, Any], int] = defaultdict(int)
    for row in rows:
        volume[(row["primary_surgeon"], row["year"])] += row["volume"]
    volume_conditions = [c for c in indicator.numerator if c.field == DERIVED]
    for row in rows:
        result = results[tuple(row[k] for k in group_by)][indicator.id]
        result.denominator += row["d"]
        qualifies = all(
            c.holds({DERIVED: volume[(row["primary_surgeon"], row["year"])]})
            for c in volume_conditions
        )
        if qualifies:
            result.numerator += row["n"]
        for m, name in enumerate(indicator.required):
            if row[f"m{m}"]:
                result.missing[name] = result.missing.get(name, 0) + row[f"m{m}"]
