"""Drive our colab branch with every Unsloth and TRL call bound to the real, pinned signature.

``tests/test_colab_api_drift.py`` runs this in a subprocess of the CI environment (which holds
the Colab pins of unsloth, unsloth_zoo and trl), with ``UNSLOTH_ALLOW_CPU=1`` (Unsloth's test
switch that lets ``from unsloth import FastLanguageModel`` import on a CPU). By hand, in a
scratch folder (Unsloth writes its generated trainers to ``./unsloth_compiled_cache``):

    UNSLOTH_ALLOW_CPU=1 python <repo>/tests/colab_api_drift/check_keywords.py report.json

It rewrites every trainer of TRL with Unsloth's whole ``PatchFastRL``, as ``import unsloth``
does on a GPU: the test compares the SFT and GRPO trainers it writes with those of
``helpers.local.cpu_unsloth``, which rewrites only those two.

Our public functions run with the colab profile; ``FastLanguageModel.from_pretrained``,
``get_peft_model`` and ``for_inference`` are replaced by recorders that bind each call to the
real method's signature and then stand in for the GPU loader with the smoke profile's tiny model;
``SFTConfig``, ``SFTTrainer``, ``GRPOConfig`` and ``GRPOTrainer`` are checked the same way and
then built for real. A keyword that
only lands in a ``**kwargs`` catch-all is a problem unless the pinned code reads it there:
Unsloth drops an unknown SFTConfig field with a printed notice and hands unknown loader keywords
on, so on Colab a typo would be ignored, not fail. The JSON report looks like

    {"versions": {"unsloth": "2026.10.7", "unsloth_zoo": "2026.10.7", "trl": "1.15.0"},
     "calls": {"FastLanguageModel.from_pretrained": ["dtype", "load_in_4bit", ...], ...},
     "problems": ["FastLanguageModel.from_pretrained does not take keyword 'load_in_4bits' in
                   unsloth 2026.10.7 (only **kwargs would take it: ignored or passed on
                   unchecked)"],
     "trainer": "UnslothSFTTrainer", "grpo_trainer": "UnslothGRPOTrainer"}

The notebooks' own cells (notebook 02 shows the recipe itself: ``from_pretrained``,
``get_peft_model``, ``SFTConfig``, ``SFTTrainer``) are read from ``nbs_py/*.py`` and each keyword
they pass is checked by name against the same pinned signatures (``"notebook_calls"``).

``--misspell FUNCTION:KEYWORD=WRONG --misspelled-report REPORT`` drives the branch a second time
in the same process, renaming a keyword in every call of FUNCTION as it arrives, to show that a
typo in our code is caught (one Unsloth import serves both runs).
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import tempfile
from importlib import import_module
from pathlib import Path

# Keywords that fall into a **kwargs catch-all of the pinned code but are read from there (the
# checker rejects every other keyword that lands in one), read from the installed wheels.
# SFTConfig's are not listed: install_recorders takes TRL's own fields, which Unsloth forwards.
KWARGS_READ = {
    # unsloth/models/loader.py and llama.py: kwargs.get(...) for the hub download and quantizer
    "FastLanguageModel.from_pretrained": {
        "cache_dir",
        "local_files_only",
        "force_download",
        "quantization_config",
    },
    # unsloth/models/llama.py get_peft_model reads these, then hands them to peft's LoraConfig
    "FastLanguageModel.get_peft_model": {"use_dora", "exclude_modules"},
    "FastLanguageModel.for_inference": set(),
    # Unsloth's generated trainer passes **kwargs on to TRL's own __init__, which names this one
    "SFTTrainer": {"optimizers"},
    "GRPOTrainer": set(),
}


ROOT = Path(__file__).resolve().parents[2]
# What the notebooks call in their own cells (the recipe shown to the learner), checked by name.
NOTEBOOK_FUNCTIONS = {
    "FastLanguageModel.from_pretrained",
    "FastLanguageModel.get_peft_model",
    "SFTConfig",
    "SFTTrainer",
    "GRPOConfig",  # notebook 05's recipe cells
    "GRPOTrainer",
}


def signature_of(real) -> inspect.Signature:
    """``inspect.signature(real)``, seeing through the ``__init__(self, *args, **kwargs)`` that
    Unsloth wraps around its GRPOTrainer's (unsloth/models/rl.py,
    ``_wrap_grpo_hidden_states_fallback``, without ``functools.wraps``), which hides the real
    one: the wrapped ``__init__`` is found in the wrapper's closure."""
    init = getattr(real, "__init__", None)
    if isinstance(real, type) and getattr(init, "_unsloth_grpo_hidden_states_init_wrapped", False):
        cells = (cell.cell_contents for cell in init.__closure__)
        original = next(c for c in cells if getattr(c, "__name__", "") == "__init__")
        return inspect.Signature(list(inspect.signature(original).parameters.values())[1:])
    return inspect.signature(real)


def keyword_names(signature) -> set[str]:
    """The parameters a call can name (not ``*args`` or ``**kwargs``)."""
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {p.name for p in signature.parameters.values() if p.kind in kinds}


def check_call(function: str, library: str, signature, args, kwargs, read):
    """``(bound, problems)`` of a call of ``function``: each keyword that is neither a named
    parameter nor read from ``**kwargs`` (``read``) is a problem and left out of ``bound``, and
    so are extra positional arguments. A call that does not bind at all raises TypeError."""
    parameters = signature.parameters.values()
    named = keyword_names(signature)
    catch_all = any(p.kind is p.VAR_KEYWORD for p in parameters)
    unread = " (only **kwargs would take it: ignored or passed on unchecked)" if catch_all else ""
    problems = [
        f"{function} does not take keyword {name!r} in {library}{unread}"
        for name in kwargs
        if name not in named | read
    ]
    try:
        bound = signature.bind(*args, **{k: v for k, v in kwargs.items() if k in named | read})
    except TypeError as error:
        raise TypeError(f"{function} in {library}: {error}") from error
    for p in parameters:
        if p.kind is p.VAR_POSITIONAL and bound.arguments.get(p.name):
            problems.append(f"{function} in {library}: extra positional arguments")
            bound.arguments[p.name] = ()
    return bound, problems


class Recorder:
    """Stands in for ``real``: checks each call against ``real``'s signature, records its
    keywords and problems in ``report``, then hands the checked call (``inspect.BoundArguments``)
    to ``stand_in`` so our code carries on."""

    def __init__(self, function, real, library, read, stand_in, report):
        self.function = function  # as named in problems: "FastLanguageModel.from_pretrained"
        self.signature = signature_of(real)
        self.library = library  # with its version: "unsloth 2026.10.7"
        self.read = read  # keywords the real code reads from its **kwargs
        self.stand_in = stand_in
        self.misspell = {}  # {keyword: wrong spelling} to apply to each call
        self.report = report

    def __call__(self, *args, **kwargs):
        kwargs = {self.misspell.get(name, name): value for name, value in kwargs.items()}
        keywords = self.report["calls"].setdefault(self.function, [])
        keywords += [name for name in kwargs if name not in keywords]
        bound, problems = check_call(
            self.function, self.library, self.signature, args, kwargs, self.read
        )
        self.report["problems"] += [p for p in problems if p not in self.report["problems"]]
        return self.stand_in(bound)


def load_local(bound):
    """Unsloth's loader's stand-in: the local model folder named, or base + adapter."""
    from peft import AutoPeftModelForCausalLM
    from transformers import AutoModelForCausalLM, AutoTokenizer

    name = bound.arguments["model_name"]
    adapter = (Path(name) / "adapter_config.json").exists()
    model = (AutoPeftModelForCausalLM if adapter else AutoModelForCausalLM).from_pretrained(name)
    return model, AutoTokenizer.from_pretrained(name)


def add_lora(bound):
    """``get_peft_model``'s stand-in: PEFT's LoRA with the shape the call asked for."""
    from peft import LoraConfig, get_peft_model

    bound.apply_defaults()
    lora = {k: bound.arguments[k] for k in ("r", "lora_alpha", "lora_dropout", "bias")}
    config = LoraConfig(
        **lora, target_modules=bound.arguments["target_modules"], task_type="CAUSAL_LM"
    )
    return get_peft_model(bound.arguments["model"], config)


def build_real(real):
    """A stand-in that calls ``real`` itself with the checked call."""
    return lambda bound: real(*bound.args, **bound.kwargs)


def patch_every_trainer_as_on_a_gpu() -> None:
    """Rewrite all of TRL's trainers and configs into Unsloth's, as ``import unsloth`` does on
    a GPU: under ``UNSLOTH_ALLOW_CPU=1``, ``PatchFastRL`` skips that step (unsloth/models/rl.py)."""
    from unsloth.models.rl import PatchFastRL

    os.environ["UNSLOTH_ALLOW_CPU"] = "0"
    try:
        PatchFastRL()
    finally:
        os.environ["UNSLOTH_ALLOW_CPU"] = "1"


def kwargs_read() -> dict[str, set[str]]:
    """``KWARGS_READ`` plus SFTConfig's: Unsloth's SFTConfig forwards from **kwargs exactly what
    TRL's own SFTConfig accepts (unsloth/models/rl_config_compat.py,
    filter_config_init_kwargs) and drops the rest."""
    import dataclasses

    import trl

    def own_fields(config) -> set[str]:
        own = next(c for c in config.__mro__ if "_unsloth_patched_rl_config" not in vars(c))
        return {f.name for f in dataclasses.fields(own) if f.init}

    return KWARGS_READ | {
        "SFTConfig": own_fields(trl.SFTConfig),
        "GRPOConfig": own_fields(trl.GRPOConfig),
    }


def notebook_keywords(source: Path) -> dict[str, list[str]]:
    """``{function: [keyword, ...]}`` of the Unsloth and TRL calls a notebook makes in its own
    cells (``nbs_py/*.py``), read from its syntax tree: the recipe a learner copies."""
    import ast

    calls: dict[str, list[str]] = {}
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in NOTEBOOK_FUNCTIONS:
            names = calls.setdefault(ast.unparse(node.func), [])
            names += [k.arg for k in node.keywords if k.arg and k.arg not in names]
    return calls


def check_notebooks(report: dict) -> None:
    """Each keyword the notebooks pass in their own cells exists in the pinned signature."""
    import trl
    import unsloth
    from unsloth import FastLanguageModel

    real = {
        "FastLanguageModel.from_pretrained": FastLanguageModel.from_pretrained,
        "FastLanguageModel.get_peft_model": FastLanguageModel.get_peft_model,
        "SFTConfig": trl.SFTConfig,
        "SFTTrainer": trl.SFTTrainer,
        "GRPOConfig": trl.GRPOConfig,
        "GRPOTrainer": trl.GRPOTrainer,
    }
    read = kwargs_read()
    report["notebook_calls"] = {}
    for source in sorted((ROOT / "nbs_py").glob("*.py")):
        calls = notebook_keywords(source)
        if calls:
            report["notebook_calls"][source.name] = calls
        for function, keywords in calls.items():
            named = keyword_names(signature_of(real[function]))
            report["problems"] += [
                f"{source.name}: {function} does not take keyword {name!r} in unsloth "
                f"{unsloth.__version__} / trl {trl.__version__}"
                for name in keywords
                if name not in named | read.get(function, set())
            ]


def install_recorders(report: dict) -> list[Recorder]:
    """Replace the Unsloth and TRL entry points our colab branch calls with recorders (each
    writes to ``report``, and renames no keyword until its ``misspell`` is set)."""
    import trl
    import unsloth
    from unsloth import FastLanguageModel

    in_unsloth = f"unsloth {unsloth.__version__}"
    in_trl = f"trl {trl.__version__} as patched by {in_unsloth}"
    read = kwargs_read()
    methods = {
        "from_pretrained": load_local,
        "get_peft_model": add_lora,
        "for_inference": lambda bound: bound.arguments["model"],
    }
    recorders = []
    for method, stand_in in methods.items():
        function = f"FastLanguageModel.{method}"
        real = getattr(FastLanguageModel, method)
        recorders.append(Recorder(function, real, in_unsloth, read[function], stand_in, report))
        setattr(FastLanguageModel, method, staticmethod(recorders[-1]))
    for name in ("SFTConfig", "SFTTrainer", "GRPOConfig", "GRPOTrainer"):
        real = getattr(trl, name)
        recorders.append(Recorder(name, real, in_trl, read[name], build_real(real), report))
        setattr(trl, name, recorders[-1])
    return recorders


def drive_colab_branch(report: dict) -> None:
    """Our public model-loading and training functions, with the colab profile."""
    import helpers.models
    from helpers.experiments import AIME_RUN, GRPO_RUN, INEQUALITY_EXPERIMENTS, MODEL_C
    from helpers.grpo import build_grpo_trainer
    from helpers.hayes import HAYES_RUNS
    from helpers.inequality_splits import load_split
    from helpers.local.cpu_models import tiny_model_path
    from helpers.models import for_inference, load_adapter
    from helpers.runtime import get_profile
    from helpers.tasks.inequalities import INEQUALITIES
    from helpers.training import build_trainer, load_trainable, sft_config

    os.environ["CURRICULUM_MODEL_PATH"] = str(tiny_model_path())  # instead of the hub's model
    helpers.models.require_gpu = lambda: None  # the recorders stand in for the GPU loader
    profile = get_profile("colab")
    experiment = MODEL_C
    with tempfile.TemporaryDirectory() as scratch:
        run = Path(scratch)
        model, tokenizer = load_trainable(experiment, profile)
        rows = load_split("train", 400)[:8]
        trainer = build_trainer(
            model, tokenizer, experiment, INEQUALITIES, rows, run / "run", profile
        )
        report["trainer"] = type(trainer).__name__
        for other in (*INEQUALITY_EXPERIMENTS, AIME_RUN, *HAYES_RUNS):
            sft_config(other, run / "run", profile)
        grpo = build_grpo_trainer(
            model, tokenizer, GRPO_RUN, INEQUALITIES, rows, run / "grpo", profile
        )
        report["grpo_trainer"] = type(grpo).__name__
        model.save_pretrained(run / "adapter")
        tokenizer.save_pretrained(run / "adapter")
        model, _ = load_adapter(profile, run / "adapter", max_seq_length=experiment.max_seq_length)
        for_inference(model, profile)


def parse_misspellings(specs: list[str]) -> dict[str, dict[str, str]]:
    """``["SFTConfig:max_length=max_lenght"]`` gives ``{"SFTConfig": {"max_length": "max_lenght"}}``
    (a keyword to rename, per function)."""
    misspell: dict[str, dict[str, str]] = {}
    for spec in specs:
        function, renaming = spec.split(":")
        keyword, wrong = renaming.split("=")
        misspell.setdefault(function, {})[keyword] = wrong
    return misspell


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="where the JSON report goes")
    parser.add_argument("--misspell", action="append", default=[], metavar="FUNCTION:KW=WRONG")
    parser.add_argument(
        "--misspelled-report", type=Path, help="drive the branch again with --misspell: its report"
    )
    options = parser.parse_args()
    # unsloth first: it patches transformers, trl and peft as it is imported
    versions = {name: import_module(name).__version__ for name in ("unsloth", "unsloth_zoo", "trl")}
    patch_every_trainer_as_on_a_gpu()
    report = {"versions": versions, "calls": {}, "problems": []}
    check_notebooks(report)  # against the real signatures, before the recorders replace them
    recorders = install_recorders(report)
    drive_colab_branch(report)
    options.report.write_text(json.dumps(report, indent=1))
    if options.misspelled_report:  # the same process again, every call renamed as asked
        misspelled = {"versions": versions, "calls": {}, "problems": []}
        misspell = parse_misspellings(options.misspell)
        for recorder in recorders:
            recorder.report, recorder.misspell = misspelled, misspell.get(recorder.function, {})
        drive_colab_branch(misspelled)
        options.misspelled_report.write_text(json.dumps(misspelled, indent=1))


if __name__ == "__main__":
    main()
