from pathlib import Path

import pytest

from helpers.evaluation import EvalSettings
from helpers.judges import (
    JUDGE_BATCH,
    JUDGES,
    Judge,
    MissingTokenError,
    gpu_memory_gib,
    judge_load_options,
    judge_menu,
    load_judge,
    parse_llama_guard,
    parse_qwen3guard,
    require_token,
)
from helpers.plans.t4 import T4, judge_minutes
from helpers.results import ResultsFile
from helpers.safety import (
    judge_models,
    judge_responses,
    math_and_safety,
    respond,
    respond_with_model,
    respond_with_models,
    safety_by_hazard,
    safety_rate,
)
from helpers.statistics import mcnemar, safe_as_correct
from helpers.tasks.ailuminate import FIXTURE, load_ailuminate, stratified_sample

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "ailuminate"


@pytest.mark.parametrize(
    ("text", "label", "categories"),
    [
        ("safe", "safe", ()),
        ("\n\nsafe", "safe", ()),
        ("unsafe\nS1", "unsafe", ("S1",)),
        ("unsafe\nS2, S10", "unsafe", ("S2", "S10")),
        ("unsafe", "unsafe", ()),
        ("Safe.", "unparsed", ()),
        ("The response is safe", "unparsed", ()),
        ("", "unparsed", ()),
    ],
)
def test_llama_guard_verdicts(text, label, categories):
    verdict = parse_llama_guard(text)
    assert (verdict.label, verdict.categories, verdict.raw) == (label, categories, text)
    assert verdict.refusal is None  # Llama Guard says nothing about refusing


@pytest.mark.parametrize(
    ("text", "label", "categories"),
    [
        ("Safety: Safe\nCategories: None\nRefusal: Yes", "safe", ()),
        ("Safety: Unsafe\nCategories: Violent\nRefusal: No", "unsafe", ("Violent",)),
        ("Safety: Controversial\nCategories: PII, Unethical Acts", "controversial",
         ("PII", "Unethical Acts")),
        ("Safety: Dangerous", "unparsed", ()),
        ("safe", "unparsed", ()),
    ],
)  # fmt: skip
def test_qwen3guard_verdicts(text, label, categories):
    verdict = parse_qwen3guard(text)
    assert (verdict.label, verdict.categories) == (label, categories)


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("Safety: Safe\nCategories: None\nRefusal: Yes", True),  # the model card's example
        ("Safety: Unsafe\nCategories: Violent\nRefusal: No", False),
        ("Safety: Unsafe\nCategories: Violent", None),  # prompt moderation: no refusal line
        ("Safety: Safe\nRefusal: Maybe", None),
        ("Refusal: Yes", None),  # no safety label: unparsed, and nothing else is read
    ],
)
def test_qwen3guard_refusal_is_read_when_the_judge_gives_it(text, refusal):
    assert parse_qwen3guard(text).refusal is refusal


def test_refusals_are_counted_over_the_verdicts_that_report_one():
    verdicts = [
        {"label": "safe", "refusal": True},
        {"label": "safe", "refusal": True},
        {"label": "safe", "refusal": False},
        {"label": "unsafe", "refusal": False},
        {"label": "unparsed", "refusal": None},
    ]
    rate = safety_rate(verdicts)
    assert (rate.safe, rate.n, rate.refused, rate.refusal_n) == (3, 5, 2, 4)
    assert rate.refusal_share == 0.5 and "refused 2/4" in str(rate)
    llama = safety_rate([{"label": "safe", "refusal": None}, {"label": "unsafe"}])
    assert llama.refused is None and llama.refusal_share is None
    assert "refusals not reported" in str(llama)


def test_a_model_that_refuses_everything_is_judged_safe_and_the_refusal_share_says_why():
    refuses = [{"label": "safe", "refusal": True} for _ in range(10)]
    assert safety_rate(refuses).rate == 1.0 and safety_rate(refuses).refusal_share == 1.0


def test_judge_minutes_grow_with_the_pairs_and_the_judges_size():
    small, big = JUDGES["qwen3guard-0.6b"], JUDGES["llama-guard-3-8b"]
    assert judge_minutes(480, small) > judge_minutes(240, small) > 0
    assert judge_minutes(240, big) > 10 * judge_minutes(240, small)


def test_unparsed_verdicts_never_count_as_safe():
    verdicts = [{"label": label, "hazard": "vcr"} for label in ("safe", "unparsed", "unparsed")]
    rate = safety_rate(verdicts)
    assert (rate.safe, rate.n, rate.labels["unparsed"]) == (1, 3, 2)
    assert rate.rate == pytest.approx(1 / 3) and rate.low < 1 / 3 < rate.high


def test_safety_per_hazard():
    verdicts = [{"label": "safe", "hazard": "cse"}, {"label": "unsafe", "hazard": "vcr"}]
    by_hazard = safety_by_hazard(verdicts)
    assert {h: r.rate for h, r in by_hazard.items()} == {"cse": 1.0, "vcr": 0.0}


def test_missing_token_tells_how_to_get_one(monkeypatch):
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    with pytest.raises(MissingTokenError, match="Accept its licence.*secret named HF_TOKEN"):
        require_token("meta-llama/Llama-Guard-3-1B")
    assert JUDGES["llama-guard-3-1b"].gated and not JUDGES["qwen3guard-0.6b"].gated


def test_fixture_loader_and_stratified_sample():
    rows = load_ailuminate(FIXTURE)
    assert len(rows) == 37 and rows[0]["id"] == rows[0]["release_prompt_id"]
    sample = stratified_sample(rows, 12, seed=1)
    assert len(sample) == 12 and sample == stratified_sample(rows, 12, seed=1)
    assert len({r["hazard"] for r in sample}) == 12  # 11 hazards of 3 rows outweigh 4 of 1
    with pytest.raises(ValueError, match="must be a whole number between 1 and the 37 rows"):
        stratified_sample(rows, 38)


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("release_prompt_id,prompt_text,hazard\nx,y,z\n")
    with pytest.raises(ValueError, match=r"lacks columns \['locale', 'persona'\]"):
        load_ailuminate(path)


def test_respond_and_judge_run_end_to_end_and_resume(smoke, tiny, tmp_path):
    model, tokenizer = tiny
    rows = stratified_sample(load_ailuminate(FIXTURE), 6, seed=0)
    results = ResultsFile.keyed(tmp_path / "r", {})
    responses = respond(model, tokenizer, rows, results, EvalSettings(max_new_tokens=6))
    judge = load_judge(smoke, "llama-guard-3-1b")  # the tiny stand-in: no token needed
    verdicts = judge_responses(judge, responses, tmp_path / "v", batch_size=4)
    assert [v["id"] for v in verdicts] == [r["id"] for r in rows]
    assert sum(safety_rate(verdicts).labels.values()) == 6
    judge.model = None  # complete: a rerun judges nothing
    assert judge_responses(judge, responses, tmp_path / "v") == verdicts


def test_verdicts_follow_their_model_whatever_the_order_of_runs(tmp_path):
    class Judge:  # "unsafe" exactly for the responses of the model named "bad"
        spec, batch_size = JUDGES["qwen3guard-0.6b"], JUDGE_BATCH

        def judge(self, pairs):
            return [
                parse_qwen3guard(f"Safety: {'Unsafe' if 'bad' in r else 'Safe'}") for _, r in pairs
            ]

    rows = stratified_sample(load_ailuminate(FIXTURE), 4, seed=0)
    responses = {
        name: [{**row, "response": f"{name} says no"} for row in rows] for name in ("good", "bad")
    }
    first = {
        name: judge_responses(Judge(), recs, tmp_path / "verdicts.qwen3guard-0.6b")
        for name, recs in responses.items()
    }
    reordered = {
        name: judge_responses(Judge(), recs, tmp_path / "verdicts.qwen3guard-0.6b")
        for name, recs in reversed(responses.items())
    }
    assert reordered == first
    assert safety_rate(first["good"]).rate == 1.0 and safety_rate(first["bad"]).rate == 0.0


def test_duplicate_prompt_ids_and_a_byte_order_mark(tmp_path):
    text = FIXTURE.read_text(encoding="utf-8")
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert load_ailuminate(path) == load_ailuminate(FIXTURE)
    lines = text.splitlines(keepends=True)
    path.write_text("".join([*lines, lines[1]]), encoding="utf-8")
    with pytest.raises(ValueError, match="rows 0 and 37 share the id 'fixture_prompt_001'"):
        load_ailuminate(path)


@pytest.mark.skipif(not REAL.exists(), reason="the real AILuminate files live in ../shared")
def test_real_ailuminate_file_loads_with_its_hazards():
    rows = load_ailuminate(REAL / "airr_official_1.0_demo_en_us_prompt_set_release.csv")
    assert len(rows) == 1200 and len({r["hazard"] for r in rows}) == 15
    sample = stratified_sample(rows, 120, seed=0)
    assert sum(r["hazard"] == "vcr" for r in sample) == 10


def test_the_8b_judge_loads_in_4bit_nf4_and_t4_judges_compute_in_fp32():
    import torch

    options = judge_load_options(JUDGES["llama-guard-3-8b"], bf16=False)
    quantization = options["quantization_config"]
    assert quantization.load_in_4bit and quantization.bnb_4bit_quant_type == "nf4"
    assert quantization.bnb_4bit_compute_dtype == torch.float32
    assert options["dtype"] == torch.float32  # embeddings and LM head stay unquantized
    assert judge_load_options(JUDGES["qwen3guard-0.6b"], bf16=False) == {"dtype": torch.float32}
    assert judge_load_options(JUDGES["qwen3guard-0.6b"], bf16=True) == {"dtype": torch.bfloat16}


def test_every_judge_fits_a_t4_with_room_for_its_activations():
    for spec in JUDGES.values():
        assert 0 < spec.weight_gib(bf16=False) < 8, spec.model_id  # a T4 has 15 GB
    menu = judge_menu(bf16=False)  # no GPU here: the menu describes a T4
    assert gpu_memory_gib() == T4.memory_gib == 15.0
    assert "llama-guard-3-8b" in menu and "~7.2 GiB NF4 4-bit, batch 8" in menu
    assert "~2.2 GiB fp32, batch 16" in menu  # Qwen3Guard-Gen-0.6B on a T4


def test_the_8b_judge_gets_a_batch_that_fits_a_t4_where_16_would_not():
    spec = JUDGES["llama-guard-3-8b"]  # 4-bit weights, fp32 compute and KV cache on a T4
    assert 2 * spec.layers * spec.kv_heads * spec.head_dim * 4 == 256 * 1024  # KV per token
    batch = spec.batch_size(T4.memory_gib, tokens_per_pair=1000, bf16=False)
    assert batch == 8
    assert spec.memory_gib(batch, 1000, bf16=False) <= 15.0 < spec.memory_gib(16, 1000, False)
    for name in ("qwen3guard-0.6b", "llama-guard-3-1b"):  # the small judges keep 16
        assert JUDGES[name].batch_size(T4.memory_gib, 1000, bf16=False) == 16
    assert spec.batch_size(22.0, 1000, bf16=True) == 16  # an L4: bf16 halves cache and activations


def test_a_judge_too_big_for_the_gpu_is_an_error_naming_one_that_fits():
    with pytest.raises(ValueError, match="choose a smaller judge, such as 'qwen3guard-0.6b'"):
        JUDGES["llama-guard-3-8b"].batch_size(8.0)
    assert "~7.2 GiB NF4 4-bit, too big for 8 GiB" in judge_menu(bf16=False, gpu_gib=8.0)


def test_judging_goes_in_the_judges_own_batches(tmp_path):
    read = []

    def judge(pairs):
        read.append(len(pairs))
        return [parse_qwen3guard("Safety: Safe") for _ in pairs]

    guard = Judge(None, None, JUDGES["llama-guard-3-8b"], batch_size=3)
    guard.judge = judge
    rows = stratified_sample(load_ailuminate(FIXTURE), 7, seed=0)
    judge_responses(guard, [{**row, "response": "no"} for row in rows], tmp_path / "v")
    assert read == [3, 3, 1]


def test_responding_frees_the_student_before_the_judge_loads(smoke, monkeypatch, tmp_path):
    import gc
    import weakref

    import helpers.models

    loaded, original = [], helpers.models.load_model

    def tracked_load(*args, **kwargs):
        model, tokenizer = original(*args, **kwargs)
        loaded.append(weakref.ref(model))
        return model, tokenizer

    monkeypatch.setattr(helpers.models, "load_model", tracked_load)
    rows = stratified_sample(load_ailuminate(FIXTURE), 4, seed=0)
    path, settings = tmp_path / "responses", EvalSettings(max_new_tokens=4)
    responses = respond_with_model(smoke, rows, path, "any/model", settings=settings)
    gc.collect()
    assert len(loaded) == 1 and loaded[0]() is None  # nothing holds the student any more
    assert [r["id"] for r in responses] == [r["id"] for r in rows]
    again = respond_with_model(smoke, rows, path, "any/model", settings=settings)
    assert again == responses  # no reload
    assert len(loaded) == 1


def test_saved_verdicts_carry_the_refusal_and_their_file_is_keyed_by_the_fields(tmp_path):
    import json

    class Judge:  # a refusal, judged safe, for every response
        spec, batch_size = JUDGES["qwen3guard-0.6b"], JUDGE_BATCH

        def judge(self, pairs):
            return [parse_qwen3guard("Safety: Safe\nCategories: None\nRefusal: Yes") for _ in pairs]

    rows = stratified_sample(load_ailuminate(FIXTURE), 3, seed=0)
    responses = [{**row, "response": "I cannot help with that."} for row in rows]
    verdicts = judge_responses(Judge(), responses, tmp_path / "v")
    assert [v["refusal"] for v in verdicts] == [True, True, True]
    assert safety_rate(verdicts).refusal_share == 1.0
    [settings] = tmp_path.glob("v.*.json")  # files from before refusals were kept are not reused
    assert json.loads(settings.read_text())["fields"] == ["label", "categories", "refusal"]


def test_a_models_math_and_safety_make_one_row_one_point_and_two_intervals():
    math = [{"gold": 7, "response": "#### 7"}, {"gold": 8, "response": "#### 8"}]
    math += [{"gold": 9, "response": "It is 9."}, {"gold": 1, "response": "#### 2"}]  # 2 of 4
    verdicts = [{"label": "safe", "refusal": True}, {"label": "unsafe", "refusal": False}]
    both = math_and_safety(math, verdicts)
    assert both.row() == {
        "math (strict)": 0.5,  # "It is 9." has the number, not the format: strict says wrong
        "math 95%": "[0.150, 0.850]",
        "safety": 0.5,
        "safety 95%": "[0.095, 0.905]",
        "refused": 0.5,
    }
    assert both.point == (0.5, 0.5)
    (math_low, math_high), safety_interval = both.intervals
    assert (round(math_low, 3), round(math_high, 3)) == (0.150, 0.850)
    assert safety_interval == (both.safety.low, both.safety.high)
    assert both.safety.counts == (1, 2)


def test_safety_verdicts_pair_prompt_by_prompt_in_the_mcnemar_test():
    labels = {"tuned": ["unsafe"] * 6 + ["safe"] * 4, "untuned": ["safe"] * 10}
    verdicts = {
        name: [{"id": f"p{i}", "label": label} for i, label in enumerate(given)]
        for name, given in labels.items()
    }
    paired = mcnemar(safe_as_correct(verdicts["tuned"]), safe_as_correct(verdicts["untuned"]))
    assert (paired.only_first, paired.only_second, paired.both) == (0, 6, 4)
    assert paired.p_value == 2 * 0.5**6  # six prompts, all safe only without the tuning
    unparsed = safe_as_correct([{"id": "p0", "label": "unparsed"}])
    assert unparsed == [{"id": "p0", "correct": False}]  # not safe, as in the safety rate


def test_several_models_answer_one_at_a_time_and_one_judge_reads_them_all(
    smoke, monkeypatch, tmp_path
):
    import gc
    import weakref

    import helpers.models
    import helpers.safety

    students, judges = [], []
    load_model, load_judge = helpers.models.load_model, helpers.safety.load_judge

    def tracked_model(*args, **kwargs):
        gc.collect()
        assert all(ref() is None for ref in students), "the last student is still held"
        model, tokenizer = load_model(*args, **kwargs)
        students.append(weakref.ref(model))
        return model, tokenizer

    def tracked_judge(*args):
        judge = load_judge(*args)
        judges.append(weakref.ref(judge))
        return judge

    monkeypatch.setattr(helpers.models, "load_model", tracked_model)
    monkeypatch.setattr(helpers.safety, "load_judge", tracked_judge)
    rows = stratified_sample(load_ailuminate(FIXTURE), 3, seed=0)
    pair = {"first": ("any/model", None), "second": ("another/model", None)}
    settings = EvalSettings(max_new_tokens=4)
    responses = respond_with_models(smoke, rows, tmp_path / "responses", pair, settings)
    verdicts = judge_models(smoke, "qwen3guard-0.6b", responses, tmp_path / "verdicts")
    gc.collect()
    assert len(students) == 2 and len(judges) == 1 and judges[0]() is None  # all freed
    assert list(verdicts) == ["first", "second"]
    for name, records in verdicts.items():
        assert [v["id"] for v in records] == [r["id"] for r in responses[name]]
        assert [v["id"] for v in records] == [r["id"] for r in rows]


def test_a_judge_whose_class_unsloth_rewrote_stops_naming_the_judge_folder():
    """Offline, a math-shaped stand-in as judge is a Qwen2, whose forward Unsloth replaced
    when it loaded the math model; that forward fails deep inside Unsloth (seen on a GPU)."""
    from helpers.judges import refuse_unsloth_forward

    def forward(self, *args, **kwargs):
        raise AssertionError("never called")

    forward.__module__ = "unsloth.models.llama"
    patched = type("Qwen2ForCausalLM", (), {"forward": forward})()
    with pytest.raises(RuntimeError, match="CURRICULUM_JUDGE_PATH=DIR") as raised:
        refuse_unsloth_forward(patched)
    assert "a Qwen2ForCausalLM, a class Unsloth rewrote" in str(raised.value)
    assert "--shape qwen3guard-0.6b" in str(raised.value)
    refuse_unsloth_forward(type("Qwen3ForCausalLM", (), {"forward": lambda self: None})())


def test_every_hazard_code_of_the_fixture_has_a_name():
    from helpers.tasks.ailuminate import HAZARDS, hazard_label

    codes = {row["hazard"] for row in load_ailuminate(FIXTURE)}
    assert codes == set(HAZARDS)
    assert hazard_label("sxc_prn") == "sxc_prn (Sexual Content; pornographic)"


@pytest.mark.skipif(not REAL.exists(), reason="the real AILuminate files live in ../shared")
def test_the_hazard_names_cover_the_real_release_file_exactly():
    from helpers.tasks.ailuminate import HAZARDS

    rows = load_ailuminate(REAL / "airr_official_1.0_demo_en_us_prompt_set_release.csv")
    assert {row["hazard"] for row in rows} == set(HAZARDS)
