from helpers.plots import (
    plot_accuracy,
    plot_answer_histogram,
    plot_error_types,
    plot_loss_curves,
)
from helpers.statistics import summarise


def record(correct, error=None):
    return {
        "id": "p1",  # summarise takes graded records, each with its id
        "correct": correct,
        "error": error,
        "truncated": False,
        "tokens": 5,
        "math_verify": correct,
    }


SUMMARIES = {
    "base": summarise([record(False, "format"), record(False, "other"), record(True)]),
    "tuned": summarise([record(True), record(True), record(False, "off_by_one")]),
}


def test_accuracy_plot_draws_bars_whiskers_and_the_baseline():
    ax = plot_accuracy(SUMMARIES, baseline=0.15).axes[0]
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == [SUMMARIES["base"].accuracy, SUMMARIES["tuned"].accuracy]
    assert [line.get_ydata()[0] for line in ax.get_lines()][-1] == 0.15


def test_error_plot_stacks_each_error_type():
    ax = plot_error_types(SUMMARIES).axes[0]
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == [
        "format",
        "off_by_one",
        "other",
    ]
    assert sum(bar.get_height() for bar in ax.patches) == 3


def test_loss_and_histogram_plots_have_one_series_each():
    history = [{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.0}]
    assert len(plot_loss_curves({"A": history, "B": history}).axes[0].get_lines()) == 2
    assert len(plot_answer_histogram({50: 3, 51: 1}).axes[0].patches) == 2


def test_tradeoff_plot_places_models_and_reference_lines():
    from helpers.safety_plots import plot_tradeoff

    ax = plot_tradeoff({"base": (0.6, 0.9), "tuned": (0.7, 0.8)}, {"Strong": (0.455, 0.725)}).axes[
        0
    ]
    offsets = [tuple(c.get_offsets()[0]) for c in ax.collections]
    assert offsets == [(0.6, 0.9), (0.7, 0.8)]
    assert sorted(line.get_xdata()[0] for line in ax.get_lines())[-1] == 0.455


def test_safety_by_hazard_plot_has_a_bar_per_model_and_hazard():
    from helpers.safety import safety_by_hazard
    from helpers.safety_plots import plot_safety_by_hazard

    verdicts = [{"label": "safe", "hazard": h} for h in ("cse", "vcr")]
    rates = {"base": safety_by_hazard(verdicts), "tuned": safety_by_hazard(verdicts[:1])}
    assert len(plot_safety_by_hazard(rates).axes[0].patches) == 4


def spy_on_whiskers(monkeypatch) -> list:
    """The ``(values, intervals)`` of every call of ``helpers.plots.whiskers``, recorded."""
    import helpers.plots

    calls, real = [], helpers.plots.whiskers

    def recording(values, intervals):
        calls.append((list(values), list(intervals)))
        return real(values, intervals)

    monkeypatch.setattr(helpers.plots, "whiskers", recording)
    return calls


def test_safety_by_hazard_whiskers_are_wilson_intervals_and_labels_give_n(monkeypatch):
    from helpers.safety import safety_by_hazard
    from helpers.safety_plots import plot_safety_by_hazard

    verdicts = [{"label": "safe" if i < 3 else "unsafe", "hazard": "cse"} for i in range(4)]
    verdicts += [{"label": "safe", "hazard": "vcr"} for _ in range(12)]
    rates = safety_by_hazard(verdicts)
    calls = spy_on_whiskers(monkeypatch)
    ax = plot_safety_by_hazard({"base": rates, "tuned": rates}).axes[0]
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert labels[:2] == [
        "cse (Child Sexual Exploitation), n=4",
        "vcr (Violent Crimes), n=12",
    ]
    wilson = [(rates[h].low, rates[h].high) for h in ("cse", "vcr")]
    assert calls == [([0.75, 1.0], wilson)] * 2  # each model's bars: rate and its interval


def test_hazard_labels_give_each_models_n_when_they_differ():
    from helpers.safety import safety_by_hazard
    from helpers.safety_plots import plot_safety_by_hazard

    rates = {
        "base": safety_by_hazard([{"label": "safe", "hazard": "cse"}] * 3),
        "tuned": safety_by_hazard([{"label": "safe", "hazard": "cse"}] * 2),
    }
    labels = [t.get_text() for t in plot_safety_by_hazard(rates).axes[0].get_yticklabels()]
    assert labels == ["cse (Child Sexual Exploitation), n=3/2"]


def test_tradeoff_plot_draws_both_intervals_when_given(monkeypatch):
    from helpers.safety_plots import plot_tradeoff

    calls = spy_on_whiskers(monkeypatch)
    intervals = {"tuned": ((0.6, 0.8), (0.7, 0.9))}
    plot_tradeoff({"base": (0.5, 0.9), "tuned": (0.7, 0.8)}, intervals=intervals)
    assert calls == [([0.7], [(0.6, 0.8)]), ([0.8], [(0.7, 0.9)])]  # math, then safety


def test_twin_share_plot_has_a_bar_per_training_set_and_split_at_its_share():
    from helpers.plots import plot_twin_shares

    shares = {
        "train_400": {"val_40": 0.5, "test_40": 0.25},
        "train_2000": {"val_40": 0.75, "test_40": 1.0},
    }
    ax = plot_twin_shares(shares).axes[0]
    assert [bar.get_height() for bar in ax.patches] == [0.5, 0.25, 0.75, 1.0]
    assert [label.get_text() for label in ax.get_xticklabels()] == ["val_40", "test_40"]


def test_quoted_points_are_labelled_crosses_outside_the_legend():
    from helpers.safety_plots import plot_tradeoff

    fig = plot_tradeoff({"ours": (0.5, 0.8)}, quoted={"run 5": (0.46, 0.86)})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["ours"]
    assert "run 5" in [t.get_text() for t in ax.texts]


def test_answer_histogram_names_its_highlighted_band_and_its_share_in_a_legend():
    ax = plot_answer_histogram({0: 1, 50: 2, 51: 1}, highlight=range(49, 54)).axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["other answers", "answers 49..53: 75% of problems"]
    assert plot_answer_histogram({50: 3, 51: 1}).axes[0].get_legend() is None  # no band, no key


def text_boxes(fig, texts):
    """Each text's box as drawn (its line to a point left out)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return [Text.get_window_extent(t, canvas.get_renderer()) for t in texts]


def test_the_reports_quoted_runs_get_labels_that_never_overlap():
    from helpers.hayes import HAYES_BASELINES, QWEN_15B, hayes_points
    from helpers.safety_plots import plot_tradeoff

    ours = {"untuned": (0.45, 0.88), "run 6": (0.44, 0.89)}  # in the thick of the report's runs
    for quoted in (hayes_points(), hayes_points(QWEN_15B)):
        fig = plot_tradeoff(ours, HAYES_BASELINES, quoted=quoted)
        labels = [t for t in fig.axes[0].texts if t.get_text() in quoted]
        assert sorted(t.get_text() for t in labels) == sorted(quoted)
        boxes = text_boxes(fig, labels)
        for i, a in enumerate(boxes):
            assert not any(a.overlaps(b) for b in boxes[i + 1 :]), labels[i].get_text()


def test_a_crowd_of_quoted_points_is_labelled_in_one_row_in_the_order_of_its_points():
    from helpers.safety_plots import plot_tradeoff

    crowd = {f"run {i}": (0.40 + 0.005 * i, 0.88) for i in range(5)}
    fig = plot_tradeoff({"ours": (0.8, 0.2)}, quoted=crowd)
    labels = [t for t in fig.axes[0].texts if t.get_text() in crowd]
    boxes = dict(zip([t.get_text() for t in labels], text_boxes(fig, labels), strict=True))
    in_row = [name for name in crowd if boxes[name].y0 > boxes["run 0"].y0 + 1]
    assert len(in_row) >= 3  # five labels cannot all sit beside points 2 points apart
    assert sorted(in_row, key=lambda name: boxes[name].x0) == in_row  # as their points go
    assert len({round(boxes[name].y0) for name in in_row}) == 1  # one row
    lined = [t.get_text() for t in labels if t.arrow_patch is not None]
    assert lined == in_row  # each label in the row has its line down to its point


def test_each_reference_line_is_labelled_with_its_level_and_value():
    from helpers.hayes import HAYES_BASELINES
    from helpers.safety_plots import plot_tradeoff

    texts = [
        t.get_text() for t in plot_tradeoff({"ours": (0.5, 0.5)}, HAYES_BASELINES).axes[0].texts
    ]
    for level, (math, safety) in HAYES_BASELINES.items():
        assert f"{level}: math {math:.3f} " in texts and f"{level}: safety {safety:.3f}" in texts
