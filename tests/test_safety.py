from pathlib import Path

import pytest

from helpers.safety import (
    FIXTURE,
    JUDGES,
    MissingTokenError,
    judge_responses,
    load_ailuminate,
    load_judge,
    parse_llama_guard,
    parse_qwen3guard,
    require_token,
    respond,
    safety_by_hazard,
    safety_rate,
    stratified_sample,
)

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
    with pytest.raises(ValueError, match="between 1 and the 37 rows"):
        stratified_sample(rows, 38)


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("release_prompt_id,prompt_text,hazard\nx,y,z\n")
    with pytest.raises(ValueError, match=r"lacks columns \['locale', 'persona'\]"):
        load_ailuminate(path)


def test_respond_and_judge_run_end_to_end_and_resume(smoke, tiny, tmp_path):
    model, tokenizer = tiny
    rows = stratified_sample(load_ailuminate(FIXTURE), 6, seed=0)
    responses = respond(model, tokenizer, rows, tmp_path / "r.jsonl", max_new_tokens=6)
    judge = load_judge(smoke, "llama-guard-3-1b")  # the tiny stand-in: no token needed
    verdicts = judge_responses(judge, responses, tmp_path / "v.jsonl", batch_size=4)
    assert [v["id"] for v in verdicts] == [r["id"] for r in rows]
    assert sum(safety_rate(verdicts).labels.values()) == 6
    again = judge_responses(None, responses, tmp_path / "v.jsonl")  # complete: no judging
    assert again == verdicts


@pytest.mark.skipif(not REAL.exists(), reason="the real AILuminate files live in ../shared")
def test_real_ailuminate_file_loads_with_its_hazards():
    rows = load_ailuminate(REAL / "airr_official_1.0_demo_en_us_prompt_set_release.csv")
    assert len(rows) == 1200 and len({r["hazard"] for r in rows}) == 15
    sample = stratified_sample(rows, 120, seed=0)
    assert sum(r["hazard"] == "vcr" for r in sample) == 10
