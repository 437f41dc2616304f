"""The quality-indicator engine: indicator definitions (data) applied to surgery records (plain
dicts). No ORM here, so it is tested and benchmarked without a database.

An indicator is one of three kinds:

* ``rate``: numerator / denominator over a population, with a Wilson 95% interval;
* ``count``: the number of records in the population (volumes such as 100 surgeries a year);
* ``median``: the median of a numeric field (time to chemotherapy).

Records whose required fields are missing are left out of the denominator and reported as
missing, never counted silently. Targets say which way is better; a target whose published value
is not known is marked ``configurable`` and the result says so.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROFILES_DIR = Path(__file__).parent / "profiles"
Z95 = 1.959963984540054

Record = Mapping[str, Any]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "in": lambda a, b: a in b,
    "ge": lambda a, b: a is not None and a >= b,
    "le": lambda a, b: a is not None and a <= b,
    "gt": lambda a, b: a is not None and a > b,
    "lt": lambda a, b: a is not None and a < b,
    "true": lambda a, _b: a is True,
    "false": lambda a, _b: a is False,
}


class ProfileError(ValueError):
    """An indicator profile that cannot be used; the message names the indicator and field."""


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any = None

    def holds(self, record: Record) -> bool:
        return _OPS[self.op](record.get(self.field), self.value)


@dataclass(frozen=True)
class Target:
    """Levels in the better direction: e.g. optimal 0.65 and minimum 0.50, higher is better."""

    levels: tuple[tuple[str, float], ...]  # best first
    higher_is_better: bool = True
    strict: bool = False  # ">" rather than ">="
    configurable: bool = False  # the published value is not known; this one is local
    note: str = ""

    def attained(self, value: float | None) -> str | None:
        if value is None:
            return None
        for name, level in self.levels:
            if self.higher_is_better:
                ok = value > level if self.strict else value >= level
            else:
                ok = value < level if self.strict else value <= level
            if ok:
                return name
        return "not_met"


@dataclass(frozen=True)
class Indicator:
    id: str
    name: dict[str, str]
    kind: str  # rate, count, median
    population: tuple[Condition, ...]
    numerator: tuple[Condition, ...] = ()
    value_field: str = ""
    required: tuple[str, ...] = ()
    target: Target | None = None
    points: dict[str, int] = field(default_factory=dict)
    unit: str = ""

    def in_population(self, record: Record) -> bool:
        return all(c.holds(record) for c in self.population)


@dataclass(frozen=True)
class Eligibility:
    """A condition a center must meet before it is assessed at all (e.g. ESGO: at least 20
    cytoreductions in each of the last 3 years): an indicator's value bounded in every one of
    the last ``years`` calendar years. Data, like the indicators, so a profile states it."""

    id: str
    name: dict[str, str]
    indicator: str
    years: int = 1
    min: float | None = None
    max: float | None = None
    configurable: bool = False  # a local threshold, not a published one
    note: str = ""


@dataclass(frozen=True)
class Profile:
    id: str
    version: str
    name: dict[str, str]
    source: str
    indicators: tuple[Indicator, ...]
    derived: tuple[str, ...] = ()
    eligibility: tuple[Eligibility, ...] = ()
    #: Which records count towards a surgeon's annual volume (``surgeon_volume``); by default
    #: the population of the profile's first indicator.
    surgeon_volume_population: tuple[Condition, ...] = ()

    @property
    def volume_population(self) -> tuple[Condition, ...]:
        return self.surgeon_volume_population or self.indicators[0].population


@dataclass
class Result:
    indicator: str
    kind: str
    denominator: int = 0
    numerator: int = 0
    value: float | None = None
    low: float | None = None
    high: float | None = None
    attained: str | None = None
    points: int = 0
    missing: dict[str, int] = field(default_factory=dict)
    target_configurable: bool = False
    #: ids of the records behind the number (for audit and accreditation evidence)
    cases: list[Any] = field(default_factory=list)

    @property
    def completeness(self) -> float | None:
        eligible = self.denominator + sum(self.missing.values())
        return None if eligible == 0 else self.denominator / eligible

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "cases"}
        data["completeness"] = self.completeness
        return data


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion."""
    if n == 0:
        return (0.0, 0.0)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


# --- derived fields ---------------------------------------------------------------------------
def add_surgeon_volume(
    records: Sequence[dict[str, Any]], population: Indicator | Sequence[Condition]
) -> None:
    """``surgeon_volume``: the primary surgeon's count of population records in the same year."""
    conditions = population.population if isinstance(population, Indicator) else population
    counts: dict[tuple[Any, Any], int] = defaultdict(int)
    for record in records:
        if all(c.holds(record) for c in conditions):
            counts[(record.get("primary_surgeon"), record.get("year"))] += 1
    for record in records:
        record["surgeon_volume"] = counts.get(
            (record.get("primary_surgeon"), record.get("year")), 0
        )


# --- evaluation ---------------------------------------------------------------------------------
def evaluate(indicator: Indicator, records: Iterable[Record], keep_cases: bool = False) -> Result:
    result = Result(indicator.id, indicator.kind)
    values: list[float] = []
    for record in records:
        if not indicator.in_population(record):
            continue
        absent = [f for f in indicator.required if record.get(f) is None]
        if absent:
            for name in absent:
                result.missing[name] = result.missing.get(name, 0) + 1
            continue
        result.denominator += 1
        if keep_cases:
            result.cases.append(record.get("id"))
        if indicator.kind == "rate" and all(c.holds(record) for c in indicator.numerator):
            result.numerator += 1
        elif indicator.kind == "median":
            values.append(float(record[indicator.value_field]))
    return finish(indicator, result, values)


def finish(indicator: Indicator, result: Result, values: Sequence[float] = ()) -> Result:
    """Value, interval and target from the counts (shared by the Python and SQL paths)."""
    if indicator.kind == "rate" and result.denominator:
        result.value = result.numerator / result.denominator
        result.low, result.high = wilson(result.numerator, result.denominator)
    elif indicator.kind == "count":
        result.value = float(result.denominator)
    elif indicator.kind == "median" and values:
        result.value = float(statistics.median(values))
    if indicator.target is not None:
        result.attained = indicator.target.attained(result.value)
        result.target_configurable = indicator.target.configurable
        result.points = indicator.points.get(result.attained or "", 0)
    return result


def compute(
    profile: Profile,
    records: Sequence[dict[str, Any]],
    group_by: Sequence[str] = ("center", "year"),
    keep_cases: bool = False,
) -> dict[tuple[Any, ...], dict[str, Result]]:
    """Every indicator of the profile for every group (e.g. each center and year)."""
    if "surgeon_volume" in profile.derived:
        add_surgeon_volume(records, profile.volume_population)
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        groups[tuple(record.get(k) for k in group_by)].append(record)
    return {
        key: {i.id: evaluate(i, rows, keep_cases) for i in profile.indicators}
        for key, rows in groups.items()
    }


# --- profiles as data ---------------------------------------------------------------------------
def _conditions(raw: Any, where: str) -> tuple[Condition, ...]:
    conditions = []
    for item in raw or []:
        if item.get("op") not in _OPS:
            raise ProfileError(f"{where}: unknown operator {item.get('op')!r}")
        conditions.append(Condition(item["field"], item["op"], item.get("value")))
    return tuple(conditions)


def load_profile(data: Mapping[str, Any]) -> Profile:
    indicators = []
    for raw in data["indicators"]:
        where = f"{data['id']}/{raw.get('id')}"
        if raw.get("kind") not in ("rate", "count", "median"):
            raise ProfileError(f"{where}: kind must be rate, count or median")
        target = None
        if raw.get("target"):
            t = raw["target"]
            target = Target(
                tuple((name, float(v)) for name, v in t["levels"]),
                t.get("higher_is_better", True),
                t.get("strict", False),
                t.get("configurable", False),
                t.get("note", ""),
            )
        indicators.append(
            Indicator(
                id=raw["id"],
                name=raw["name"],
                kind=raw["kind"],
                population=_conditions(raw.get("population"), where),
                numerator=_conditions(raw.get("numerator"), where),
                value_field=raw.get("value_field", ""),
                required=tuple(raw.get("required", ())),
                target=target,
                points=raw.get("points", {}),
                unit=raw.get("unit", ""),
            )
        )
    return Profile(
        data["id"],
        data["version"],
        data["name"],
        data.get("source", ""),
        tuple(indicators),
        tuple(data.get("derived", ())),
        _eligibility(data, {i.id for i in indicators}),
        _conditions(data.get("surgeon_volume_population"), f"{data['id']}/surgeon_volume"),
    )


def _eligibility(data: Mapping[str, Any], indicator_ids: set[str]) -> tuple[Eligibility, ...]:
    checks = []
    for raw in data.get("eligibility", ()):
        where = f"{data['id']}/eligibility/{raw.get('id')}"
        if raw.get("indicator") not in indicator_ids:
            raise ProfileError(f"{where}: unknown indicator {raw.get('indicator')!r}")
        if raw.get("min") is None and raw.get("max") is None:
            raise ProfileError(f"{where}: give min, max or both")
        years = raw.get("years", 1)
        if not isinstance(years, int) or years < 1:
            raise ProfileError(f"{where}: years must be a whole number of at least 1")
        checks.append(
            Eligibility(
                id=raw["id"],
                name=raw["name"],
                indicator=raw["indicator"],
                years=years,
                min=None if raw.get("min") is None else float(raw["min"]),
                max=None if raw.get("max") is None else float(raw["max"]),
                configurable=raw.get("configurable", False),
                note=raw.get("note", ""),
            )
        )
    return tuple(checks)


def builtin_profiles() -> dict[str, Profile]:
    profiles = {}
    for path in sorted(PROFILES_DIR.glob("*.json")):
        profile = load_profile(json.loads(path.read_text(encoding="utf-8")))
        profiles[profile.id] = profile
    return profiles
