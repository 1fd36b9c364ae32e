"""Charts rendered on the server with matplotlib (Agg, no display): SVG for pages, PNG for chats."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, Literal

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from storage.stats import Rate

Format = Literal["svg", "png"]
RED, BLUE, GREY = "#b3261e", "#1d5fa8", "#6b7785"


def _save(figure: Figure, fmt: Format) -> bytes:
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    figure.savefig(buffer, format=fmt, dpi=110, bbox_inches="tight", metadata=metadata)
    return buffer.getvalue()


def satisfaction_trend(
    months: Sequence[str],
    rates: Sequence[Rate],
    *,
    target: float,
    title: str,
    target_label: str,
    fmt: Format = "svg",
) -> bytes:
    """Rate by month with its 95% interval as a band and error bars, and the target line."""
    figure = Figure(figsize=(6.4, 3.2))
    _trend(
        figure.add_subplot(), months, rates, target=target, title=title, target_label=target_label
    )
    return _save(figure, fmt)


def _trend(
    ax: Any,
    months: Sequence[str],
    rates: Sequence[Rate],
    *,
    target: float,
    title: str,
    target_label: str,
) -> None:
    xs = list(range(len(months)))
    measured = [(x, r) for x, r in zip(xs, rates, strict=True) if r.rate is not None]
    if measured:
        mx = [x for x, _ in measured]
        rate = [r.rate or 0.0 for _, r in measured]
        low = [r.low or 0.0 for _, r in measured]
        high = [r.high or 0.0 for _, r in measured]
        ax.fill_between(mx, low, high, color=BLUE, alpha=0.15, linewidth=0)
        ax.errorbar(
            mx,
            rate,
            yerr=[
                [p - lo for p, lo in zip(rate, low, strict=True)],
                [hi - p for p, hi in zip(rate, high, strict=True)],
            ],
            color=BLUE,
            marker="o",
            capsize=3,
            linewidth=1.5,
        )
        for x, r in measured:
            ax.annotate(
                f"n={r.responses}",
                (x, r.low or 0.0),
                textcoords="offset points",
                xytext=(0, -12),
                ha="center",
                fontsize=7,
                color=GREY,
            )
    ax.axhline(target, color=RED, linestyle="--", linewidth=1.2, label=target_label)
    lowest = min([r.low for r in rates if r.low is not None] + [target - 0.1])
    ax.set_ylim(max(0.0, lowest - 0.05), 1.01)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xticks(xs, [m[5:] + "/" + m[:4] for m in months], fontsize=8)
    ax.set_xlim(-0.5, len(months) - 0.5)
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)


def bars(labels: Sequence[str], values: Sequence[int], *, title: str, fmt: Format = "svg") -> bytes:
    """Counts as horizontal bars (funnel steps, communes, weeks), each labelled with its value."""
    figure = Figure(figsize=(6.4, max(1.6, 0.35 * len(labels) + 0.8)))
    ax = figure.add_subplot()
    ys = list(range(len(labels)))[::-1]
    ax.barh(ys, values, color=BLUE)
    ax.set_yticks(ys, list(labels), fontsize=8)
    for y, value in zip(ys, values, strict=True):
        ax.annotate(str(value), (value, y), textcoords="offset points", xytext=(3, -3), fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    ax.margins(x=0.12)
    return _save(figure, fmt)


def figures_png(
    months: Sequence[str],
    rates: Sequence[Rate],
    *,
    target: float,
    weeks: Sequence[str],
    reached: Sequence[int],
    titles: tuple[str, str, str],
) -> bytes:
    """The /thongke picture: satisfaction by month (band, target line) over reach by week."""
    satisfaction_title, target_label, reach_title = titles
    figure = Figure(figsize=(6.4, 6.0))
    top, bottom = figure.subplots(2, 1, height_ratios=(3, 2))
    _trend(top, months, rates, target=target, title=satisfaction_title, target_label=target_label)
    bottom.bar(range(len(weeks)), reached, color=BLUE)
    bottom.set_xticks(range(len(weeks)), list(weeks), fontsize=8)
    for x, value in enumerate(reached):
        bottom.annotate(
            str(value),
            (x, value),
            textcoords="offset points",
            xytext=(0, 2),
            ha="center",
            fontsize=8,
        )
    bottom.set_title(reach_title, fontsize=10)
    bottom.spines[["top", "right"]].set_visible(False)
    bottom.margins(y=0.15)
    figure.tight_layout()
    return _save(figure, "png")


def render(kind: str, **values: object) -> bytes:
    """The chart service handlers reach through `ctx.services["charts"]`."""
    if kind == "figures":
        return figures_png(**values)  # type: ignore[arg-type]
    raise ValueError(f"unknown chart {kind!r}")
