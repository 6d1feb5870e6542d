"""Figures for the notebooks. Each function returns a matplotlib Figure and never shows or saves
it: the notebook displays it, ``fig.savefig`` writes it where the learner wants.

>>> fig = plot_answer_histogram({50: 3, 51: 2, 0: 1}, title="toy")
>>> fig.axes[0].get_title()
'toy'
"""

from __future__ import annotations

from collections.abc import Mapping

from matplotlib.figure import Figure


def plot_answer_histogram(
    counts: Mapping[int, int], title: str = "Answer distribution", highlight: range | None = None
) -> Figure:
    """Bar chart of how often each answer occurs; ``highlight`` colours a band of answers."""
    fig = Figure(figsize=(9, 3.5))
    ax = fig.subplots()
    answers = sorted(counts)
    colours = ["tab:orange" if highlight and a in highlight else "tab:blue" for a in answers]
    ax.bar(answers, [counts[a] for a in answers], width=1.0, color=colours)
    ax.set_xlabel("answer (number of integer solutions)")
    ax.set_ylabel("problems")
    ax.set_title(title)
    fig.tight_layout()
    return fig
