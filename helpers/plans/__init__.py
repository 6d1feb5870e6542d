"""What each notebook runs at each size, and what that costs on a free Colab T4: the one home
of the course's sizes and cost estimates.

Every notebook has one knob, ``SIZE``, with three values:

- ``"full"``: the reports' sizes (the default on Colab);
- ``"class"``: a lab that still shows the lesson's effect on a free T4 in 45 minutes or less;
- ``"check"``: every cell runs, with the smallest sizes that exercise it, in 5 T4 minutes or
  less: a check that the course runs on your runtime; its numbers mean nothing. The smoke
  profile (CPU, CI) always runs this size.

One module here per notebook lists its sizes side by side (``SIZES``: a frozen dataclass a
size) and prices them (``budget()``, from the T4 model of ``helpers.plans.t4``):

    from helpers.plans.inequality_sft import SIZES
    PLAN = choose(SIZES, SIZE, profile)   # $CURRICULUM_SIZE overrides SIZE (helpers.execute)
    PLAN.budget()                         # minutes and GPU memory, section by section
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import fields

NAMES = ("full", "class", "check")
SIZE_ENV = "CURRICULUM_SIZE"  # set by `python -m helpers.execute --size ...` for every notebook


def check_size(size: str, where: str = "SIZE") -> str:
    """``size`` if it is one of the three, else an error listing them."""
    if size not in NAMES:
        raise ValueError(f"{where}={size!r}: choose one of {', '.join(map(repr, NAMES))}")
    return size


def choose(plans: Mapping[str, object], size: str, profile):
    """The plan of ``size`` (``$CURRICULUM_SIZE`` when set), or ``"check"`` on the smoke
    profile, which runs on a CPU whatever the size asked (and says so)."""
    check_size(size)
    if os.environ.get(SIZE_ENV):
        size = check_size(os.environ[SIZE_ENV], SIZE_ENV)
    if profile.is_smoke and size != "check":
        print(f"SIZE={size!r} runs as 'check' in the smoke profile (a CPU): a few items, steps")
        size = "check"
    return plans[size]


def sizes_table(plans: Mapping[str, object]):
    """A ``pandas.DataFrame`` of every size's knobs side by side, one row a knob."""
    import pandas as pd

    knobs = [f.name for f in fields(next(iter(plans.values()))) if f.name != "size"]
    return pd.DataFrame(
        {name: [_shown(getattr(plan, knob)) for knob in knobs] for name, plan in plans.items()},
        index=knobs,
    )


def _shown(value) -> str:
    return ", ".join(map(str, value)) if isinstance(value, tuple) else str(value)
