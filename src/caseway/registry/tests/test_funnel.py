"""Funnel plots: control limits against hand-computed values, classification, the SVG."""

from __future__ import annotations

import re
import warnings
from fractions import Fraction

import pytest

from caseway.registry import funnel
from caseway.registry.funnel import FunnelPoint, Limits


def test_normal_limits_match_the_formula_by_hand() -> None:
    # p0 = 0.6, n = 50: standard error sqrt(0.24 / 50) = 0.0692820
    # 95%:   0.6 -/+ 1.959964 * 0.0692820 = 0.6 -/+ 0.1357900 -> 0.464210, 0.735790
    # 99.8%: 0.6 -/+ 3.090232 * 0.0692820 = 0.6 -/+ 0.2140975 -> 0.385902, 0.814098
    limits = funnel.control_limits(0.6, 50, method="normal")
    assert limits.n == 50
    assert limits.low_95 == pytest.approx(0.464210, abs=1e-6)
    assert limits.high_95 == pytest.approx(0.735790, abs=1e-6)
    assert limits.low_998 == pytest.approx(0.385902, abs=1e-6)
    assert limits.high_998 == pytest.approx(0.814098, abs=1e-6)


def test_exact_limits_follow_spiegelhalters_interpolation_by_hand() -> None:
    # Binomial(10, 0.5): F(1) = 11/1024, F(2) = 56/1024, F(7) = 968/1024, F(8) = 1013/1024.
    # Upper 95% (q = 0.975): r = 8, a = (F(8) - q) / (F(8) - F(7)), limit = (8 - a) / 10.
    q = Fraction(975, 1000)
    a = (Fraction(1013, 1024) - q) / Fraction(1013 - 968, 1024)
    upper = (8 - a) / 10
    # Lower 95% (q = 0.025): r = 2, a = (F(2) - q) / (F(2) - F(1)), limit = (2 - a) / 10.
    q = Fraction(25, 1000)
    a = (Fraction(56, 1024) - q) / Fraction(56 - 11, 1024)
    lower = (2 - a) / 10
    # Lower 99.8% (q = 0.001): r = 1 (F(0) = 1/1024 < 0.001 <= F(1)).
    q = Fraction(1, 1000)
    a = (Fraction(11, 1024) - q) / Fraction(10, 1024)
    lower_998 = (1 - a) / 10
    limits = funnel.control_limits(0.5, 10)  # exact is the default
    assert limits.high_95 == pytest.approx(float(upper), abs=1e-9)  # 0.767556
    assert limits.low_95 == pytest.approx(float(lower), abs=1e-9)  # 0.132444
    assert limits.low_998 == pytest.approx(float(lower_998), abs=1e-9)  # 0.00024


def test_exact_limits_approach_the_normal_ones_for_large_volumes() -> None:
    exact = funnel.control_limits(0.3, 20_000)
    normal = funnel.control_limits(0.3, 20_000, method="normal")
    for name in ("low_95", "high_95", "low_998", "high_998"):
        assert getattr(exact, name) == pytest.approx(getattr(normal, name), abs=5e-4)


def test_rare_events_in_small_centers_are_not_flagged_by_the_normal_artefact() -> None:
    # 30-day mortality 2%, a center with 3 deaths in 30: P(R >= 3) is about 2.2%, so it is
    # above the 95% limit but nowhere near the 99.8% one. The normal approximation says 99.8%.
    point = FunnelPoint("A", 3, 30)
    normal = funnel.control_limits(0.02, 30, method="normal")
    exact = funnel.control_limits(0.02, 30)
    assert funnel.classify(point.value, normal) == "above_998"
    assert funnel.classify(point.value, exact) == "above_95"
    assert normal.low_95 == 0.0 and exact.low_998 == 0.0  # clipped, never negative


def test_limits_are_clipped_and_degenerate_targets_are_flat() -> None:
    assert funnel.control_limits(0.0, 40) == Limits(40, 0.0, 0.0, 0.0, 0.0)
    assert funnel.control_limits(1.0, 40) == Limits(40, 1.0, 1.0, 1.0, 1.0)
    high = funnel.control_limits(0.97, 10, method="normal")
    assert high.high_95 == 1.0 and high.high_998 == 1.0
    with pytest.raises(ValueError):
        funnel.control_limits(1.2, 10)
    with pytest.raises(ValueError):
        funnel.control_limits(0.5, 0)
    with pytest.raises(ValueError):
        funnel.control_limits(0.5, 10, method="poisson")  # type: ignore[arg-type]


def test_classification_is_strictly_outside() -> None:
    limits = Limits(50, 0.46, 0.74, 0.39, 0.81)
    assert funnel.classify(0.6, limits) == "within"
    assert funnel.classify(0.74, limits) == "within"  # on the line is inside
    assert funnel.classify(0.75, limits) == "above_95"
    assert funnel.classify(0.82, limits) == "above_998"
    assert funnel.classify(0.45, limits) == "below_95"
    assert funnel.classify(0.38, limits) == "below_998"
    assert funnel.classify(None, limits) == "no_data"
    assert funnel.classify(0.5, None) == "no_data"


def centers() -> list[FunnelPoint]:
    return [
        FunnelPoint("", 30, 50),
        FunnelPoint("", 62, 100),
        FunnelPoint("", 118, 200),
        FunnelPoint("", 240, 400),
        FunnelPoint("서울센터", 46, 50, highlight=True),  # 92%: far above
        FunnelPoint("Busan", 35, 100),  # 35%: far below
        FunnelPoint("Empty", 0, 0),
    ]


def test_build_funnel_uses_the_pooled_rate_and_classifies_every_center() -> None:
    points = centers()
    plot = funnel.build_funnel(points)
    assert plot.p0 == pytest.approx(531 / 900)
    assert funnel.pooled_rate(points) == pytest.approx(531 / 900)
    status = {c.point.label or c.point.denominator: c.status for c in plot.points}
    assert status["서울센터"] == "above_998"
    assert status["Busan"] == "below_998"
    assert status["Empty"] == "no_data"
    assert status[50] == status[100] == status[200] == status[400] == "within"
    assert plot.counts() == {"within": 4, "above_998": 1, "below_998": 1, "no_data": 1}
    # the curve reaches past the largest center, and narrows as volume grows
    assert plot.curve[-1].n >= 400
    widths = [c.high_95 - c.low_95 for c in plot.curve if c.n >= 20]
    assert widths[0] > widths[-1]


def test_a_published_target_replaces_the_pooled_rate() -> None:
    plot = funnel.build_funnel(centers(), p0=0.65, method="normal")
    assert plot.p0 == 0.65 and plot.method == "normal"
    with pytest.raises(ValueError):
        funnel.build_funnel([FunnelPoint("x", 0, 0)])


def test_curve_volumes_are_dense_while_few_then_geometric() -> None:
    assert funnel.curve_volumes(5) == [1, 2, 3, 4, 5]
    grid = funnel.curve_volumes(100_000, steps=200)
    assert grid[0] == 1 and grid[-1] == 100_000 and len(grid) <= 200
    assert grid == sorted(set(grid))


def render(plot: funnel.Funnel) -> str:
    return funnel.render_svg(
        plot,
        x_label="수술 건수",
        y_label="완전 절제율",
        target_label="목표",
        limit_95_label="95% 한계",
        limit_998_label="99.8% 한계",
    )


def test_svg_has_the_named_labels_only_and_is_deterministic() -> None:
    plot = funnel.build_funnel(centers())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing Hangul glyph warns: fail on it
        svg = render(plot)
        again = render(plot)
    assert svg == again
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    texts = re.findall(r"<!-- (.*?) -->", svg)
    for label in (
        "서울센터",
        "Busan",
        "수술 건수",
        "완전 절제율",
        "목표",
        "95% 한계",
        "99.8% 한계",
    ):
        assert label in texts
    assert "Empty" not in texts  # no point to label: no cases
    assert "<dc:date>" not in svg  # no timestamp in the metadata


def test_korean_falls_back_to_a_cjk_font_when_one_is_installed() -> None:
    families = funnel.font_families()
    assert families[0] == "DejaVu Sans"
    from matplotlib import font_manager

    if any(f.name == "Noto Sans CJK KR" for f in font_manager.fontManager.ttflist):
        assert "Noto Sans CJK KR" in families


def test_a_description_becomes_the_accessible_name() -> None:
    plot = funnel.build_funnel(centers())
    svg = funnel.render_svg(plot, x_label="n", y_label="%", description='1 "above" & 1 below')
    assert svg.startswith('<svg role="img" aria-label="1 &quot;above&quot; &amp; 1 below" ')
