"""Funnel plots: one rate indicator across centers, against the volume each center had.

A league table ranks centers by their rate and makes the small ones look best or worst by
chance; a funnel plot draws each center at its volume with control limits that narrow as the
volume grows (Spiegelhalter, "Funnel plots for comparing institutional performance", Stat Med
2005;24:1185-1202), so only a center outside the funnel differs by more than chance.

Limits: exact binomial by default, with Spiegelhalter's interpolation (appendix A.1.1 of the
paper): with ``r`` the smallest count whose binomial CDF ``F(r)`` under the target proportion
reaches the tail probability ``q``, the limit is ``(r - a) / n`` where
``a = (F(r) - q) / (F(r) - F(r - 1))``. Chosen over the normal approximation because registry
rates are often rare events (30-day mortality around 2%) in centers of 20 to 100 cases a year,
where the normal limits are symmetric around the target, go below zero and put a center with
3 deaths in 30 beyond the 99.8% limit although the binomial chance of that is about 2%. The
interpolation keeps the curves smooth; at the discrete steps the chance of an in-control center
falling outside can be slightly above or below the nominal level (Manktelow and Seaton, PLoS
One 2012), which is why both the curves and the classification use the same limits: what the
reader sees outside the funnel is what is flagged. ``method="normal"`` gives the textbook
``p0 +/- z * sqrt(p0 (1 - p0) / n)`` for comparison with tables that use it. Limits are
clipped to [0, 1].

Computation is plain Python and numpy; rendering uses matplotlib's object API (no pyplot, no
global figure state) to an SVG string, nothing is written to disk, and the output is
deterministic for the same input (fixed SVG id salt, no date in the metadata).
"""

from __future__ import annotations

import functools
import io
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from xml.sax.saxutils import escape

import numpy as np

Method = Literal["exact", "normal"]
Status = Literal["within", "above_95", "below_95", "above_998", "below_998", "no_data"]

#: Two-sided 95% and 99.8% limits: the tail probabilities on each side.
TAILS_95 = (0.025, 0.975)
TAILS_998 = (0.001, 0.999)
Z_95 = 1.959963984540054
Z_998 = 3.090232306167813

#: Korean (and other CJK) labels need a font that has the glyphs; matplotlib falls back per
#: glyph through this list (matplotlib >= 3.6), so Latin text keeps the default face.
CJK_FAMILIES = ("Noto Sans CJK KR", "Noto Sans KR", "NanumGothic", "Apple SD Gothic Neo")
SVG_SALT = "caseway-funnel"

_render_lock = threading.Lock()  # rcParams are process-global; one render at a time


@dataclass(frozen=True)
class FunnelPoint:
    """One center: its numerator and denominator for the indicator.

    ``label`` is drawn next to the point when not empty (the caller decides who is named:
    usually only the viewer's own center); ``highlight`` draws it prominently.
    """

    label: str
    numerator: int
    denominator: int
    highlight: bool = False

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class Limits:
    """Control limits at one volume ``n``."""

    n: int
    low_95: float
    high_95: float
    low_998: float
    high_998: float


@dataclass(frozen=True)
class Classified:
    point: FunnelPoint
    value: float | None
    limits: Limits | None
    status: Status


@dataclass(frozen=True)
class Funnel:
    """Everything needed to draw and describe the plot."""

    p0: float
    method: Method
    points: tuple[Classified, ...]
    curve: tuple[Limits, ...]

    def counts(self) -> dict[str, int]:
        """How many centers fall in each class (for a sentence under the plot)."""
        out: dict[str, int] = {}
        for item in self.points:
            out[item.status] = out.get(item.status, 0) + 1
        return out


# --- limits ---------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=8)
def _log_factorials(n: int) -> np.ndarray:
    """log(k!) for k = 0..n, built once per size (a cumulative sum of logs, no scipy needed)."""
    table = np.zeros(n + 1)
    if n:
        np.cumsum(np.log(np.arange(1, n + 1, dtype=float)), out=table[1:])
    return table


def _binomial_cdf(n: int, p: float) -> np.ndarray:
    """P(R <= k) for k = 0..n, R ~ Binomial(n, p), 0 < p < 1, in log space to avoid overflow."""
    logf = _log_factorials(_table_size(n))
    k = np.arange(n + 1)
    log_pmf = logf[n] - logf[k] - logf[n - k] + k * math.log(p) + (n - k) * math.log1p(-p)
    return np.cumsum(np.exp(log_pmf))


def _table_size(n: int) -> int:
    """Round table sizes up so that one cached table serves a whole curve."""
    return max(1024, 1 << (n - 1).bit_length())


def exact_limit(p0: float, n: int, q: float) -> float:
    """Spiegelhalter's interpolated exact binomial limit for tail probability ``q`` at ``n``."""
    if n <= 0:
        raise ValueError("the volume n must be positive")
    if p0 <= 0.0:
        return 0.0
    if p0 >= 1.0:
        return 1.0
    cdf = _binomial_cdf(n, p0)
    r = min(int(np.searchsorted(cdf, q, side="left")), n)
    f_r = float(cdf[r])
    f_before = float(cdf[r - 1]) if r > 0 else 0.0
    step = f_r - f_before
    a = (f_r - q) / step if step > 0 else 0.0
    return _clip((r - a) / n)


def normal_limit(p0: float, n: int, z: float) -> float:
    """``p0 + z * sqrt(p0 (1 - p0) / n)``: z is negative for a lower limit."""
    if n <= 0:
        raise ValueError("the volume n must be positive")
    return _clip(p0 + z * math.sqrt(p0 * (1.0 - p0) / n))


def control_limits(p0: float, n: int, method: Method = "exact") -> Limits:
    """The 95% and 99.8% limits around ``p0`` at volume ``n``."""
    if not 0.0 <= p0 <= 1.0:
        raise ValueError("the target proportion must be between 0 and 1")
    if method == "exact":
        low95, high95 = (exact_limit(p0, n, q) for q in TAILS_95)
        low998, high998 = (exact_limit(p0, n, q) for q in TAILS_998)
    elif method == "normal":
        low95, high95 = normal_limit(p0, n, -Z_95), normal_limit(p0, n, Z_95)
        low998, high998 = normal_limit(p0, n, -Z_998), normal_limit(p0, n, Z_998)
    else:
        raise ValueError(f"unknown method {method!r}")
    return Limits(n, low95, high95, low998, high998)


def _clip(value: float) -> float:
    return min(1.0, max(0.0, value))


def pooled_rate(points: Iterable[FunnelPoint]) -> float | None:
    """All numerators over all denominators: the usual target when none is published."""
    points = list(points)
    total = sum(p.denominator for p in points)
    return sum(p.numerator for p in points) / total if total else None


def classify(value: float | None, limits: Limits | None) -> Status:
    """Where a center's rate falls; "above"/"below" are directions, not judgements (whether
    higher is better is the indicator's business). Strictly outside counts as outside."""
    if value is None or limits is None:
        return "no_data"
    if value > limits.high_998:
        return "above_998"
    if value < limits.low_998:
        return "below_998"
    if value > limits.high_95:
        return "above_95"
    if value < limits.low_95:
        return "below_95"
    return "within"


def curve_volumes(max_n: int, steps: int = 240) -> list[int]:
    """Volumes at which to draw the limits: every integer while few, then geometric spacing
    (the curves change fastest at small n)."""
    if max_n <= steps:
        return list(range(1, max_n + 1))
    grid = np.unique(np.round(np.geomspace(1, max_n, steps)).astype(int))
    return [int(n) for n in grid]


def build_funnel(
    points: Sequence[FunnelPoint],
    p0: float | None = None,
    method: Method = "exact",
    steps: int = 240,
) -> Funnel:
    """Limits, curves and each center's class; ``p0`` defaults to the pooled rate."""
    if p0 is None:
        p0 = pooled_rate(points)
        if p0 is None:
            raise ValueError("no center has cases: give the target proportion")
    max_n = max((p.denominator for p in points), default=0)
    curve = tuple(control_limits(p0, n, method) for n in curve_volumes(max(1, int(max_n * 1.05))))
    classified = []
    for point in points:
        limits = control_limits(p0, point.denominator, method) if point.denominator else None
        classified.append(Classified(point, point.value, limits, classify(point.value, limits)))
    return Funnel(p0, method, tuple(classified), curve)


# --- rendering -----------------------------------------------------------------------------------
@functools.cache
def font_families() -> tuple[str, ...]:
    """The font list for matplotlib: its default face, then the first installed CJK face."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    cjk = tuple(name for name in CJK_FAMILIES if name in installed)[:1]
    return ("DejaVu Sans", *cjk)


def render_svg(
    funnel: Funnel,
    *,
    x_label: str,
    y_label: str,
    title: str = "",
    target_label: str = "Target",
    limit_95_label: str = "95% limits",
    limit_998_label: str = "99.8% limits",
    percent: bool = True,
    width_in: float = 7.0,
    height_in: float = 4.4,
    description: str = "",
) -> str:
    """The funnel as an inline ``<svg>`` element (no XML prolog, so it embeds in HTML and
    WeasyPrint). Every text is passed in already translated. Text is drawn as glyph outlines,
    so the SVG shows Korean on a machine without a Korean font; each text stays findable as
    the comment matplotlib writes before it, and ``description`` (e.g. "2 of 31 centers
    above the 99.8% limit") becomes the image's accessible name, since outlines are not
    read out by screen readers."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    rc: dict[Any, Any] = {
        "svg.hashsalt": SVG_SALT,
        "svg.fonttype": "path",
        "font.family": list(font_families()),
        "font.size": 9,
        "axes.unicode_minus": False,
    }
    with _render_lock, matplotlib.rc_context(rc):
        fig = Figure(figsize=(width_in, height_in), layout="constrained")
        ax = fig.add_subplot()
        ns = [c.n for c in funnel.curve]
        for dashes, label, low, high in (
            (
                "--",
                limit_95_label,
                [c.low_95 for c in funnel.curve],
                [c.high_95 for c in funnel.curve],
            ),
            (
                "-",
                limit_998_label,
                [c.low_998 for c in funnel.curve],
                [c.high_998 for c in funnel.curve],
            ),
        ):
            ax.plot(ns, high, linestyle=dashes, color="#4a5360", linewidth=1.0, label=label)
            ax.plot(ns, low, linestyle=dashes, color="#4a5360", linewidth=1.0)
        ax.axhline(funnel.p0, color="#0b5cad", linewidth=1.2, label=target_label)

        for highlighted, size, edge, colour, z in (
            (False, 16, "none", "#767f8a", 3),
            (True, 46, "#1b1f24", "#a11b1b", 4),
        ):
            xs, ys = _coordinates(funnel, highlighted)
            if xs:
                ax.scatter(xs, ys, s=size, color=colour, edgecolors=edge, zorder=z)
        for item in funnel.points:
            if item.value is None or not item.point.label:
                continue
            ax.annotate(
                item.point.label,
                (item.point.denominator, item.value),
                xytext=(5, 4),
                textcoords="offset points",
                fontsize=8,
                fontweight="bold" if item.point.highlight else "normal",
                zorder=5,
            )

        ax.set_xlim(0, max(ns) if ns else 1)
        ax.set_ylim(*_y_range(funnel))
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        if title:
            ax.set_title(title)
        if percent:
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
        ax.grid(True, color="#e3e7eb", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(loc="best", frameon=False, fontsize=8)

        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = _inline(buffer.getvalue())
    if description:
        label = escape(description, {'"': "&quot;"})
        svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    return svg


def _coordinates(funnel: Funnel, highlighted: bool) -> tuple[list[int], list[float]]:
    """Volumes and rates of the centers with data, highlighted or not."""
    xs: list[int] = []
    ys: list[float] = []
    for item in funnel.points:
        if item.value is not None and item.point.highlight == highlighted:
            xs.append(item.point.denominator)
            ys.append(item.value)
    return xs, ys


def _y_range(funnel: Funnel) -> tuple[float, float]:
    """Frame the points and the limits at the smallest center's volume, not the whole [0, 1]:
    a 2% mortality rate would otherwise be a flat line at the bottom."""
    values = [c.value for c in funnel.points if c.value is not None]
    smallest = min((c.point.denominator for c in funnel.points if c.point.denominator), default=0)
    low, high = funnel.p0, funnel.p0
    if smallest:
        limits = control_limits(funnel.p0, smallest, funnel.method)
        low, high = limits.low_998, limits.high_998
    low, high = min([low, *values]), max([high, *values])
    margin = max(0.02, (high - low) * 0.08)
    return max(0.0, low - margin), min(1.0, high + margin)


def _inline(svg: str) -> str:
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
