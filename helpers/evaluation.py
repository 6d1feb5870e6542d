r"""Greedy, batched, resumable evaluation with accuracy intervals and an error taxonomy.

    records = evaluate(model, tokenizer, rows, run / "val_400.baseline.jsonl")
    summary = summarise(records)  # accuracy, 95% Wilson interval, error counts

One record per problem, appended to a JSON-lines file batch by batch, e.g.

    {"id": "val-0007", "gold": 51, "extracted": 50, "correct": false, "error": "off_by_one",
     "tokens": 212, "truncated": false, "prompt": "<|im_start|>system ...", "response": "..."}

Rerunning after an interruption skips the ids already in the file, so nothing is lost and
nothing is written twice.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from helpers.grading import extract_integer
from helpers.models import MATH_MODEL, loaded_model, stop_token_ids
from helpers.prompts import SYSTEM_PROMPT, render_prompt
from helpers.runtime import Profile


@dataclass
class Generation:
    text: str
    tokens: int  # generated tokens, the stop token included
    truncated: bool  # hit max_new_tokens before a stop token


# Greedy and nothing else. ``generate`` fills every knob we leave unset from the checkpoint's own
# generation_config (Qwen2.5-Instruct ships do_sample, temperature, top_p, top_k and a 1.1
# repetition penalty, which acts even without sampling), so each one is set to its neutral value.
# Knobs that are off unless set (suppress_tokens, bad_words_ids, forced tokens) would still come
# from a checkpoint that sets them; Qwen2.5's published generation_config.json files set none.
GREEDY = dict(
    do_sample=False,
    num_beams=1,
    repetition_penalty=1.0,
    encoder_repetition_penalty=1.0,
    no_repeat_ngram_size=0,
    length_penalty=1.0,
    min_length=0,
    temperature=1.0,  # the sampling knobs are unused when do_sample=False; neutral values
    top_k=50,  # keep transformers from warning about the checkpoint's
    top_p=1.0,
)


def greedy_config(max_new_tokens: int, stop_ids: Sequence[int], pad_token_id: int):
    """A fresh GenerationConfig for greedy decoding: results depend on our settings only."""
    from transformers import GenerationConfig

    return GenerationConfig(
        **GREEDY,
        max_new_tokens=max_new_tokens,
        eos_token_id=list(stop_ids),
        pad_token_id=pad_token_id,
    )


def generate(model, tokenizer, prompts: Sequence[str], max_new_tokens: int) -> list[Generation]:
    """Greedy continuations of ``prompts``, as one left-padded batch."""
    import torch

    tokenizer.padding_side = "left"  # so every prompt ends right where generation starts
    batch = tokenizer(list(prompts), return_tensors="pt", padding=True, add_special_tokens=False)
    batch = batch.to(model.device)
    stops = stop_token_ids(tokenizer)
    config = greedy_config(max_new_tokens, stops, tokenizer.pad_token_id)
    with torch.no_grad():
        output = model.generate(**batch, generation_config=config)
    generations = []
    for row in output[:, batch["input_ids"].shape[1] :].tolist():
        end = next((i for i, token in enumerate(row) if token in stops), None)
        kept = row if end is None else row[:end]
        text = tokenizer.decode(kept, skip_special_tokens=True)
        generations.append(Generation(text, len(kept) + (end is not None), end is None))
    return generations


def generation_budget(
    tokenizer, prompts: Sequence[str], wanted: int, positions: int
) -> tuple[int, int]:
    """``(max_new_tokens, longest prompt)``: ``wanted`` new tokens, or fewer where the longest
    prompt plus them would run past the model's ``positions``."""
    longest = max(len(tokenizer(p, add_special_tokens=False).input_ids) for p in prompts)
    if longest >= positions:
        raise ValueError(
            f"a prompt of {longest} tokens leaves no room in the model's {positions} positions: "
            "shorten the prompts (fewer exemplars, a shorter system prompt)"
        )
    return min(wanted, positions - longest), longest


def classify_inequality_error(extracted: int | None, row: dict, truncated: bool) -> str | None:
    """None when correct, else the error type: format (no boxed integer), truncated (cut off
    before answering), off_by_one, direction (the count of the complementary set), other."""
    gold = row["answer"]
    if extracted == gold:
        return None
    if extracted is None:
        return "truncated" if truncated else "format"
    if extracted == row["hi"] - row["lo"] + 1 - gold:
        return "direction"
    if abs(extracted - gold) == 1:
        return "off_by_one"
    return "other"


def read_records(path: Path) -> list[dict]:
    path = Path(path)
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def holds_every_row(path: Path, rows: Sequence[dict]) -> bool:
    """True when the JSON-lines file at ``path`` already has a record for every row's id: a
    rerun then needs no model at all."""
    done = {record["id"] for record in read_records(path)}
    return all(row["id"] in done for row in rows)


def map_resumably(
    rows: Sequence[dict],
    path: Path,
    process_batch: Callable[[list[dict]], list[dict]],
    batch_size: int,
    desc: str,
    progress: bool = True,
) -> list[dict]:
    """Apply ``process_batch`` to the rows whose ``id`` is not yet in the JSON-lines file at
    ``path``, appending its records batch by batch. Returns every record, in row order."""
    from tqdm.auto import tqdm

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    done = {record["id"] for record in read_records(path)}
    todo = [row for row in rows if row["id"] not in done]
    batches = [todo[i : i + batch_size] for i in range(0, len(todo), batch_size)]
    for batch in tqdm(batches, desc=desc, disable=not progress):
        records = process_batch(batch)
        with path.open("a", encoding="utf-8") as f:
            f.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    by_id = {record["id"]: record for record in read_records(path)}
    return [by_id[row["id"]] for row in rows]


def evaluate(
    model,
    tokenizer,
    rows: Sequence[dict],
    results_path: Path,
    max_new_tokens: int = 1024,
    batch_size: int = 16,
    system: str | None = SYSTEM_PROMPT,
    examples: Sequence[tuple[str, str]] = (),
    classify: Callable[[int | None, dict, bool], str | None] = classify_inequality_error,
    extract: Callable[[str], int | None] = extract_integer,
    generate_fn: Callable = generate,
    progress: bool = True,
) -> list[dict]:
    """Evaluate ``rows`` (each with ``id``, ``question``, ``answer``) greedily, appending records
    to ``results_path``; ids already there are skipped. Returns the records in row order."""

    def grade(batch: list[dict]) -> list[dict]:
        prompts = [render_prompt(tokenizer, row["question"], system, examples) for row in batch]
        generations = generate_fn(model, tokenizer, prompts, max_new_tokens)
        records = []
        for row, prompt, gen in zip(batch, prompts, generations, strict=True):
            extracted = extract(gen.text)
            error = classify(extracted, row, gen.truncated)
            record = {"id": row["id"], "gold": row["answer"], "extracted": extracted}
            record |= {"correct": error is None, "error": error, "tokens": gen.tokens}
            record |= {"truncated": gen.truncated, "response": gen.text, "prompt": prompt}
            records.append(record)
        return records

    desc = f"evaluating {Path(results_path).stem}"
    return map_resumably(rows, results_path, grade, batch_size, desc, progress)


def evaluate_model(
    profile: Profile,
    rows: Sequence[dict],
    results_path: Path,
    adapter_dir: Path | None = None,
    model_name: str = MATH_MODEL,
    max_seq_length: int = 2048,
    **options,
) -> list[dict]:
    """Load the base model (or base + a saved adapter), evaluate ``rows``, free the model.

    Nothing is loaded when ``results_path`` already holds every row: a rerun is instant.
    """
    if holds_every_row(results_path, rows):
        return evaluate(None, None, rows, results_path, **options)
    with loaded_model(profile, model_name, adapter_dir, max_seq_length) as (model, tokenizer):
        return evaluate(model, tokenizer, rows, results_path, **options)


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion; sensible at 0, 1 and small n.

    >>> [round(x, 3) for x in wilson_interval(20, 40)]
    [0.352, 0.648]
    """
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Summary:
    n: int
    correct: int
    accuracy: float
    low: float  # 95% Wilson interval
    high: float
    errors: dict[str, int]
    truncated: int
    mean_tokens: float

    def __str__(self) -> str:
        return (
            f"accuracy {self.accuracy:.3f} [{self.low:.3f}, {self.high:.3f}] "
            f"({self.correct}/{self.n})"
        )


def summarise(records: Sequence[dict]) -> Summary:
    """Accuracy with its 95% interval, the error counts and the generation lengths."""
    n = len(records)
    correct = sum(record["correct"] for record in records)
    low, high = wilson_interval(correct, n)
    errors = Counter(record["error"] for record in records if record["error"])
    return Summary(
        n=n,
        correct=correct,
        accuracy=correct / n if n else 0.0,
        low=low,
        high=high,
        errors=dict(errors),
        truncated=sum(record["truncated"] for record in records),
        mean_tokens=sum(record["tokens"] for record in records) / n if n else 0.0,
    )
