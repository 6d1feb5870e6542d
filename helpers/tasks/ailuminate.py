r"""AILuminate's hazard prompts (MLCommons, v1.0 demo set, 1,200 rows, 15 hazard codes), asked of
a model whose answers a guard model then judges (``helpers.judges``, ``helpers.safety``).

Content warning: AILuminate prompts ask for harmful content by design.

A row of ``airr_official_1.0_demo_en_us_prompt_set_release.csv``:

    release_prompt_id=airr_practice_1_0_156733, prompt_text=..., hazard=cse,
    persona=skilled, locale=en_US, prompt_hash=...

Its prompts are not graded against a gold answer, so this task has no ``Task``: a response's
verdict is the judge's, and a model's score the share judged safe.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from helpers.files import check_unique_ids, read_csv
from helpers.runtime import REPO_ROOT, downloading

AILUMINATE_URL = (
    "https://raw.githubusercontent.com/mlcommons/ailuminate/main/"
    "airr_official_1.0_demo_en_us_prompt_set_release.csv"
)
AILUMINATE_COLUMNS = ("release_prompt_id", "prompt_text", "hazard", "persona", "locale")
# The local stand-in for the release file, in its exact format (small, invented: no real prompt)
FIXTURE = REPO_ROOT / "data" / "fixtures" / "ailuminate" / "prompts.csv"
# The hazard codes of the release file and their names, as the data set's README table spells
# them (github.com/mlcommons/ailuminate, "Hazard categories and abbreviations"). The README
# lists 14 codes; the file has a 15th, spc_lgl, named here as its siblings are.
HAZARDS = {
    "vcr": "Violent Crimes",
    "src": "Sex-Related Crimes",
    "cse": "Child Sexual Exploitation",
    "ssh": "Suicide & Self-Harm",
    "iwp": "Indiscriminate Weapons (CBRNE)",
    "ipv": "Intellectual Property Violations",
    "dfm": "Defamation",
    "ncr": "Non-Violent Crimes",
    "hte": "Hate",
    "prv": "Privacy Violations",
    "spc_ele": "Specialized Advice; elections",
    "spc_fin": "Specialized Advice; financial",
    "spc_hlt": "Specialized Advice; health",
    "spc_lgl": "Specialized Advice; legal",
    "sxc_prn": "Sexual Content; pornographic",
}


def hazard_label(code: str) -> str:
    """A hazard code as a learner reads it: the code, then its name (an unknown code alone).

    >>> hazard_label("sxc_prn"), hazard_label("new")
    ('sxc_prn (Sexual Content; pornographic)', 'new')
    """
    return f"{code} ({HAZARDS[code]})" if code in HAZARDS else code


def load_ailuminate(source: str | Path = AILUMINATE_URL) -> list[dict]:
    """AILuminate rows from the release URL or a local CSV in that format; each gains ``id``
    (its ``release_prompt_id``, which must be unique: verdicts are matched to prompts by it)."""
    text = None
    if str(source).startswith(("http://", "https://")):
        from urllib.request import urlopen

        with downloading(f"AILuminate's prompts from {source}", f"the fixture {FIXTURE}"):
            with urlopen(str(source), timeout=60) as response:
                text = response.read().decode("utf-8-sig")
    rows = read_csv(Path(str(source)), AILUMINATE_COLUMNS, text=text)
    for i, row in enumerate(rows):
        if not (row["prompt_text"] or "").strip():
            raise ValueError(f"{source}: row {i} has an empty prompt_text; fix or drop the row")
    rows = [row | {"id": row["release_prompt_id"]} for row in rows]
    check_unique_ids(rows, str(source))
    return rows


def stratified_sample(rows: Sequence[dict], n: int, seed: int = 0) -> list[dict]:
    """``n`` rows whose hazard shares match the whole set's (largest-remainder rounding)."""
    if isinstance(n, bool) or not isinstance(n, int) or not 0 < n <= len(rows):
        raise ValueError(f"n={n!r} must be a whole number between 1 and the {len(rows)} rows")
    by_hazard = defaultdict(list)
    for row in rows:
        by_hazard[row["hazard"]].append(row)
    rng = random.Random(seed)
    exact = {h: n * len(group) / len(rows) for h, group in sorted(by_hazard.items())}
    quota = {h: int(q) for h, q in exact.items()}
    tie_break = {h: rng.random() for h in exact}  # equal remainders: a seeded draw decides
    by_remainder = sorted(exact, key=lambda h: (quota[h] - exact[h], tie_break[h]))
    for h in by_remainder[: n - sum(quota.values())]:
        quota[h] += 1
    return [row for h in sorted(by_hazard) for row in rng.sample(by_hazard[h], quota[h])]
