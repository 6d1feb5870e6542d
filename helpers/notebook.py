"""A notebook's second cell: the profile, the GPU and the library versions printed, Unsloth
imported first, the seed set and the run folder made; and the exercises' solution cells, which
run only when asked.

    profile, RUN = start_notebook("02_sft_models_abc")
    SHOW_SOLUTIONS = solutions_shown(SHOW_SOLUTIONS, PLAN)   # in the sizes section
    if solution(1, SHOW_SOLUTIONS):                          # first line of a solution cell
        ...
"""

from __future__ import annotations

from pathlib import Path

from helpers import runtime
from helpers.models import import_unsloth
from helpers.runtime import PROFILE_ENV, Profile

NO_GPU_ON_COLAB = (
    "This Colab runtime has no GPU, and this notebook trains and evaluates models. "
    "Choose Runtime → Change runtime type → T4 GPU, then run the notebook again "
    "(a new runtime starts, so the setup cell installs the stack again)."
)


def start_notebook(name: str, seed: int = 3407, needs_gpu: bool = True) -> tuple[Profile, Path]:
    """A notebook's second cell: print profile, GPU and versions, seed, make the run folder.

    A notebook that ``needs_gpu`` (it trains or generates) imports Unsloth here, first, before
    anything imports transformers, trl or peft, so its patches apply (it warns and runs slower
    otherwise): on the colab profile as it is, on smoke under its CPU switch with TRL's
    trainers rewritten as on a GPU (``helpers.local.cpu_unsloth``), so CI trains through the
    same code. A Colab runtime without a GPU stops here with the menu path to fix it;
    elsewhere (a CPU machine checking the colab path) it warns, and model loading stops later.
    """
    profile = runtime.get_profile()
    if needs_gpu and profile.is_smoke:
        import_unsloth(profile)
    elif needs_gpu:
        if runtime.cuda_available():
            import unsloth  # noqa: F401  (first: it patches transformers, trl and peft)
        elif runtime.on_colab():
            raise RuntimeError(NO_GPU_ON_COLAB)
        else:
            print(
                "warning: no CUDA GPU, so the colab profile stops at model loading "
                f"(Unsloth needs a GPU); set {PROFILE_ENV}=smoke to run on this CPU"
            )
    print(runtime.describe_environment(profile))
    show_whole_cells()
    folder = runtime.run_dir(name, profile)
    print("results go to", folder)
    runtime.seed_everything(seed)
    return profile, folder


def show_whole_cells() -> None:
    """Let pandas show every table cell whole (its default cuts text at 50 characters, so an
    interval or a memory estimate loses its end) and wide tables on as few lines as fit."""
    import pandas as pd

    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.width", 160)


def solutions_shown(asked: bool, plan) -> bool:
    """The notebook's ``SHOW_SOLUTIONS`` as its solution cells use it. Solutions run only when
    asked, so Run all prints no answer under "predict first" (Colab's form hides a solution's
    code, not its output) and spends no time on them; the check size runs every cell, so CI
    and the runtime check run them too."""
    if not isinstance(asked, bool):
        raise TypeError(f"SHOW_SOLUTIONS={asked!r}: write True or False")
    if asked or plan.size != "check":
        return asked
    print("SIZE='check' runs every cell, the exercises' solutions too")
    return True


def solution(number: int, shown: bool) -> bool:
    """Whether exercise ``number``'s solution cell runs; when not, the cell says how to run it."""
    if not shown:
        print(
            f"Exercise {number}: try it first. Its solution runs when SHOW_SOLUTIONS = True "
            "(in the sizes section; run that cell, then this one)."
        )
    return shown
