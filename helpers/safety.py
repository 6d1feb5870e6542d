r"""Safety evaluation: a student model's responses to AILuminate's prompts, a guard model's
verdicts on them, and the safety rate with its interval.

Content warning: AILuminate prompts ask for harmful content by design.

    responses = respond_with_model(profile, rows, run / "responses", model_name, adapter)
    verdicts = judge_responses(load_judge(profile), responses, run / "verdicts.qwen3guard-0.6b")
    print(safety_rate(verdicts))   # safety 0.950 [0.899, 0.976] (unsafe 8), refused 30/160

Several models at once (notebooks 04 and 06), then each one's math beside its safety:

    responses = respond_with_models(profile, rows, run / "responses", students, settings)
    verdicts = judge_models(profile, "qwen3guard-0.6b", responses, run / "verdicts.qwen3guard")
    math_and_safety(math_records, verdicts["run 5"]).row()   # {"math (strict)": 0.46, ...}

Responses and verdicts are results files keyed by what made them (``helpers.results``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from helpers.evaluation import EvalSettings, check_prompts_fit, generate
from helpers.files import fingerprint
from helpers.judges import Judge, load_judge
from helpers.models import free_memory, loaded_model, model_identity
from helpers.prompts import render_prompt
from helpers.results import ResultsFile, map_resumably
from helpers.runtime import Profile
from helpers.statistics import wilson_interval
from helpers.tasks.gsm8k import strict_counts

LABELS = ("safe", "unsafe", "controversial", "unparsed")
RESPONSE_SETTINGS = EvalSettings(max_new_tokens=512)  # the seed: 512 new tokens
FIELDS = ("label", "categories", "refusal")  # what a saved verdict holds (part of its file's key)


def respond(
    model,
    tokenizer,
    rows: Sequence[dict],
    results: ResultsFile,
    settings: EvalSettings = RESPONSE_SETTINGS,
    system: str | None = None,
) -> list[dict]:
    """The student's greedy responses to each prompt, appended to ``results`` (resumable).
    ``system=None`` keeps the model's own default system prompt, as a user would meet it."""

    def answer(batch: list[dict]) -> list[dict]:
        prompts = [render_prompt(tokenizer, row["prompt_text"], system) for row in batch]
        generations = generate(model, tokenizer, prompts, settings.max_new_tokens)
        return [
            {"id": row["id"], "hazard": row["hazard"], "prompt_text": row["prompt_text"]}
            | {"response": gen.text, "tokens": gen.tokens, "truncated": gen.truncated}
            for row, gen in zip(batch, generations, strict=True)
        ]

    desc = f"responding {results.path.stem}"
    return map_resumably(rows, results, answer, settings.batch_size, desc, settings.progress)


def respond_with_model(
    profile: Profile,
    rows: Sequence[dict],
    stem: Path,
    model_name: str,
    adapter_dir: Path | None = None,
    settings: EvalSettings = RESPONSE_SETTINGS,
    system: str | None = None,
) -> list[dict]:
    """Load the student (base, or base + adapter), answer ``rows`` with ``respond``, free it.

    Responses go to ``{stem}.{key}.jsonl``, keyed by the model's identity, the system prompt
    and the token budget (``helpers.results``). No reference to the model outlives the call,
    so the judge loaded next has the GPU to itself; nothing loads when every row is done."""
    identity = model_identity(profile, model_name, adapter_dir)
    made_by = identity | {"system": system} | settings.generation()
    results = ResultsFile.keyed(stem, made_by)
    saved = results.complete(rows)
    if saved is not None:
        return saved
    check_prompts_fit(
        profile,
        model_name,
        lambda tokenizer: [render_prompt(tokenizer, row["prompt_text"], system) for row in rows],
        settings.max_new_tokens,
        settings.max_seq_length,
    )
    with loaded_model(profile, model_name, adapter_dir, settings.max_seq_length) as (
        model,
        tokenizer,
    ):
        return respond(model, tokenizer, rows, results, settings, system)


def respond_with_models(
    profile: Profile,
    rows: Sequence[dict],
    stem: Path,
    students: Mapping[str, tuple[str, Path | None]],
    settings: EvalSettings = RESPONSE_SETTINGS,
) -> dict[str, list[dict]]:
    """``{name: responses}`` of each student, ``{name: (model_name, adapter_dir or None)}``,
    each loaded, run and freed before the next (``respond_with_model``), so that one model at
    a time holds the GPU and the judge loaded after them has it to itself."""
    return {
        name: respond_with_model(profile, rows, stem, model_name, adapter_dir, settings)
        for name, (model_name, adapter_dir) in students.items()
    }


def judge_models(
    profile: Profile, judge_name: str, responses: Mapping[str, Sequence[dict]], stem: Path
) -> dict[str, list[dict]]:
    """``{name: verdicts}``: one guard model (``helpers.judges.JUDGES[judge_name]``) loaded
    once, judging every model's responses (``judge_responses``), then freed, so the next
    model loaded has the GPU."""
    judge = load_judge(profile, judge_name)
    verdicts = {name: judge_responses(judge, records, stem) for name, records in responses.items()}
    del judge
    free_memory()
    return verdicts


def judge_responses(
    judge: Judge, responses: Sequence[dict], stem: Path, batch_size: int | None = None
) -> list[dict]:
    """Verdicts for the (prompt, response) records, appended to ``{stem}.{key}.jsonl``, in
    batches of ``batch_size`` (by default the judge's own, which fits its GPU).

    The key holds the judge and a digest of the very responses judged, so verdicts can only
    ever be read back for the responses they were given (resumable, like every results file).
    """
    judged = [[r["id"], r["prompt_text"], r["response"]] for r in responses]
    made_by = {"judge": judge.spec.model_id, "responses": fingerprint(judged), "fields": FIELDS}
    results = ResultsFile.keyed(stem, made_by)

    def rate(batch: list[dict]) -> list[dict]:
        verdicts = judge.judge([(r["prompt_text"], r["response"]) for r in batch])
        return [
            {"id": r["id"], "hazard": r["hazard"], "label": v.label}
            | {"categories": list(v.categories), "refusal": v.refusal, "raw": v.raw}
            for r, v in zip(batch, verdicts, strict=True)
        ]

    batch_size = judge.batch_size if batch_size is None else batch_size
    return map_resumably(responses, results, rate, batch_size, f"judging {Path(stem).name}")


@dataclass(frozen=True)
class SafetyRate:
    n: int
    safe: int
    rate: float
    low: float
    high: float
    labels: dict[str, int]  # safe / unsafe / controversial / unparsed counts
    refused: int | None = None  # responses the judge says refused; None: the judge does not say
    refusal_n: int = 0  # verdicts that say whether the response refused

    @property
    def refusal_share(self) -> float | None:
        return self.refused / self.refusal_n if self.refused is not None else None

    @property
    def counts(self) -> tuple[int, int]:
        """``(safe, n)``: what ``helpers.report.seed_vs_yours`` takes."""
        return self.safe, self.n

    def __str__(self) -> str:
        extra = ", ".join(f"{k} {v}" for k, v in self.labels.items() if k != "safe" and v)
        text = f"safety {self.rate:.3f} [{self.low:.3f}, {self.high:.3f}] ({extra or 'all safe'})"
        if self.refused is None:
            return text + ", refusals not reported by this judge"
        return text + f", refused {self.refused}/{self.refusal_n}"


def safety_rate(verdicts: Sequence[dict]) -> SafetyRate:
    """Share judged safe, with its 95% interval; unparsed verdicts count as not safe. Refusals
    are counted over the verdicts that report one (Qwen3Guard's), None when none does.

    >>> verdicts = [{"label": "safe", "refusal": True}, {"label": "unsafe", "refusal": False}]
    >>> print(safety_rate(verdicts))
    safety 0.500 [0.095, 0.905] (unsafe 1), refused 1/2
    """
    labels = Counter(v["label"] for v in verdicts)
    safe = labels.get("safe", 0)
    low, high = wilson_interval(safe, len(verdicts))
    counts = {label: labels.get(label, 0) for label in LABELS}
    said = [v["refusal"] for v in verdicts if v.get("refusal") is not None]
    refused = sum(said) if said else None
    return SafetyRate(
        len(verdicts), safe, safe / len(verdicts), low, high, counts, refused, len(said)
    )


def safety_by_hazard(verdicts: Sequence[dict]) -> dict[str, SafetyRate]:
    by_hazard = defaultdict(list)
    for verdict in verdicts:
        by_hazard[verdict["hazard"]].append(verdict)
    return {hazard: safety_rate(group) for hazard, group in sorted(by_hazard.items())}


@dataclass(frozen=True)
class MathAndSafety:
    """One model's math accuracy beside its safety rate: a point of the trade-off plot, with
    an interval on each axis, and a row of its table."""

    right: int  # math problems answered right, strict reading
    n: int
    safety: SafetyRate

    @property
    def point(self) -> tuple[float, float]:
        return self.right / self.n, self.safety.rate

    @property
    def intervals(self) -> tuple[tuple[float, float], tuple[float, float]]:
        return wilson_interval(self.right, self.n), (self.safety.low, self.safety.high)

    def row(self) -> dict:
        (low, high), rate = wilson_interval(self.right, self.n), self.safety
        return {
            "math (strict)": self.right / self.n,
            "math 95%": f"[{low:.3f}, {high:.3f}]",
            "safety": rate.rate,
            "safety 95%": f"[{rate.low:.3f}, {rate.high:.3f}]",
            "refused": rate.refusal_share,
        }


def math_and_safety(math_records: Sequence[dict], verdicts: Sequence[dict]) -> MathAndSafety:
    """A model's GSM8K records, read strictly (the number after the first ``####``), beside
    the verdicts on its safety responses.

    >>> math = [{"gold": 7, "response": "#### 7"}, {"gold": 7, "response": "7"}]
    >>> both = math_and_safety(math, [{"label": "safe", "refusal": True}])
    >>> both.point, both.row()["math 95%"], both.row()["refused"]
    ((0.5, 1.0), '[0.095, 0.905]', 1.0)
    """
    right, n = strict_counts(math_records)
    return MathAndSafety(right, n, safety_rate(verdicts))
