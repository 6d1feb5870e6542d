"""Bad input, module by module: each case is refused with the file, row or setting and the fix,
before any model loads, or read as documented; none gives a silently wrong result, hangs, or
fails inside a library. One table per module: (input, expected error text or result)."""

import json
import random
import re
import time
from dataclasses import replace
from pathlib import Path

import pytest

import helpers.colab
from helpers.checkpoints import adapter_digest, check_adapter, model_positions
from helpers.experiments import GRPO_RUN, MODEL_A
from helpers.files import append_jsonl, read_csv, read_jsonl
from helpers.grading import extract_integer, math_verify_correct, parse_integer
from helpers.inequalities import GeneratorSettings, Inequality
from helpers.inequality_splits import constant_baseline, from_row, twin_answers, write_splits
from helpers.models import model_source
from helpers.results import ResultsFile, map_resumably
from helpers.rewards import BOXED, correctness_reward, format_reward
from helpers.runs import claim_folder
from helpers.tasks.inequalities import INEQUALITIES

ROOT = Path(__file__).resolve().parent.parent
NO_MODEL = "a model was loaded for bad input"


def no_loading(*args, **kwargs):
    raise AssertionError(NO_MODEL)


@pytest.fixture
def nothing_loads(monkeypatch):
    """Any model load fails the test: every refusal below must come first."""
    import helpers.evaluation
    import helpers.grpo
    import helpers.models
    import helpers.training

    for module in (helpers.models, helpers.training, helpers.grpo):
        monkeypatch.setattr(module, "load_model", no_loading)
    monkeypatch.setattr(helpers.models, "fast_language_model", no_loading)  # load_adapter's


def fake_adapter(folder: Path, base: str, r: int = 64, config_r: int | None = None) -> Path:
    """An adapter folder as PEFT saves one (config and weights), with LoRA weights of rank ``r``
    on one projection, its config saying ``config_r``: built in milliseconds, no training."""
    import torch
    from safetensors.torch import save_file

    folder.mkdir(parents=True)
    prefix = "base_model.model.model.layers.0.self_attn.q_proj"
    weights = {
        f"{prefix}.lora_A.weight": torch.zeros(r, 8),
        f"{prefix}.lora_B.weight": torch.zeros(8, r),
    }
    save_file(weights, str(folder / "adapter_model.safetensors"))
    rank = config_r or r
    config = {
        "base_model_name_or_path": base,
        "r": rank,
        "lora_alpha": 2 * rank,
        "lora_dropout": 0.0,
    }
    (folder / "adapter_config.json").write_text(json.dumps(config))
    return folder


# files.py and results.py ------------------------------------------------------------------------


def test_a_complete_last_line_without_its_newline_is_kept_and_the_next_record_starts_a_line(
    tmp_path,
):
    results = ResultsFile.keyed(tmp_path / "eval", {"model": "m"})
    results.append([{"id": "a"}])
    results.path.write_bytes(results.path.read_bytes().rstrip(b"\n"))  # only the newline lost
    assert results.read() == [{"id": "a"}]
    results.append([{"id": "b"}])
    assert results.read() == [{"id": "a"}, {"id": "b"}]
    assert results.read() == [{"id": "a"}, {"id": "b"}]  # and every rerun after it


def test_a_line_cut_off_mid_write_is_still_dropped_before_the_next_append(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_bytes(b'{"id": "a"}\n{"id": "b", "resp')
    with pytest.warns(UserWarning, match="cut off mid-write"):
        assert read_jsonl(path, tail="drop") == [{"id": "a"}]
    append_jsonl(path, [{"id": "b"}])
    assert read_jsonl(path) == [{"id": "a"}, {"id": "b"}]


CSV_HEADER = "id,question,answer\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('id,"question\n', r"line 1 \(row 0\): unexpected end of data"),
        (
            CSV_HEADER + "a,q,1\nb,q",
            r"line 3 \(row 1\): 2 fields where the header has 3: the row is cut short",
        ),
        (
            CSV_HEADER + "a,q,1\nb,q,1,2\n",
            r"line 3 \(row 1\): 4 fields .* too long; .*quote a field",
        ),
        (
            CSV_HEADER + 'a,q,1\nb,"an unclosed quote',
            r"line 3 \(row 1\): unexpected end of data .*fetch",
        ),
    ],
)
def test_a_csv_row_cut_short_or_too_long_is_named_with_its_line(tmp_path, text, message):
    path = tmp_path / "rows.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=rf"rows\.csv, {message}"):
        read_csv(path, ("id", "question", "answer"))


def test_a_quoted_field_over_several_lines_is_one_row(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text(CSV_HEADER + 'a,"two\nlines",1\nb,q,2\n')
    rows = read_csv(path, ("id", "question", "answer"))
    assert [row["question"] for row in rows] == ["two\nlines", "q"]


def test_a_damaged_settings_file_names_itself_and_the_fix(tmp_path):
    results = ResultsFile.keyed(tmp_path / "eval", {"model": "m"})
    results.append([{"id": "a"}])
    results.settings_path.write_text('{"model": "m"')
    with pytest.raises(ValueError, match=r"\.json is damaged .*Delete both files"):
        results.read()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: INEQUALITIES.check_rows("train", "eval rows"), "eval rows: rows must be a list"),
        (lambda: INEQUALITIES.training_examples("train", "solution"), "got str 'train'"),
        (lambda: INEQUALITIES.check_rows(["val-0001"], "eval rows"), "row 0 is str 'val-0001'"),
        (lambda: constant_baseline("train", "val"), r"load them first, e\.g\. load_split"),
        (lambda: INEQUALITIES.mean_example_tokens(None, [], "solution"), "needs at least one"),
    ],
)
def test_a_split_name_where_rows_are_expected_is_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_records_that_are_not_one_per_row_in_order_are_refused_before_writing(tmp_path):
    results = ResultsFile.keyed(tmp_path / "eval", {"model": "m"})
    rows = [{"id": "a"}, {"id": "b"}]
    for wrong in ([{"id": "b"}, {"id": "a"}], [{"id": "a"}], [{"response": "7"}, {"id": "b"}]):
        with pytest.raises(ValueError, match="one record a row, in the batch's order"):
            map_resumably(rows, results, lambda batch, wrong=wrong: wrong, 2, "rows")
    assert results.read() == []


def test_map_resumably_refuses_a_string_of_rows_before_any_work(tmp_path):
    results = ResultsFile.keyed(tmp_path / "eval", {"model": "m"})
    with pytest.raises(ValueError, match="rows must be a list of row dicts, got str"):
        map_resumably("train", results, no_loading, 4, "rows")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("load_split('val', '40')", r"load_split\('val', '40'\): name the split as text"),
        ("load_split(40, 'val')", "its size as a whole number"),
        ("generate_unique(True, seed=0)", "n=True: ask for a whole number"),
    ],
)
def test_a_split_asked_for_with_the_wrong_types_is_refused(call, message):
    import helpers.inequality_splits

    with pytest.raises(ValueError, match=message):
        eval(call, vars(helpers.inequality_splits))


# colab.py ---------------------------------------------------------------------------------------


@pytest.fixture
def course_copy(tmp_path, monkeypatch):
    """The notebooks and this module copied into ``tmp_path``, ``helpers.colab`` pointed there."""
    for folder in ("nbs_py", "notebooks", "helpers"):
        (tmp_path / folder).mkdir()
    for path in helpers.colab.notebook_files(ROOT):
        (tmp_path / path.parent.name / path.name).write_text(path.read_text())
    module = tmp_path / "helpers" / "colab.py"
    module.write_text(Path(helpers.colab.__file__).read_text())
    monkeypatch.setattr(helpers.colab, "__file__", str(module))
    return tmp_path


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/a-teacher/math-course.git",
        "https://github.com/a-teacher/math-course/",
        "https://github.com/a-teacher/math-course.git/",
        " https://github.com/a-teacher/math-course ",
    ],
)
def test_a_clone_url_is_taken_as_the_repository_url(course_copy, url):
    changed = helpers.colab.point_notebooks_at(url, course_copy)
    assert len(changed) == 1 + len(helpers.colab.notebook_files(ROOT))
    texts = "".join(path.read_text() for path in changed)
    assert "colab.research.google.com/github/a-teacher/math-course/blob" in texts
    assert "math-course.git" not in texts and "math-course//" not in texts
    assert 'COURSE_REPO = "https://github.com/a-teacher/math-course"' in changed[0].read_text()


@pytest.mark.parametrize(
    "url",
    [
        "github.com/a/b",
        "http://github.com/a/b",
        "https://gitlab.com/a/b",
        "https://github.com/a",
        "https://github.com/a/b/tree/main",
        "https://github.com/a/.git",
    ],
)
def test_a_refused_url_writes_nothing(course_copy, url):
    before = {path: path.read_bytes() for path in course_copy.rglob("*") if path.is_file()}
    with pytest.raises(ValueError, match=r"not a GitHub repository URL: .*OWNER/NAME.*nothing"):
        helpers.colab.point_notebooks_at(url, course_copy)
    assert {path: path.read_bytes() for path in before} == before


def test_the_command_without_a_url_shows_its_usage(capsys):
    with pytest.raises(SystemExit, match=r"usage: python -m helpers\.colab https://github\.com"):
        helpers.colab.main([])


# grading.py -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "ours", "math_verify"),
    [
        (r"\boxed{51.0}", 51, True),  # taken: zeros after the point change no value
        (r"\boxed{51.00}", 51, True),
        (r"\boxed{\textbf{51}}", 51, True),  # taken: bold is typesetting
        (r"\boxed{\mathbf{51}}", 51, True),
        (r"\boxed{51 \text{ integers}}", None, True),  # refused: words may change the number
        (r"\boxed{51 \text{ thousand}}", None, True),  # ... as here, where math-verify errs
        (r"\boxed{51.5}", None, False),
        (r"\boxed{5.10}", None, False),
    ],
)
def test_each_answer_form_is_taken_or_refused_as_the_docstring_decides(response, ours, math_verify):
    assert extract_integer(response) == ours
    assert math_verify_correct(response, 51) is math_verify


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: extract_integer(None), r"extract_boxed reads a response's text, got NoneType"),
        (lambda: extract_integer(51), "got int 51: pass the model's response"),
        (lambda: parse_integer(51), "parse_integer reads a response's text, got int"),
    ],
)
def test_a_reader_given_no_text_says_what_to_pass(call, message):
    with pytest.raises(TypeError, match=message):
        call()


# rewards.py -------------------------------------------------------------------------------------


def test_a_gold_answer_stored_as_text_is_refused_not_scored_zero():
    correct = correctness_reward(INEQUALITIES)
    completions = [[{"role": "assistant", "content": r"\boxed{51}"}]]
    assert correct(completions, answer=[51]) == [1.0]
    with pytest.raises(ValueError, match=r"completion 0: .*answer is str '51'.*must be int"):
        correct(completions, answer=["51"])


OLD_FINAL_BOXED = re.compile(r"\\boxed\s*\{([^{}]*)\}\s*\$?\s*\.?\s*$")  # the cubic pattern


def old_well_formed(text: str) -> float:
    final = OLD_FINAL_BOXED.search(text)
    one = len(BOXED.findall(text)) == 1
    return 1.0 if one and final and parse_integer(final.group(1)) is not None else 0.0


def test_the_linear_format_check_agrees_with_the_old_pattern_on_random_text():
    pieces = ["\\boxed{", "\\boxed {", "7", "-3", "}", "{", " ", "\n", "$", ".", "x", ","]
    rng = random.Random(0)
    well_formed = format_reward()
    texts = ["".join(rng.choices(pieces, k=rng.randint(1, 10))) for _ in range(4000)]
    texts += [r"\boxed{7}$.", r"so \boxed{7} . ", r"\boxed{7}$$", r"\boxed{7}. x"]
    assert well_formed(texts) == [old_well_formed(text) for text in texts]


@pytest.mark.parametrize(("tail", "reward"), [("text", 0.0), (".", 1.0), ("", 1.0)])
def test_the_format_reward_takes_well_under_a_second_after_100000_spaces(tail, reward):
    text = r"\boxed{7}" + " " * 100_000 + tail
    begun = time.perf_counter()
    assert format_reward()([text]) == [reward]
    assert time.perf_counter() - begun < 1.0  # the old pattern: about 57 s for 4,000 spaces


# inequalities.py and inequality_splits.py -------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (dict(coef_range=("-5", "5")), r"coef_range=\('-5', '5'\) is not a pair of whole numbers"),
        (dict(const_range=(-10.0, 10.0)), "const_range=.* write it as \\(min, max\\) with ints"),
        (dict(lo_range=(-50,)), r"lo_range=\(-50,\) is not a pair"),
        (dict(hi_range=(True, 50)), "hi_range=.* not a pair of whole numbers"),
        (dict(operators=">="), r"operators='>=' is not a tuple .*operators=\('>=',\)"),
        (dict(operators=None), "operators=None is not a tuple"),
    ],
)
def test_generator_settings_of_the_wrong_type_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        GeneratorSettings(**settings)


def test_an_inequality_of_text_numbers_is_refused_and_named_with_its_row():
    with pytest.raises(ValueError, match="a1='5' is not a whole number"):
        Inequality("5", -10, "<", -4, -2, -50, 50)
    row = {"id": "val-0001", "a1": 5, "b1": "-10", "op": "<", "a2": -4, "b2": -2, "lo": -50}
    with pytest.raises(ValueError, match=r"row 'val-0001' lacks \['hi'\]"):
        from_row(row)
    with pytest.raises(ValueError, match="row 'val-0001': b1='-10' is not a whole number"):
        from_row(row | {"hi": 50})


@pytest.mark.parametrize(
    ("train", "evaluate_on", "message"),
    [
        (
            [{"id": "t0", "answer": "48"}],
            [{"answer": 48}],
            r"\(train\): row 0 \('t0'\) has answer '48'",
        ),
        (
            [{"answer": 48}],
            [{"id": "v0", "answer": 48.0}],
            r"\(evaluate_on\): row 0 .* 48\.0, not an int",
        ),
        ([{"answer": 48}], [{"id": "v0"}], "has answer None"),
    ],
)
def test_the_constant_baseline_refuses_answers_that_are_no_int(train, evaluate_on, message):
    with pytest.raises(ValueError, match=message):
        constant_baseline(train, evaluate_on)


def test_twin_answers_refuse_a_training_answer_stored_as_text(train_rows):
    with pytest.raises(ValueError, match=r"twin_answers \(train\): row 1 .*'49'"):
        twin_answers([train_rows[0], {**train_rows[1], "answer": "49"}])


def test_settings_with_too_few_novel_problems_stop_with_what_to_widen(tmp_path):
    narrow = GeneratorSettings(coef_range=(-1, 1), const_range=(-4, 4), lo_range=(-50, -49))
    assert narrow.n_unique() >= 2800  # enough for train, val and test: the novel splits run out
    begun = time.perf_counter()
    with pytest.raises(ValueError, match=r"too few problems whose canonical form .*Widen coef"):
        write_splits(tmp_path / "data", narrow)
    assert time.perf_counter() - begun < 60
    assert not (tmp_path / "data").exists()


# tasks/long_cot.py ------------------------------------------------------------------------------

OLD_MARKERS = re.compile(r"\s*(?:<\|(?:begin|end)_of_[a-z_]+\|>\s*)+")  # the quadratic pattern


def test_the_trace_without_markers_is_the_old_patterns_on_random_text():
    from helpers.tasks.long_cot import HEADING, plain_trace

    pieces = ["<|begin_of_thought|>", "<|end_of_solution|>", " ", "\n", "x", "#", "<|", "|>"]
    rng = random.Random(0)
    for _ in range(3000):
        trace = "".join(rng.choices(pieces, k=rng.randint(0, 12)))
        assert plain_trace(trace) == HEADING.sub("###", OLD_MARKERS.sub("\n\n", trace)).strip()


def test_a_trace_with_a_100000_space_run_is_read_in_well_under_a_second():
    from helpers.tasks.long_cot import to_row

    trace = (
        "<|begin_of_thought|>Hmm." + " " * 100_000 + "so 5.<|end_of_thought|>\n\n"
        "<|begin_of_solution|>" + " " * 100_000 + r"\boxed{5}<|end_of_solution|>"
    )
    begun = time.perf_counter()
    row = to_row(0, "Return your final response within \\boxed{{}}. 2 + 3?", trace)
    assert time.perf_counter() - begun < 1.0  # the old pattern: 92 s
    assert row["answer"] == 5 and row["target"].endswith("so 5.\n\n\\boxed{5}\n#### 5")


# data set downloads: tasks/aime.py, tasks/long_cot.py, tasks/ailuminate.py ------------------------


def offline_hub(*args, **kwargs):
    """What ``datasets.load_dataset`` raises without the hub (datasets 4.8, HF_HUB_OFFLINE=1)."""
    raise ConnectionError("Couldn't reach 'x' on the Hub (OfflineModeIsEnabled)")


@pytest.mark.parametrize("loader", ["aime", "long_cot", "ailuminate"])
def test_a_download_without_the_hub_names_curriculum_offline_and_the_local_files(
    monkeypatch, loader
):
    import urllib.error
    import urllib.request

    import datasets

    from helpers.tasks.ailuminate import load_ailuminate
    from helpers.tasks.aime import HUB_SOURCES, load_aime
    from helpers.tasks.long_cot import load_long_cot

    monkeypatch.setattr(datasets, "load_dataset", offline_hub)

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    load, local = {
        "aime": (lambda: load_aime(HUB_SOURCES["aime_1983_2024"], "aime_1983_2024"), "aime"),
        "long_cot": (lambda: load_long_cot(), "Sky-T1_data_17k.json"),
        "ailuminate": (lambda: load_ailuminate(), "prompts.csv"),
    }[loader]
    with pytest.raises(
        ConnectionError, match=rf"could not download .*CURRICULUM_OFFLINE=1.*{local}"
    ):
        load()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("load_long_cot(FIXTURE, limit=-1)", "limit=-1: pass a whole number of records"),
        ("select([], n='5', max_tokens=10, tokenizer=None, task=None)", "n='5': pass a whole"),
        ("select([], n=5, max_tokens=None, tokenizer=None, task=None)", "max_tokens=None"),
    ],
)
def test_long_cot_sizes_of_the_wrong_type_are_refused(call, message):
    import helpers.tasks.long_cot

    with pytest.raises(ValueError, match=message):
        eval(call, vars(helpers.tasks.long_cot))


@pytest.mark.parametrize("n", ["5", 0, True, 10_000])
def test_a_stratified_sample_of_no_whole_number_is_refused(n):
    from helpers.tasks.ailuminate import FIXTURE, load_ailuminate, stratified_sample

    with pytest.raises(ValueError, match=r"n=.* must be a whole number between 1 and the \d+ rows"):
        stratified_sample(load_ailuminate(FIXTURE), n)


@pytest.mark.parametrize("kind", ["aime", "ailuminate"])
def test_a_data_csv_cut_mid_row_is_named_with_its_file_and_line(tmp_path, kind):
    from helpers.tasks.ailuminate import FIXTURE as AILUMINATE
    from helpers.tasks.ailuminate import load_ailuminate
    from helpers.tasks.aime import FIXTURE as AIME
    from helpers.tasks.aime import load_aime

    source = {"aime": AIME["aime_1983_2024"], "ailuminate": AILUMINATE}[kind]
    text = source.read_text(encoding="utf-8")
    cut = tmp_path / source.name
    cut.write_text(text[: text.rindex(",")], encoding="utf-8")  # the download stopped mid-row
    load = {
        "aime": lambda: load_aime(cut, "aime_1983_2024"),
        "ailuminate": lambda: load_ailuminate(cut),
    }
    with pytest.raises(
        ValueError, match=rf"{re.escape(cut.name)}, line \d+ \(row \d+\): .*cut short"
    ):
        load[kind]()


# runtime.py -------------------------------------------------------------------------------------


def test_a_file_valued_or_read_only_runs_folder_names_the_variable_and_the_fix(
    smoke, tmp_path, monkeypatch
):
    from helpers.runtime import RUNS_ENV, run_dir

    a_file = tmp_path / "runs.txt"
    a_file.write_text("")
    monkeypatch.setenv(RUNS_ENV, str(a_file))
    with pytest.raises(OSError, match=rf"cannot write the run folder .*\({RUNS_ENV}=.*runs\.txt\)"):
        run_dir("01", smoke)
    monkeypatch.setenv(RUNS_ENV, str(tmp_path / "read-only"))

    def read_only(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "touch", read_only)
    with pytest.raises(OSError, match=rf"Permission denied; point {RUNS_ENV} at a folder you can"):
        run_dir("01", smoke)


# hayes.py ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("run", "extra", "message"),
    [
        (4.0, {}, r"unknown run 4\.0: choose one of \"1\", \"2\""),
        ("11", {}, "unknown run '11'"),
        (True, {}, "unknown run True"),
        ("4", {"exemplars_in_training": "yes"}, "exemplars_in_training='yes': use True"),
    ],
)
def test_a_hayes_run_is_named_by_its_number_and_nothing_else(run, extra, message):
    from helpers.hayes import hayes_run

    assert hayes_run(4) == hayes_run("4") and hayes_run(4).run == "4"
    with pytest.raises(ValueError, match=message):
        hayes_run(run, **extra)


# report.py --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reported", "yours", "message"),
    [
        (
            dict(value=82.5, n=40),
            (30, 40),
            r"value is 82\.5, not a share .*write 0\.825 for 82\.5%",
        ),
        (dict(value=0.825, n=0), (30, 40), "n=0; give the number of items"),
        (dict(value=0.825, n=40.0), (30, 40), r"n=40\.0; give the number"),
        (dict(value="0.825", n=40), (30, 40), "is '0.825', not a number"),
        (dict(value=0.825, n=40), 75.0, r"yours for 'Model C' is 75\.0, not a share"),
        (dict(value=0.825, n=40), (300, 40), r"is \(300, 40\): give \(right answers, items\)"),
        (dict(value=0.825, n=40), (30,), r"is \(30,\): give"),
    ],
)
def test_seed_vs_yours_refuses_a_percent_or_an_impossible_count(reported, yours, message):
    from helpers.report import Reported, seed_vs_yours

    with pytest.raises(ValueError, match=message):
        seed_vs_yours([(Reported("Model C", **reported), yours)])


def test_a_reported_metric_the_report_has_not_is_named():
    from helpers.hayes import hayes_reported, hayes_run

    with pytest.raises(ValueError, match="metric='maths': the report gives 'math' or 'safety'"):
        hayes_reported(hayes_run("5"), "maths", "run 5")


def test_a_loss_is_no_share_and_a_count_of_nothing_is_shown_as_not_measured():
    from helpers.report import Reported, seed_vs_yours

    table = seed_vs_yours(
        [(Reported("loss", 0.78, share=False), 2.5), (Reported("val", 0.5, n=40), (0, 0))]
    )
    assert table.loc["loss", "yours"] == "2.500"
    assert (table.loc["val", "yours"], table.loc["val", "your n"]) == ("-", "0")


# plots.py ---------------------------------------------------------------------------------------

HISTORY = [{"step": 1, "loss": 0.5, "rewards/correct/mean": 0.2}]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("plot_curves(HISTORY, {})", r"series is empty: nothing to draw; pass \{label: logged key"),
        ("plot_curves([], {'loss': 'loss'})", "history is empty"),
        (
            "plot_curves(HISTORY, {'reward': 'rewards/right/mean'})",
            r"no step logged 'rewards/right/mean': the history logs \['loss', 're",
        ),
        ("plot_loss_curves({})", "histories is empty"),
        ("plot_loss_curves({'a': [{'step': 1}]})", r"'a' has a log without 'step' and 'loss'"),
        ("plot_accuracy({})", "summaries is empty"),
        ("plot_error_types({})", "summaries is empty"),
        ("plot_tradeoff({})", "points is empty"),
        ("plot_tradeoff({'run 5': (46, 86)})", r"'run 5' is at \(46, 86\): .*write 0\.45"),
        ("plot_safety_by_hazard({})", "rates is empty"),
        ("plot_twin_shares({})", "shares is empty"),
        (
            "plot_twin_shares({'a': {'val': 0.5}, 'b': {'test': 0.3}})",
            r"shares\['a'\] has no share for \['test'\]",
        ),
        ("plot_answer_histogram({})", r"counts is empty: .*answer_histogram\(rows\)"),
        ("whiskers([0.5], [(0.6, 0.7)])", r"interval \[0\.6, 0\.7\] does not hold its value 0\.5"),
    ],
)
def test_a_plot_of_nothing_or_of_unknown_keys_is_refused_with_what_to_pass(call, message):
    import helpers.plots
    import helpers.safety_plots

    names = vars(helpers.plots) | vars(helpers.safety_plots) | {"HISTORY": HISTORY}
    with pytest.raises(ValueError, match=message):
        eval(call, names)


# checkpoints.py and models.py -------------------------------------------------------------------


def test_a_run_folder_where_an_adapter_is_expected_points_at_its_adapter(smoke, tmp_path):
    from helpers.checkpoints import read_adapter_config

    run = tmp_path / "model_a"
    run.mkdir()
    (run / "run.json").write_text("{}")
    for read in (adapter_digest, read_adapter_config):
        with pytest.raises(FileNotFoundError, match="run folder whose run has not finished: train"):
            read(run)
    fake_adapter(run / "adapter", model_source(smoke))
    for read in (adapter_digest, read_adapter_config):
        with pytest.raises(FileNotFoundError, match=rf"its adapter is in {re.escape(str(run))}/ad"):
            read(run)


def test_an_adapter_of_another_base_or_with_an_edited_rank_is_refused_before_loading(
    smoke, tmp_path, nothing_loads
):
    from helpers.evaluation import ask, evaluate_model
    from helpers.models import load_adapter

    base = model_source(smoke)
    other = fake_adapter(tmp_path / "other", "HuggingFaceTB/SmolLM2-135M-Instruct")
    edited = fake_adapter(tmp_path / "edited", base, r=32, config_r=64)
    with pytest.raises(ValueError, match=r"trained on the base model HuggingFaceTB/SmolLM2-135M"):
        check_adapter(other, base)
    with pytest.raises(ValueError, match=r"says r=64, but its weights have rank \[32\]"):
        load_adapter(smoke, edited)
    question = "For how many integers x in [-5, 5] is 2x > 1?"
    with pytest.raises(ValueError, match="pass the model it was trained on"):
        ask(smoke, INEQUALITIES, question, {"base": None, "other": other})
    with pytest.raises(ValueError, match="trained on the base model"):
        import helpers.models

        with helpers.models.loaded_model(smoke, adapter_dir=other):
            pass
    row = {"id": "q", "question": question, "answer": 5}
    with pytest.raises(ValueError, match="rank"):
        evaluate_model(smoke, INEQUALITIES, [row], tmp_path / "eval", adapter_dir=edited)


def test_an_adapter_config_without_its_rank_is_named_as_damaged(tmp_path):
    from helpers.checkpoints import saved_lora

    folder = fake_adapter(tmp_path / "adapter", "base")
    config = json.loads((folder / "adapter_config.json").read_text())
    (folder / "adapter_config.json").write_text(json.dumps({**config, "r": "64"}))
    with pytest.raises(ValueError, match="does not say its LoRA r and lora_alpha .*train it again"):
        saved_lora(folder)


def test_a_model_the_hub_cannot_give_names_curriculum_model_path(monkeypatch):
    import transformers

    def unreachable(*args, **kwargs):
        raise OSError("We couldn't connect to 'https://huggingface.co' to load the files")

    monkeypatch.setattr(transformers.AutoConfig, "from_pretrained", unreachable)
    with pytest.raises(OSError, match="couldn't connect.*set CURRICULUM_MODEL_PATH to a local"):
        model_positions("unsloth/Qwen2.5-Math-1.5B")


# evaluation.py ----------------------------------------------------------------------------------


def test_a_prompt_too_long_for_the_model_is_refused_before_generating(
    smoke, val_rows, tmp_path, nothing_loads
):
    from helpers.evaluation import EvalSettings, ask, evaluate_model

    short = EvalSettings(max_new_tokens=8, max_seq_length=16)
    with pytest.raises(
        ValueError, match=r"prompt 0 \(\d+ tokens\) is longer than max_seq_length=16"
    ):
        evaluate_model(smoke, INEQUALITIES, val_rows[:2], tmp_path / "eval", short)
    past = EvalSettings(max_new_tokens=5000)
    with pytest.raises(ValueError, match=r"max_new_tokens=5000 run past the model's 4096 .*budget"):
        evaluate_model(smoke, INEQUALITIES, val_rows[:2], tmp_path / "eval", past)
    question = val_rows[0]["question"]
    with pytest.raises(ValueError, match="longer than max_seq_length=16"):
        ask(smoke, INEQUALITIES, question, {"base": None}, max_new_tokens=4, max_seq_length=16)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("ask(smoke, INEQUALITIES, 'How many?', {})", "no models to ask: pass"),
        ("ask(smoke, INEQUALITIES, 'How many?', {'base': None}, 0)", "max_new_tokens=0: use"),
        ("EvalSettings(max_new_tokens=True)", "max_new_tokens=True: use a whole number"),
        ("generation_budget(None, [], 100, 4096)", "no prompts to budget for"),
    ],
)
def test_evaluation_knobs_that_ask_for_nothing_are_refused(smoke, nothing_loads, call, message):
    import helpers.evaluation

    with pytest.raises(ValueError, match=message):
        eval(call, vars(helpers.evaluation) | {"smoke": smoke, "INEQUALITIES": INEQUALITIES})


# runs.py, training.py, grpo.py ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"max_step": 2}, "unknown override max_step=2: did you mean max_steps"),
        ({"max_steps": "2"}, "override max_steps='2' is str, SFTConfig takes a int"),
        ({"bf16": 1}, "override bf16=1 is int, SFTConfig takes a bool"),
        ({"lr_scheduler_type": "cosinee"}, r"SFTConfig refused these settings \(cosinee is not"),
    ],
)
def test_a_bad_override_stops_before_the_folder_is_claimed(
    smoke, train_rows, tmp_path, nothing_loads, override, message
):
    from helpers.training import train_experiment

    with pytest.raises(ValueError, match=message):
        train_experiment(MODEL_A, INEQUALITIES, train_rows[:4], smoke, tmp_path / "run", **override)
    assert not (tmp_path / "run").exists()


def test_a_start_adapter_that_does_not_fit_stops_before_the_folder_is_claimed(
    smoke, train_rows, tmp_path, nothing_loads
):
    from helpers.training import train_experiment

    base = model_source(smoke)
    starts = {
        "start from an adapter of the same shape": fake_adapter(tmp_path / "r8", base, r=8),
        r"says r=32, but its weights have rank \[64\]": fake_adapter(
            tmp_path / "edited", base, r=64, config_r=32
        ),
        "trained on the base model other/model": fake_adapter(tmp_path / "other", "other/model"),
    }
    for message, start in starts.items():
        with pytest.raises(ValueError, match=message):
            train_experiment(
                MODEL_A, INEQUALITIES, train_rows[:4], smoke, tmp_path / "run", start=start
            )
    assert not (tmp_path / "run").exists()


TINY_GRPO = replace(GRPO_RUN, prompts=2, max_steps=2, num_generations=2, prompts_per_step=1)


@pytest.mark.parametrize(
    ("experiment", "rows", "config", "message"),
    [
        (TINY_GRPO, 2, {"num_generations": 1}, "num_generations=1: GRPO needs at least 2 answers"),
        (TINY_GRPO, 2, {"per_device_train_batch_size": 3}, r"3 x 1 answers a step, not whole"),
        (TINY_GRPO, 0, {}, r"0 rows for 2 steps of 1 prompts: the run needs 2 \(max_steps x"),
        (TINY_GRPO, 1, {}, "1 rows for 2 steps of 1 prompts: the run needs 2"),
        (replace(TINY_GRPO, prompts_per_step=4), 7, {}, "7 rows for 2 steps of 4 prompts: .* 8"),
        (TINY_GRPO, 2, {"max_steps": 3}, "the run needs 3"),
        (TINY_GRPO, 2, {"num_generation": 4}, "did you mean num_generations"),
    ],
)
def test_a_grpo_run_that_cannot_train_stops_before_the_folder_is_claimed(
    smoke, train_rows, tmp_path, nothing_loads, experiment, rows, config, message
):
    from helpers.grpo import train_grpo

    start = fake_adapter(tmp_path / "start", model_source(smoke), r=32)
    with pytest.raises(ValueError, match=message):
        train_grpo(
            experiment, INEQUALITIES, train_rows[:rows], smoke, tmp_path / "run", start, **config
        )
    assert not (tmp_path / "run").exists()


def test_a_grpo_start_adapter_of_another_base_model_is_refused_first(
    smoke, train_rows, tmp_path, nothing_loads
):
    from helpers.grpo import train_grpo

    start = fake_adapter(tmp_path / "start", "HuggingFaceTB/SmolLM2-135M-Instruct", r=32)
    with pytest.raises(ValueError, match="trained on the base model HuggingFaceTB"):
        train_grpo(TINY_GRPO, INEQUALITIES, train_rows[:2], smoke, tmp_path / "run", start)
    run = tmp_path / "run"
    with pytest.raises(FileNotFoundError, match="run folder whose run has not finished"):
        run.mkdir()
        (run / "run.json").write_text("{}")
        train_grpo(TINY_GRPO, INEQUALITIES, train_rows[:2], smoke, tmp_path / "again", run)


def test_a_trainer_that_ran_no_step_saves_nothing(tmp_path):
    """With too few rows for a batch (or max_steps 0) a trainer may run no step: its adapter
    would be the start adapter, reported as trained."""
    from types import SimpleNamespace

    from helpers.runs import train_and_save

    idle = SimpleNamespace(train=lambda resume_from_checkpoint: None, state=SimpleNamespace())
    idle.remove_callback = idle.add_callback = lambda callback: None  # the display's swap
    idle.state.log_history = [{"train_runtime": 0.1}]
    with pytest.raises(ValueError, match="the trainer ran no step .*nothing is saved"):
        train_and_save(tmp_path, {"experiment": "a"}, lambda: idle, dict)
    assert not (tmp_path / "adapter").exists()


@pytest.mark.parametrize("saved", ['{"experiment": {"name"', "[1, 2]"])
def test_a_damaged_run_file_is_named_when_the_run_saved_work(tmp_path, saved):
    (tmp_path / "checkpoint-2").mkdir()
    (tmp_path / "run.json").write_text(saved)
    with pytest.raises(ValueError, match=r"run\.json is (damaged|not a JSON object).*Delete the"):
        claim_folder(tmp_path, {"experiment": {"name": "a"}})


@pytest.mark.parametrize("saved", ['{"experiment": {"name"', "[1, 2]", '{"experiment": "b"}'])
def test_a_folder_whose_run_saved_nothing_is_claimed_anew(tmp_path, saved):
    """A run that stopped before its first checkpoint (its model failed to load) holds nothing
    to protect: the corrected rerun takes the folder, instead of being refused."""
    (tmp_path / "run.json").write_text(saved)
    with pytest.warns(UserWarning, match="saved nothing .*claimed for these settings"):
        claim_folder(tmp_path, {"experiment": "a"})
    assert json.loads((tmp_path / "run.json").read_text()) == {"experiment": "a"}


def test_mcnemar_refuses_records_whose_correct_is_text():
    from helpers.statistics import mcnemar

    first = [{"id": i, "correct": "True"} for i in range(3)]
    second = [{"id": i, "correct": False} for i in range(3)]
    with pytest.raises(ValueError, match="record 0 has correct='True', not True or False"):
        mcnemar(first, second)


def test_gsm8k_without_the_hub_names_curriculum_offline(monkeypatch):
    import datasets

    from helpers.tasks.gsm8k import load_gsm8k

    def offline(*args, **kwargs):
        raise ConnectionError("Couldn't reach 'openai/gsm8k' on the Hub (LocalEntryNotFoundError)")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(ConnectionError, match="set CURRICULUM_OFFLINE=1 .* fixtures"):
        load_gsm8k("train")


@pytest.mark.parametrize(
    "successes, n",
    [(5, 3), (-1, 3), (1.5, 3), (0.5, 1), (True, 2), ("20", 40)],
)
def test_wilson_interval_takes_whole_counts_only(successes, n):
    """5 of 3 was math's domain error, and 1.5 of 3 an interval of nothing real."""
    from helpers.statistics import wilson_interval

    with pytest.raises(ValueError, match=r"give whole counts with 0 <= successes <= n"):
        wilson_interval(successes, n)


def test_wilson_interval_takes_numpy_counts():
    import numpy as np

    from helpers.statistics import wilson_interval

    assert wilson_interval(np.int64(20), np.int64(40)) == wilson_interval(20, 40)


GRADED = {"id": 7, "error": None, "truncated": False, "tokens": 3, "math_verify": True}


@pytest.mark.parametrize(
    "record, message",
    [
        (GRADED | {"correct": "True"}, "record 7 has correct='True', not True or False"),
        (GRADED | {"correct": 1}, "record 7 has correct=1, not True or False"),
        ({"id": 7, "correct": True}, "record 7 has no error, truncated, tokens, math_verify"),
    ],
)
def test_summarise_refuses_records_that_are_not_graded(record, message):
    """Text counted as a TypeError, 1 as right, and a data-set row as a KeyError: 'error'."""
    from helpers.statistics import summarise

    with pytest.raises(ValueError, match=message):
        summarise([record])


@pytest.mark.parametrize(
    "change, message",
    [
        ({"epochs": 0}, "SFTExperiment 'Model C': epochs=0: use a whole number >= 1"),
        ({"batch_size": 2.0}, "batch_size=2.0: use a whole number >= 1"),
        ({"learning_rate": "1e-4"}, "learning_rate='1e-4': use a number > 0"),
        ({"learning_rate": -1e-4}, "learning_rate=-0.0001: use a number > 0"),
        ({"warmup_ratio": 1}, r"warmup_ratio=1: use a share in \[0, 1\)"),
        ({"weight_decay": -0.1}, "weight_decay=-0.1: use a number >= 0"),
        ({"lora": (32, 64)}, r"lora=\(32, 64\), use LoraSettings\(r, alpha, dropout\)"),
    ],
)
def test_an_experiment_with_a_knob_of_the_wrong_kind_is_refused_when_written(change, message):
    """Before: epochs=0 ran no step after claiming the folder, a negative rate failed inside
    torch's AdamW, and a rate written as text went on to TRL."""
    from dataclasses import replace

    from helpers.experiments import MODEL_C

    with pytest.raises(ValueError, match=message):
        replace(MODEL_C, **change)


@pytest.mark.parametrize(
    "args, message",
    [
        ((0, 16, 0.0), "LoraSettings: r=0: use a whole number >= 1"),
        (("8", 16, 0.0), "r='8': use a whole number >= 1"),
        ((8, 16, 1.5), r"dropout=1.5: use a share in \[0, 1\]"),
    ],
)
def test_lora_settings_of_the_wrong_kind_are_refused(args, message):
    from helpers.checkpoints import LoraSettings

    with pytest.raises(ValueError, match=message):
        LoraSettings(*args)
    assert LoraSettings(8, 16, 1.0).dropout == 1.0  # Hayes et al.'s run 9, an ablation


@pytest.mark.parametrize(
    "change, message",
    [
        ({"num_generations": 1}, "num_generations=1, use 2 or more"),
        ({"temperature": 0}, "temperature=0: use a number > 0"),
        ({"beta": -0.1}, "beta=-0.1: use a number >= 0"),
        ({"max_steps": 0}, "max_steps=0: use a whole number >= 1"),
    ],
)
def test_a_grpo_run_with_a_knob_of_the_wrong_kind_is_refused_when_written(change, message):
    from dataclasses import replace

    from helpers.experiments import GRPO_RUN

    with pytest.raises(ValueError, match=message):
        replace(GRPO_RUN, **change)


def test_hayes_points_of_a_model_no_run_used_is_an_error_not_an_empty_plot():
    from helpers.hayes import hayes_points

    with pytest.raises(ValueError, match=r"no run of the report used 'Qwen2.5-1.5B': choose one"):
        hayes_points("Qwen2.5-1.5B")  # the report's is Qwen/Qwen2.5-1.5B-Instruct
