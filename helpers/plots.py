"""Figures for the notebooks. Each function returns a matplotlib Figure and never shows or saves
it: the notebook displays it, ``fig.savefig`` writes it where the learner wants. Figures are
built without pyplot (no global figure state); ``new_figure`` tells a running Jupyter or Colab
kernel to display them as PNG images, which it otherwise would not.

>>> fig = plot_answer_histogram({50: 3, 51: 2, 0: 1}, title="toy")
>>> fig.axes[0].get_title()
'toy'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from helpers.statistics import Summary


def new_figure(width: float, height: float) -> Figure:
    """A Figure that displays as an image in Jupyter and Colab.

    Without pyplot's inline backend, IPython has no image formatter for a ``Figure`` and shows
    the text ``<Figure size 900x350 with 1 Axes>``; this registers IPython's own PNG formatter
    (``select_figure_formats``, what ``%matplotlib inline`` uses). Outside IPython it does
    nothing.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        shell = None
    else:
        shell = get_ipython()
    if shell is not None:
        from IPython.core.pylabtools import select_figure_formats

        select_figure_formats(shell, {"png"})
    return Figure(figsize=(width, height))


def _require(items, what: str, example: str) -> None:
    """An empty input draws an empty figure, which looks like a result of nothing: refuse it."""
    if not items:
        raise ValueError(f"{what} is empty: nothing to draw; pass {example}")


def _logged_keys(history: Sequence[dict]) -> list[str]:
    return sorted({key for log in history for key in log})


def plot_answer_histogram(
    counts: Mapping[int, int], title: str = "Answer distribution", highlight: range | None = None
) -> Figure:
    """Bar chart of how often each answer occurs; ``highlight`` colours a band of answers and
    names it in a legend, with its share of the problems."""
    _require(counts, "counts", "answer_histogram(rows)")
    fig = new_figure(9, 3.5)
    ax = fig.subplots()
    band = sorted(a for a in counts if highlight and a in highlight)
    rest = sorted(a for a in counts if a not in band)
    ax.bar(rest, [counts[a] for a in rest], width=1.0, color="tab:blue", label="other answers")
    if band:
        share = sum(counts[a] for a in band) / sum(counts.values())
        label = f"answers {highlight[0]}..{highlight[-1]}: {share:.0%} of problems"
        ax.bar(band, [counts[a] for a in band], width=1.0, color="tab:orange", label=label)
        ax.legend(loc="upper left")
    ax.set_xlabel("answer (number of integer solutions)")
    ax.set_ylabel("problems")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_loss_curves(
    histories: Mapping[str, Sequence[dict]], title: str = "Training loss"
) -> Figure:
    """One line per run: loss against optimizer step (from ``TrainingResult.history``)."""
    _require(histories, "histories", "{run name: result.history}")
    for name, history in histories.items():
        _require(history, f"the history of {name!r}", "a trained run's result.history")
        if any("loss" not in log or "step" not in log for log in history):
            raise ValueError(
                f"the history of {name!r} has a log without 'step' and 'loss' (its keys: "
                f"{_logged_keys(history)}): pass TrainingResult.history, or plot_curves for "
                "another quantity"
            )
    fig = new_figure(8, 3.5)
    ax = fig.subplots()
    for name, history in histories.items():
        marker = "o" if len(history) == 1 else None  # a one-step run is a point, not a line
        ax.plot(
            [h["step"] for h in history], [h["loss"] for h in history], marker=marker, label=name
        )
    ax.set_xlabel("optimizer step")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no step 1.5
    ax.set_ylabel("loss (completion tokens)")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_curves(
    history: Sequence[dict], series: Mapping[str, str], title: str = "Training curves"
) -> Figure:
    """One small panel per ``{label: logged key}`` against optimizer step, for quantities on
    different scales (a reward in [0, 1], a loss near 0). Steps that did not log a key are
    skipped.

    >>> fig = plot_curves([{"step": 1, "loss": 0.1}, {"step": 2, "loss": 0.0}], {"loss": "loss"})
    >>> [ax.get_title() for ax in fig.axes]
    ['loss']
    """
    _require(history, "history", "a trained run's result.history")
    _require(series, "series", "{label: logged key}, e.g. {'reward': 'rewards/correct/mean'}")
    logged_keys = _logged_keys(history)
    unknown = [key for key in series.values() if key not in logged_keys]
    if unknown:
        raise ValueError(
            f"no step logged {', '.join(map(repr, unknown))}: the history logs {logged_keys}; "
            "use one of those keys"
        )
    fig = new_figure(3.2 * len(series), 3.0)
    axes = fig.subplots(1, len(series), squeeze=False)[0]
    for ax, (label, key) in zip(axes, series.items(), strict=True):
        logged = [h for h in history if key in h]
        ax.plot([h["step"] for h in logged], [h[key] for h in logged])
        ax.set_title(label)
        ax.set_xlabel("optimizer step")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no step 1.5
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def whiskers(values: Sequence[float], intervals: Sequence[tuple[float, float]]) -> list:
    """``[below, above]``: how far each interval reaches beneath and above its value, as
    matplotlib's ``yerr`` and ``xerr`` take them.

    >>> whiskers([0.5, 0.9], [(0.35, 0.65), (0.7, 0.98)])
    [[0.15, 0.2], [0.15, 0.08]]
    """
    pairs = list(zip(values, intervals, strict=True))
    slack = 1e-9  # a Wilson bound at 0 or 1 may miss its value by a rounding error
    outside = [(v, (low, high)) for v, (low, high) in pairs if not low - slack <= v <= high + slack]
    if outside:
        value, (low, high) = outside[0]
        raise ValueError(
            f"the interval [{low}, {high}] does not hold its value {value}: pass each value with "
            "its own interval (the same share, on the same scale)"
        )
    below = [max(0.0, round(value - low, 12)) for value, (low, _) in pairs]
    above = [max(0.0, round(high - value, 12)) for value, (_, high) in pairs]
    return [below, above]


def plot_accuracy(
    summaries: Mapping[str, Summary],
    baseline: float | None = None,
    title: str = "Accuracy with 95% intervals",
) -> Figure:
    """Accuracy bars with Wilson-interval whiskers; ``baseline`` draws the constant-answer line."""
    _require(summaries, "summaries", "{model name: summarise(records)}")
    fig = new_figure(8, 3.5)
    ax = fig.subplots()
    names = list(summaries)
    accuracy = [summaries[n].accuracy for n in names]
    errors = whiskers(accuracy, [(summaries[n].low, summaries[n].high) for n in names])
    ax.bar(names, accuracy, yerr=errors, capsize=6, color="tab:blue")
    if baseline is not None:
        ax.axhline(baseline, color="tab:red", linestyle="--", label="constant-answer baseline")
        ax.legend()
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_error_types(summaries: Mapping[str, Summary], title: str = "Errors by type") -> Figure:
    """Stacked bars: how each model's wrong answers split into error types."""
    _require(summaries, "summaries", "{model name: summarise(records)}")
    fig = new_figure(8, 3.5)
    ax = fig.subplots()
    names = list(summaries)
    types = sorted({t for s in summaries.values() for t in s.errors})
    bottom = [0] * len(names)
    for error_type in types:
        counts = [summaries[n].errors.get(error_type, 0) for n in names]
        ax.bar(names, counts, bottom=bottom, label=error_type)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax.set_ylabel("wrong answers")
    ax.set_title(title)
    if types:  # beside the axes: inside, it covers the tallest bars
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def plot_twin_shares(
    shares: Mapping[str, Mapping[str, float]],
    title: str = "Evaluation problems with a twin in training",
) -> Figure:
    """Grouped bars, ``shares[train][split]``: for each evaluation split, the share of its
    problems whose canonical form (``helpers.inequalities.canonical_form``) a training set has."""
    _require(shares, "shares", "{training set: {split: share}}")
    splits = list(dict.fromkeys(split for by_split in shares.values() for split in by_split))
    for train, by_split in shares.items():
        if missing := [split for split in splits if split not in by_split]:
            raise ValueError(
                f"shares[{train!r}] has no share for {missing}: give every training set a share "
                f"for each split ({splits})"
            )
    fig = new_figure(9, 3.5)
    ax = fig.subplots()
    width = 0.8 / max(1, len(shares))
    for i, (train, by_split) in enumerate(shares.items()):
        xs = [j + i * width for j in range(len(splits))]
        bars = ax.bar(xs, [by_split[split] for split in splits], width, label=f"twin in {train}")
        ax.bar_label(bars, fmt="{:.0%}", fontsize="small")
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(splits))], splits)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("share with a training twin")
    ax.set_title(title)
    ax.legend(fontsize="small", loc="upper right")
    fig.tight_layout()
    return fig


def _colours(n: int) -> list:
    from matplotlib import colormaps

    return [colormaps["tab10"](i % 10) for i in range(n)]
