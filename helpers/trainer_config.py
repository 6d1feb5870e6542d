"""The configuration every trainer of the course shares, SFT and GRPO alike: the optimizer,
logging and checkpoints (``trainer_arguments``), and a learner's overrides checked against the
config class before anything trains (``build_config``).

    args = build_config(SFTConfig, arguments | trainer_arguments(profile, 50), overrides)
"""

from __future__ import annotations

import difflib
import inspect
from dataclasses import fields, is_dataclass

from helpers.runtime import Profile, supports_bf16

# The optimizer of every run: the seed's Adam ("We use the Adam optimizer"), as 32-bit AdamW, with
# transformers' default betas, epsilon and gradient clipping written out so no library's default
# decides them. The learning rate, warmup, weight decay and schedule are each experiment's.
OPTIMIZER = dict(
    optim="adamw_torch",
    adam_beta1=0.9,
    adam_beta2=0.999,
    adam_epsilon=1e-8,
    max_grad_norm=1.0,
)


def trainer_arguments(profile: Profile, save_steps: int) -> dict:
    """The arguments every trainer of the course shares, SFT and GRPO alike: a loss logged each
    step, a checkpoint every ``save_steps`` (two kept), no tracking service, the precision the
    hardware has, and the optimizer, every knob of it set here: Unsloth's configs fill what is
    left unset with their own defaults (8-bit AdamW, weight decay 0.001, 10% warmup), which
    would make the SFT and GRPO runs of notebook 05 differ in more than their method."""
    import torch

    bf16 = supports_bf16()  # by compute capability: a T4 claims bf16 but only emulates it
    return OPTIMIZER | dict(
        logging_steps=1,
        save_strategy="steps",
        save_steps=save_steps,
        save_total_limit=2,  # keep disk (and Drive) use small
        report_to="none",
        bf16=bf16,  # A100/H100/L4
        fp16=torch.cuda.is_available() and not bf16,  # a T4 has no bf16
        use_cpu=profile.is_smoke,
    )


def check_overrides(config_class, overrides: dict) -> None:
    """Refuse an override ``config_class`` (TRL's SFTConfig or GRPOConfig, as Unsloth rewrites
    them) does not take, or one whose value is not of its argument's type. Unsloth's configs
    take any keyword and drop the ones they do not know, so ``max_step=20`` would train the
    whole run without a word, and ``max_steps="20"`` would be taken as given."""
    known = _config_arguments(config_class)
    if not known:  # a stand-in that takes anything (tests/colab_api_drift) lists none to check
        return
    for name, value in overrides.items():
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean {close[0]}?" if close else f"see {config_class.__name__}'s docs"
            raise ValueError(f"unknown override {name}={value!r}: {hint}")
        default = known[name]
        numbers = isinstance(default, int | float) and not isinstance(default, bool)
        wrong = (
            (isinstance(default, bool) and not isinstance(value, bool))
            or (numbers and (isinstance(value, bool) or not isinstance(value, int | float)))
            or (isinstance(default, str) and not isinstance(value, str))
        )
        if wrong:
            raise ValueError(
                f"override {name}={value!r} is {type(value).__name__}, {config_class.__name__} "
                f"takes a {type(default).__name__} (its default is {default!r})"
            )


def build_config(config_class, arguments: dict, overrides: dict):
    """``config_class(**(arguments | overrides))``, overrides checked (``check_overrides``
    first); a value the config itself refuses is named with the overrides to fix."""
    try:
        return config_class(**(arguments | overrides))
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{config_class.__name__} refused these settings ({error}); fix the experiment or "
            f"the overrides {sorted(overrides)}"
        ) from None


def _config_arguments(config_class) -> dict:
    """Every argument ``config_class`` takes, with its default (None where it has none)."""
    names = {f.name: None for f in fields(config_class)} if is_dataclass(config_class) else {}
    for name, parameter in inspect.signature(config_class).parameters.items():
        if parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
            default = parameter.default
            names[name] = None if default is parameter.empty else default
    return names
