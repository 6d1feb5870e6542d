r"""Greedy, batched, resumable evaluation of a Task, with accuracy intervals.

    records = evaluate_model(profile, INEQUALITIES, val, run / "eval" / "baseline.val",
                             EvalSettings(max_new_tokens=1024))
    summary = summarise(records)  # helpers.statistics: accuracy, 95% interval, error counts

The generations are appended to a results file keyed by what made them (``helpers.results``),
batch by batch; the task grades them whenever they are read. One graded record:

    {"id": "val-0007", "question": "For how many ...", "response": "... \\boxed{50}",
     "tokens": 212, "truncated": false, "prompt": "<|im_start|>system ...",
     "gold": 51, "extracted": 50, "correct": false, "error": "off_by_one", "math_verify": false}

Rerunning after an interruption skips the rows already done, so nothing is lost and nothing
is written twice; rerunning with other settings starts another file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from helpers.checkpoints import check_adapter, check_knobs, model_positions
from helpers.models import (
    MATH_MODEL,
    load_tokenizer,
    loaded_model,
    model_identity,
    model_source,
    quiet_generation_notices,
    stop_token_ids,
)
from helpers.results import ResultsFile, map_resumably
from helpers.runtime import Profile
from helpers.tasks import Task


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
    """Greedy continuations of ``prompts``, as one left-padded batch (left for this call only:
    the tokenizer's own ``padding_side`` is left as the caller set it)."""
    import torch

    batch = tokenizer(
        list(prompts),
        return_tensors="pt",
        padding=True,
        padding_side="left",  # every prompt ends right where generation starts
        add_special_tokens=False,
    )
    batch = batch.to(model.device)
    stops = stop_token_ids(tokenizer)
    config = greedy_config(max_new_tokens, stops, tokenizer.pad_token_id)
    quiet_generation_notices()
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
    if not prompts:
        raise ValueError("no prompts to budget for: pass the prompts the model will be asked")
    longest = max(len(tokenizer(p, add_special_tokens=False).input_ids) for p in prompts)
    if longest >= positions:
        raise ValueError(
            f"a prompt of {longest} tokens leaves no room in the model's {positions} positions: "
            "shorten the prompts (fewer exemplars, a shorter system prompt)"
        )
    return min(wanted, positions - longest), longest


def check_prompts_fit(
    profile: Profile,
    model_name: str,
    prompts_of,
    max_new_tokens: int,
    max_seq_length: int,
) -> None:
    """Refuse, before any model loads, a prompt longer than ``max_seq_length`` (Unsloth cuts
    such an input to fit, and transformers only logs a line) or one whose answer could run past
    the model's positions (where its answers are of a distorted model). ``prompts_of``: the
    tokenizer -> the prompts, as the model would be shown them."""
    tokenizer = load_tokenizer(profile, model_name)
    prompts = prompts_of(tokenizer)
    if not prompts:
        return
    positions = model_positions(model_source(profile, model_name))
    lengths = [len(tokenizer(p, add_special_tokens=False).input_ids) for p in prompts]
    longest = max(lengths)
    which = f"prompt {lengths.index(longest)} ({longest} tokens)"
    if longest > min(max_seq_length, positions):
        raise ValueError(
            f"{which} is longer than max_seq_length={max_seq_length} (the model has {positions} "
            "positions): it would be cut or overrun. Raise max_seq_length up to the model's "
            "positions, or shorten the prompt (fewer exemplars, a shorter question)"
        )
    if longest + max_new_tokens > positions:
        raise ValueError(
            f"{which} + max_new_tokens={max_new_tokens} run past the model's {positions} "
            "positions. Cap the answer: max_new_tokens, _ = helpers.evaluation."
            f"generation_budget(tokenizer, prompts, {max_new_tokens}, {positions})"
        )


@dataclass(frozen=True)
class EvalSettings:
    """How a model is asked: greedy decoding with at most ``max_new_tokens`` new tokens."""

    max_new_tokens: int = 1024
    batch_size: int = 16  # prompts generated together: speed, not the answers (not keyed)
    max_seq_length: int = 2048  # positions the loader prepares, never beyond the model's
    progress: bool = True  # a tqdm bar over the batches

    def __post_init__(self) -> None:
        check_knobs(self, whole=("max_new_tokens", "batch_size", "max_seq_length"))

    def generation(self) -> dict:
        """What changes the generated text, for a results file's key."""
        return {"max_new_tokens": self.max_new_tokens, "decoding": GREEDY}


def graded(task: Task, rows: Sequence[dict], records: Sequence[dict]) -> list[dict]:
    """Saved generations with the task's grading added (done on reading, so a fix to a reader
    applies to every saved response without generating again)."""
    return [
        record | task.grade(record["response"], row, record["truncated"])
        for row, record in zip(rows, records, strict=True)
    ]


def evaluate(
    model,
    tokenizer,
    task: Task,
    rows: Sequence[dict],
    results: ResultsFile,
    settings: EvalSettings = EvalSettings(),
) -> list[dict]:
    """Generate greedily for the ``rows`` not yet in ``results``, append their generations,
    and return every row's graded record, in row order."""
    task.check_rows(rows, results.path.name)

    def answer(batch: list[dict]) -> list[dict]:
        prompts = [task.prompt(tokenizer, row["question"]) for row in batch]
        generations = generate(model, tokenizer, prompts, settings.max_new_tokens)
        return [
            {"id": row["id"], "question": row["question"], "response": gen.text}
            | {"tokens": gen.tokens, "truncated": gen.truncated, "prompt": prompt}
            for row, prompt, gen in zip(batch, prompts, generations, strict=True)
        ]

    desc = f"evaluating {results.path.stem}"
    saved = map_resumably(rows, results, answer, settings.batch_size, desc, settings.progress)
    return graded(task, rows, saved)


def evaluate_model(
    profile: Profile,
    task: Task,
    rows: Sequence[dict],
    stem: Path,
    settings: EvalSettings = EvalSettings(),
    model_name: str = MATH_MODEL,
    adapter_dir: Path | None = None,
) -> list[dict]:
    """Evaluate the base model (or base + a saved adapter) on ``rows``, then free it.

    Records go to ``{stem}.{key}.jsonl``, the key being a hash of the model's identity, the
    task's prompt and the generation settings (``helpers.results``): change any of them and a
    new file starts. When that file already holds every row, no model is loaded at all.
    """
    jobs = {"": (rows, Path(stem))}
    return _evaluate(profile, task, jobs, settings, model_name, adapter_dir)[""]


def evaluate_splits(
    profile: Profile,
    task: Task,
    splits: Mapping[str, Sequence[dict]],
    stem: Path,
    settings: EvalSettings = EvalSettings(),
    model_name: str = MATH_MODEL,
    adapter_dir: Path | None = None,
) -> dict[str, list[dict]]:
    """``evaluate_model`` on several splits with one model load: ``{split: records}``, each
    split's in its own file, as ``evaluate_model(..., Path(f"{stem}.{split}"))`` would write
    it. A load costs a T4 about a quarter of a minute; two splits a model, a few models a
    notebook, add up."""
    jobs = {name: (rows, Path(f"{stem}.{name}")) for name, rows in splits.items()}
    return _evaluate(profile, task, jobs, settings, model_name, adapter_dir)


def _evaluate(profile, task, jobs, settings, model_name, adapter_dir) -> dict[str, list[dict]]:
    """Graded records of each job ``{name: (rows, stem)}``: read back where a results file is
    complete, else generated, every missing one with a single load of the model."""
    for rows, stem in jobs.values():
        task.check_rows(rows, str(stem))
    identity = model_identity(profile, model_name, adapter_dir)
    made_by = identity | task.prompt_settings() | settings.generation()
    files = {name: ResultsFile.keyed(stem, made_by) for name, (_, stem) in jobs.items()}
    records = {}
    for name, (rows, _) in jobs.items():
        saved = files[name].complete(rows)
        records[name] = None if saved is None else graded(task, rows, saved)
    missing = [name for name, graded_records in records.items() if graded_records is None]
    if missing:
        questions = [row["question"] for name in missing for row in jobs[name][0]]
        check_prompts_fit(
            profile,
            model_name,
            lambda tokenizer: [task.prompt(tokenizer, question) for question in questions],
            settings.max_new_tokens,
            settings.max_seq_length,
        )
        with loaded_model(profile, model_name, adapter_dir, settings.max_seq_length) as loaded:
            for name in missing:
                records[name] = evaluate(*loaded, task, jobs[name][0], files[name], settings)
    return records


def ask(
    profile: Profile,
    task: Task,
    question: str,
    adapters: dict[str, Path | None],
    max_new_tokens: int = 512,
    model_name: str = MATH_MODEL,
    max_seq_length: int = 2048,
) -> list[dict]:
    """Your own question, put to each model of ``adapters`` (a name -> adapter folder, None for
    the base model) with the task's prompt and greedy decoding: the answer each one states
    (``task.read``) and its whole response. Nothing is saved: this is for looking, not scoring.
    """
    if not isinstance(question, str) or not question.strip():
        raise ValueError("the question is empty: write one, e.g. 'For how many integers x ...'")
    if not adapters:
        raise ValueError("no models to ask: pass {name: adapter folder}, {'base': None} for one")
    EvalSettings(max_new_tokens=max_new_tokens, max_seq_length=max_seq_length)  # checks them
    check_prompts_fit(
        profile,
        model_name,
        lambda tokenizer: [task.prompt(tokenizer, question)],
        max_new_tokens,
        max_seq_length,
    )
    base = model_source(profile, model_name)
    for adapter_dir in adapters.values():
        if adapter_dir is not None:
            check_adapter(adapter_dir, base)  # every model, before the first one loads
    answers = []
    for name, adapter_dir in adapters.items():
        with loaded_model(profile, model_name, adapter_dir, max_seq_length) as (model, tokenizer):
            prompt = task.prompt(tokenizer, question)
            generation = generate(model, tokenizer, [prompt], max_new_tokens)[0]
        answers.append(
            {
                "model": name,
                "answer": task.read(generation.text),
                "tokens": generation.tokens,
                "cut off": generation.truncated,
                "response": generation.text,
            }
        )
    return answers
