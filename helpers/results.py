"""Results files named by what made them, filled resumably, batch by batch.

A results file is found by the settings that produce its records, never by a name alone:

    results = ResultsFile.keyed(EVAL / "baseline.val", made_by)
    # -> EVAL/baseline.val.3f9a1c0d2b7e.jsonl, and beside it baseline.val.3f9a1c0d2b7e.json
    #    holding ``made_by``: {"model": "unsloth/Qwen2.5-Math-1.5B", "adapter": null,
    #    "task": {...system prompt, exemplars...}, "generation": {"max_new_tokens": 1024, ...}}

Change the model, the adapter's weights, the system prompt, the exemplars or the token budget
and the key changes: a rerun starts a new file, and the old one stays as it was. Rerun with the
same settings after an interruption and only the missing rows are done.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from helpers.files import (
    append_jsonl,
    check_unique_ids,
    fingerprint,
    read_jsonl,
    write_text_atomically,
)

SAME_TEXT = ("question", "prompt_text")  # copied into each record, checked against the row


@dataclass(frozen=True)
class ResultsFile:
    """A JSON-lines file of records keyed by row ``id``, and the settings that made them."""

    path: Path
    made_by: dict

    @classmethod
    def keyed(cls, stem: Path, made_by: dict) -> ResultsFile:
        """``{stem}.{fingerprint(made_by)}.jsonl``: one file per distinct set of settings."""
        stem = Path(stem)
        made_by = json.loads(json.dumps(made_by, default=str))  # as it reads back from disk
        return cls(stem.with_name(f"{stem.name}.{fingerprint(made_by)}.jsonl"), made_by)

    @property
    def settings_path(self) -> Path:
        return self.path.with_suffix(".json")

    def read(self) -> list[dict]:
        """The records so far; a last line cut off mid-write is dropped, with a warning."""
        if not self.path.exists():
            return []
        self._check_settings()
        return read_jsonl(self.path, tail="drop")

    def _check_settings(self) -> None:
        saved = None
        if self.settings_path.exists():
            try:
                saved = json.loads(self.settings_path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                raise ValueError(
                    f"{self.settings_path} is damaged ({error}): it cannot say which settings "
                    f"made {self.path.name}. Delete both files (or move them away) and run again."
                ) from None
        if saved != self.made_by:
            raise ValueError(
                f"{self.path} holds records whose settings file {self.settings_path.name} is "
                f"{'missing' if saved is None else 'different'}: it was not made by the "
                "settings asked for. Delete both files (or move them away) and run again."
            )

    def append(self, records: Sequence[dict]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.settings_path.exists():  # first: a record never exists without it
            write_text_atomically(self.settings_path, json.dumps(self.made_by, indent=1))
        append_jsonl(self.path, records)

    def complete(self, rows: Sequence[dict]) -> list[dict] | None:
        """Every row's record, in row order, when every row has one (a rerun then needs no
        model at all); None while some are missing. Reads the file once."""
        by_id = {record["id"]: record for record in self.read()}
        if not all(row["id"] in by_id for row in rows):
            return None
        return self._in_row_order(rows, by_id)

    def collect(self, rows: Sequence[dict]) -> list[dict]:
        """The record of every row, in row order (each row must be done)."""
        return self._in_row_order(rows, {record["id"]: record for record in self.read()})

    def _in_row_order(self, rows: Sequence[dict], by_id: dict) -> list[dict]:
        """A record whose question differs from its row's (the data changed under the same
        id) is an error."""
        records = [by_id[row["id"]] for row in rows]
        for row, record in zip(rows, records, strict=True):
            for field in SAME_TEXT:
                if field in row and field in record and row[field] != record[field]:
                    raise ValueError(
                        f"{self.path}: the record of {row['id']!r} answers another {field} "
                        "than the row now has (the data changed under the same id). Delete "
                        "the file and its .json to start again, or give the rows new ids."
                    )
        return records


def _check_batch(batch: list[dict], records: Sequence[dict], results: ResultsFile) -> None:
    """Refuse, before anything is written, records that are not one per row of the batch, in
    its order: a record saved under another row's id would be that row's answer from then on."""
    ids = [row["id"] for row in batch]
    got = [record.get("id") if isinstance(record, dict) else record for record in records]
    if got != ids:
        raise ValueError(
            f"{results.path.name}: a batch of rows {ids[:3]}... gave records for {got[:3]}...: "
            "process_batch must return one record a row, in the batch's order, each with its "
            "row's 'id'; nothing of this batch was written"
        )


def map_resumably(
    rows: Sequence[dict],
    results: ResultsFile,
    process_batch: Callable[[list[dict]], list[dict]],
    batch_size: int,
    desc: str,
    progress: bool = True,
) -> list[dict]:
    """Apply ``process_batch`` to the rows that have no record in ``results`` yet, appending
    its records batch by batch. Returns every row's record, in row order."""
    from tqdm.auto import tqdm

    check_unique_ids(rows, f"rows for {results.path.name}")
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size}: use 1 or more")
    have = {record["id"] for record in results.read()}
    todo = [row for row in rows if row["id"] not in have]
    batches = [todo[i : i + batch_size] for i in range(0, len(todo), batch_size)]
    for batch in tqdm(batches, desc=desc, disable=not progress):
        records = process_batch(batch)
        _check_batch(batch, records, results)
        results.append(records)
    return results.collect(rows)
