"""Reading and writing the course's JSON-lines and CSV files, with errors that name the file,
the line and the fix.

Every data file and results file goes through here. A line of ``data/inequalities/val_40.jsonl``:

    {"id": "val-0000", "question": "For how many integers $x$ in the range $[-50, 50]$ ...",
     "answer": 51, ...}

What real files bring, and what happens:

- a UTF-8 byte-order mark (Excel writes one): skipped;
- bytes that are not UTF-8, a line that is not JSON, a line that is not an object: an error
  naming the file, the line and the fix;
- a results file whose last line was cut off mid-write (Colab killed during a write): the line
  is dropped with a warning when ``tail="drop"``, and the rerun redoes that row; a complete
  last line that only lost its newline is kept, and the newline is written before the next
  append, so no record is glued onto it;
- a CSV row cut short (fewer fields than the header, or a quote never closed): an error naming
  the file and the line, never a row with empty fields;
- two rows with the same id: an error naming both rows (records and verdicts are keyed by id).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")  # "-sig": a leading byte-order mark is skipped
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ValueError(
            f"{path}, line {line}: byte {raw[error.start]:#04x} is not UTF-8; save the file "
            "as UTF-8 (in Excel: Save As → CSV UTF-8)"
        ) from None


def read_jsonl(path: Path, tail: str = "error") -> list[dict]:
    """The JSON objects of a JSON-lines file, one per non-empty line.

    ``tail="drop"`` (results files): an unparsable last line without its newline is a write
    that was cut off; it is dropped, with a warning, and the file is truncated before it so
    the next append starts on a fresh line. Any other bad line is an error.
    """
    path = Path(path)
    raw = path.read_bytes()
    text = _decode(path, raw)
    lines = text.split("\n")
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            cut_off = number == len(lines)  # the last line, and no newline after it
            if tail == "drop" and cut_off:
                _drop_tail(path, raw, number)
                break
            raise ValueError(
                f"{path}, line {number}: not valid JSON ({error.msg}); fix or delete that line"
            ) from None
        if not isinstance(row, dict):
            raise ValueError(
                f"{path}, line {number}: a JSON object {{...}} expected, got "
                f"{type(row).__name__}; each line must be one row"
            )
        rows.append(row)
    return rows


def _drop_tail(path: Path, raw: bytes, number: int) -> None:
    keep = raw.rfind(b"\n") + 1
    with path.open("r+b") as f:
        f.truncate(keep)
    warnings.warn(
        f"{path}: dropped line {number}, cut off mid-write ({len(raw) - keep} bytes, an "
        "interrupted run); its row is done again",
        stacklevel=3,
    )


def append_jsonl(path: Path, rows: Iterable[dict]) -> None:
    """Append rows, one JSON object a line, and flush them to disk. A file whose last line
    lost its newline (an interrupted write of the newline alone) gets it first: the first new
    row would otherwise be glued onto that line, and the file refused from then on."""
    path = Path(path)
    with path.open("a+b") as f:
        if f.tell() > 0:
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                f.write(b"\n")
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        f.write(text.encode("utf-8"))
        f.flush()
        os.fsync(f.fileno())


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, so ``path`` is never half-written."""
    path = Path(path)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    scratch.write_text(text, encoding="utf-8")
    scratch.replace(path)


def read_csv(path: Path, columns: Sequence[str], text: str | None = None) -> list[dict]:
    """Rows of a CSV file with at least ``columns`` (``text``: its content, already read).

    Every row must have as many fields as the header: a row with fewer (a download cut off
    mid-row) or more (an unquoted comma) is an error naming its line, as is a quote never
    closed (strict parsing), instead of a row whose missing fields read as empty.
    """
    path = Path(path)
    if text is None:
        text = _decode(path, path.read_bytes())
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    rows, line = [], 1  # the rows so far; where the row being read starts
    try:
        missing = sorted(set(columns) - set(reader.fieldnames or ()))
        if missing:
            raise ValueError(
                f"{path}: lacks columns {missing} (it has {reader.fieldnames}); the file needs "
                f"{', '.join(columns)} in its first line"
            )
        line = reader.line_num + 1
        for row in reader:
            _check_fields(f"{path}, line {line} (row {len(rows)})", row, len(reader.fieldnames))
            rows.append(row)
            line = reader.line_num + 1
    except csv.Error as error:
        raise ValueError(
            f"{path}, line {line} (row {len(rows)}): {error} (a quote never closed: the file cut "
            "short?); fetch the file again or fix that line"
        ) from None
    return rows


def _check_fields(where: str, row: dict, width: int) -> None:
    """Refuse a CSV row with fewer or more fields than the header."""
    extra = row.get(None)  # csv.DictReader keeps fields beyond the header under None
    have = width - sum(value is None for value in row.values()) + len(extra or ())
    if have != width:
        cause = "cut short (a download cut off mid-row?)" if have < width else "too long"
        raise ValueError(
            f"{where}: {have} fields where the header has {width}: the row is "
            f"{cause}; fetch the file again, or fix that row (quote a field holding a comma)"
        )


def check_rows_are_dicts(rows, where: str) -> None:
    """Raise unless ``rows`` is a list (or tuple) of dicts: a split's name (``rows="train"``)
    or a single row passed where rows are expected would otherwise be read letter by letter
    or key by key."""
    if not isinstance(rows, list | tuple):
        raise ValueError(
            f"{where}: rows must be a list of row dicts, got {type(rows).__name__} "
            f"{rows!r:.40}; load them first, e.g. load_split('train', 400)"
        )
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ValueError(
                f"{where}: row {i} is {type(row).__name__} {row!r:.40}, not a dict; each row "
                "is one record {'id': ..., 'question': ..., ...}"
            )


def check_unique_ids(rows: Sequence[dict], where: str, key: str = "id") -> None:
    """Raise if two rows share an id: results and verdicts are matched to rows by id."""
    check_rows_are_dicts(rows, where)
    first: dict = {}
    for i, row in enumerate(rows):
        if key not in row:
            raise ValueError(f"{where}: row {i} has no {key!r}; every row needs a unique {key!r}")
        if row[key] in first:
            raise ValueError(
                f"{where}: rows {first[row[key]]} and {i} share the {key} {row[key]!r}; give "
                "every row its own id (or drop the duplicate)"
            )
        first[row[key]] = i


def fingerprint(value) -> str:
    """A short, stable hash of a JSON-serialisable value (dict keys in sorted order).

    >>> fingerprint({"b": 1, "a": [2, 3]}) == fingerprint({"a": [2, 3], "b": 1})
    True
    """
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def file_digest(*paths: Path) -> str:
    """A short hash of the bytes of ``paths``: a saved adapter's identity."""
    digest = hashlib.sha256()
    for path in paths:
        with Path(path).open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:12]
