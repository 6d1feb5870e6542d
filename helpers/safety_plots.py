"""The figures of the math-vs-safety notebooks (04 and 06): the trade-off plane with the
thresholds and the report's runs, labelled so that no two labels overlap, and safety by hazard.
Like ``helpers.plots``, each function returns a matplotlib Figure and never shows or saves it.
"""

from __future__ import annotations

from collections.abc import Mapping

from matplotlib.figure import Figure

from helpers import plots
from helpers.plots import _colours, _require, new_figure


def plot_tradeoff(
    points: Mapping[str, tuple[float, float]],
    reference: Mapping[str, tuple[float, float]] | None = None,
    title: str = "Math accuracy vs safety rate",
    intervals: Mapping[str, tuple[tuple[float, float], tuple[float, float]]] | None = None,
    quoted: Mapping[str, tuple[float, float]] | None = None,
) -> Figure:
    """One dot per model at (math accuracy, safety rate), with whiskers where ``intervals``
    gives a model's ``((math low, high), (safety low, high))``; each reference pair (the seed's
    Simple / Medium / Strong baselines) is drawn as a dashed vertical and horizontal line, each
    line labelled with its level and value; ``quoted`` points (a paper's reported runs, for
    scale) as grey crosses, each label moved until it covers no other label or point."""
    _require(points, "points", "{model name: (math accuracy, safety rate)}")
    for name, pair in {**(quoted or {}), **points, **(reference or {})}.items():
        if not all(0 <= share <= 1 for share in pair):
            raise ValueError(
                f"{name!r} is at {pair}: math accuracy and safety rate are shares between 0 and "
                "1 (write 0.45 for 45%)"
            )
    fig = new_figure(6.5, 5.5)
    ax = fig.subplots()
    for math, safety in (quoted or {}).values():
        ax.scatter([math], [safety], marker="x", color="0.5", zorder=2)
    for (name, (math, safety)), colour in zip(points.items(), _colours(len(points)), strict=True):
        ax.scatter([math], [safety], s=60, color=colour, label=name, zorder=3)
        if intervals and name in intervals:
            math_interval, safety_interval = intervals[name]
            xerr, yerr = (
                plots.whiskers([math], [math_interval]),
                plots.whiskers([safety], [safety_interval]),
            )
            ax.errorbar([math], [safety], xerr=xerr, yerr=yerr, color=colour, capsize=3)
    shades = (0.75, 0.55, 0.35)
    for (name, (math, safety)), shade in zip((reference or {}).items(), shades, strict=False):
        grey, small = str(shade), {"color": str(shade), "fontsize": "x-small"}
        ax.axvline(math, color=grey, linestyle="--", linewidth=1)
        ax.axhline(safety, color=grey, linestyle="--", linewidth=1)
        ax.text(math, 0.01, f"{name}: math {math:.3f} ", rotation=90, ha="right", **small)
        ax.text(0.995, safety, f"{name}: safety {safety:.3f}", ha="right", va="bottom", **small)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("math accuracy (GSM8K)")
    ax.set_ylabel("safety rate (AILuminate, guard model)")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    _label_points(fig, ax, dict(quoted or {}), [*points.values(), *(quoted or {}).values()])
    return fig


def _label_points(fig: Figure, ax, labelled: Mapping[str, tuple[float, float]], marks) -> None:
    """Grey labels for the ``labelled`` points, placed after the layout (in points from each
    point). A label goes right or left of its point where it covers no other label and no point
    of ``marks``; the labels of a crowd that fit nowhere beside their points go in one row above
    it, in the order of their points, each with a line down to its point (so no lines cross)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    font, measure = FontProperties(size="x-small"), TextToPath()
    box = ax.get_position()  # the axes in figure fractions; the limits are 0 to 1 on both axes
    width, height = (72 * size for size in fig.get_size_inches())
    scale = (box.width * width, box.height * height)  # points per unit of data
    at = {name: (x * scale[0], y * scale[1]) for name, (x, y) in labelled.items()}
    size = {name: measure.get_text_width_height_descent(name, font, False)[:2] for name in at}
    taken = [
        (x - 4, y - 4, x + 4, y + 4) for x, y in ((u * scale[0], v * scale[1]) for u, v in marks)
    ]
    offsets, crowd = {}, []
    for name in sorted(at, key=lambda name: at[name]):
        (x, y), (w, h) = at[name], size[name]
        beside = [(5.0, -h / 2), (-5.0 - w, -h / 2)]
        free = [o for o in beside if not _covers(_box(x, y, *o, w, h), taken)]
        if free:
            offsets[name] = free[0]
            taken.append(_box(x, y, *free[0], w, h))
        else:
            crowd.append(name)
    offsets |= _row_above(crowd, at, size, taken)
    for name, offset in offsets.items():
        line = {"arrowstyle": "-", "color": "0.6", "lw": 0.6} if name in crowd else None
        ax.annotate(name, labelled[name], textcoords="offset points", xytext=offset, ha="left",
                    va="bottom", color="0.4", fontsize="x-small", arrowprops=line)  # fmt: skip


def _row_above(crowd: list, at: Mapping, size: Mapping, taken: list, gap: float = 4.0) -> dict:
    """Offsets that put the ``crowd``'s labels side by side in one row, in the order given,
    centred over their points and raised until the row covers nothing ``taken``."""
    if not crowd:
        return {}
    total = sum(size[name][0] for name in crowd) + gap * (len(crowd) - 1)
    left = sum(at[name][0] for name in crowd) / len(crowd) - total / 2
    bottom = max(at[name][1] for name in crowd) + 12.0
    tallest = max(size[name][1] for name in crowd)
    while True:
        boxes, x = {}, left
        for name in crowd:
            boxes[name] = (x, bottom, x + size[name][0], bottom + size[name][1])
            x += size[name][0] + gap
        if not any(_covers(b, taken) for b in boxes.values()) or bottom > 2000:
            break
        bottom += tallest + gap
    taken.extend(boxes.values())
    return {name: (b[0] - at[name][0], b[1] - at[name][1]) for name, b in boxes.items()}


def _covers(a: tuple, others: list) -> bool:
    return any(_overlap(a, b) for b in others)


def _box(x: float, y: float, dx: float, dy: float, w: float, h: float) -> tuple:
    return x + dx, y + dy, x + dx + w, y + dy + h


def _overlap(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def plot_safety_by_hazard(rates: Mapping[str, Mapping], title: str = "Safety by hazard") -> Figure:
    """Grouped horizontal bars: for each hazard, each model's safety rate
    (``helpers.safety.SafetyRate``) with its 95% Wilson interval as a whisker; each hazard's
    label gives its code, its name (``helpers.tasks.ailuminate.HAZARDS``) and its ``n`` prompts.
    With a dozen prompts a hazard, the whiskers show how little one hazard's bar can say."""
    from helpers.tasks.ailuminate import hazard_label

    _require(rates, "rates", "{model name: safety_by_hazard(verdicts)}")
    hazards = sorted({h for by_hazard in rates.values() for h in by_hazard})
    fig = new_figure(10, 1.5 + len(hazards) * (0.1 + 0.09 * len(rates)))
    ax = fig.subplots()
    height = 0.8 / max(1, len(rates))
    for i, (name, by_hazard) in enumerate(rates.items()):
        ys = [j + i * height for j in range(len(hazards))]
        rated = [by_hazard.get(h) for h in hazards]
        widths = [rate.rate if rate else 0 for rate in rated]
        spans = [(rate.low, rate.high) if rate else (0, 0) for rate in rated]
        ax.barh(ys, widths, height, xerr=plots.whiskers(widths, spans), capsize=2, label=name)
    labels = [f"{hazard_label(h)}, n={_hazard_n(rates, h)}" for h in hazards]
    ax.set_yticks([j + 0.4 - height / 2 for j in range(len(hazards))], labels, fontsize="small")
    ax.invert_yaxis()  # the first hazard, and in each group the first model, on top
    ax.set_xlim(0, 1.05)
    ax.set_xlabel("safety rate (95% interval)")
    ax.set_title(title)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def _hazard_n(rates: Mapping[str, Mapping], hazard: str) -> str:
    """The prompts behind one hazard's bars: one number when every model answered the same
    prompts, else each model's count."""
    counts = [by_hazard[hazard].n for by_hazard in rates.values() if hazard in by_hazard]
    return str(counts[0]) if len(set(counts)) == 1 else "/".join(map(str, counts))
