"""Run profile, seeding, the versions printout and the run folder.

Every notebook runs in one of two profiles, chosen once here:

- ``colab``: a GPU, the Hugging Face hub, Unsloth with 4-bit loading.
- ``smoke``: CPU only and offline, a tiny locally built model, small fixture data (what CI runs).

Notebooks never branch on the profile for their logic; they ask it where data comes from
(``profile.pick(hub id, local fixture)``), and ``helpers.plans`` for their sizes (the smoke
profile always runs the ``check`` size):

>>> get_profile("smoke").pick("openai/gsm8k", "train.jsonl")
'train.jsonl'
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform
import random
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROFILE_ENV = "CURRICULUM_PROFILE"
MODEL_ENV = "CURRICULUM_MODEL"  # which CPU model the smoke profile uses
CPU_MODELS = ("tiny", "smollm2")
RUNS_ENV = "CURRICULUM_RUNS"
OFFLINE_ENV = "CURRICULUM_OFFLINE"  # 1: the colab path with local data files, for a GPU sans hub
EMULATE_T4_ENV = "CURRICULUM_EMULATE_T4"  # 1: fp16 as on a T4 on any GPU (benchmarks/gpu/check.sh)
PROFILES = ("colab", "smoke")
DRIVE_ROOT = Path("/content/drive/MyDrive")
REPO_ROOT = Path(__file__).resolve().parent.parent

# Libraries whose versions a notebook prints in its second cell (what a bug report needs).
REPORTED_LIBRARIES = (
    "torch",
    "transformers",
    "trl",
    "peft",
    "datasets",
    "unsloth",
    "bitsandbytes",
    "sympy",
    "math-verify",
)


@dataclass(frozen=True)
class Profile:
    """Where this run takes its model and data from, and why this profile was chosen."""

    name: str
    reason: str
    cpu_model: str = "tiny"  # smoke only: "tiny" (random, instant) or "smollm2" (real, 135M)
    offline: bool = False  # colab only: read the local data files instead of the hub

    @property
    def is_smoke(self) -> bool:
        return self.name == "smoke"

    def pick(self, colab, smoke):
        """``colab`` on colab, ``smoke`` on smoke: hub ids vs local fixtures, for example.
        An offline colab profile takes the local files too (they have the hub's formats)."""
        return smoke if self.is_smoke or self.offline else colab


YES, NO = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def env_flag(variable: str) -> bool:
    """A yes/no environment variable: 1/true/yes/on or 0/false/no/off (any case), unset = no;
    anything else is an error naming the variable (``"false"`` must not read as yes)."""
    value = os.environ.get(variable, "").strip().lower()
    if value not in YES + NO:
        raise ValueError(
            f"{variable}={os.environ[variable]!r} is neither yes nor no: set it to 1 (or true, "
            f"yes, on) or 0 (or false, no, off), or unset it"
        )
    return value in YES


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def on_colab() -> bool:
    """True inside a Google Colab runtime (its ``google.colab`` package is importable)."""
    try:
        return importlib.util.find_spec("google.colab") is not None
    except ModuleNotFoundError:  # no ``google`` namespace package at all
        return False


def supports_bf16() -> bool:
    """True on a GPU with native bf16 (compute capability 8.0+: A100, L4, H100).

    ``torch.cuda.is_bf16_supported()`` answers True on a T4 (7.5) too, where bf16 is only
    emulated, slowly; training, judging and the printout all decide here instead.
    ``$CURRICULUM_EMULATE_T4=1`` answers False on any GPU, so a bigger one runs a T4's fp16
    path (``benchmarks/gpu/check.sh``, which also caps its memory at a T4's).
    """
    if env_flag(EMULATE_T4_ENV):
        return False
    if not cuda_available():
        return False
    import torch

    return torch.cuda.get_device_capability() >= (8, 0)


def get_profile(name: str | None = None, cpu_model: str | None = None) -> Profile:
    """The profile named, else ``$CURRICULUM_PROFILE``, else colab with CUDA or on Colab, and
    smoke otherwise (a Colab runtime without a GPU is stopped by ``start_notebook``, not
    quietly turned into the smoke profile).

    On smoke, ``cpu_model`` (else ``$CURRICULUM_MODEL``, else "tiny") picks the CPU model:
    the tiny random one, or "smollm2", a real pretrained 135M model (an optional install).
    ``$CURRICULUM_OFFLINE=1`` makes colab read local data files (see ``Profile.pick``).
    """
    cpu_model = cpu_model or os.environ.get(MODEL_ENV, "").strip().lower() or "tiny"
    if cpu_model not in CPU_MODELS:
        raise ValueError(
            f"unknown CPU model {cpu_model!r}: set {MODEL_ENV} to one of {', '.join(CPU_MODELS)}"
        )
    name = name or os.environ.get(PROFILE_ENV, "").strip().lower()
    if name:
        if name not in PROFILES:
            raise ValueError(
                f"unknown profile {name!r}: set {PROFILE_ENV} to one of {', '.join(PROFILES)}"
            )
        return _named_profile(name, f"{PROFILE_ENV}={name}", cpu_model)
    if cuda_available():
        return _named_profile("colab", "a CUDA GPU is available", cpu_model)
    if on_colab():
        return _named_profile("colab", "a Colab runtime", cpu_model)
    return Profile(
        "smoke", reason=f"no CUDA GPU: CPU, offline, {cpu_model} model", cpu_model=cpu_model
    )


def _named_profile(name: str, reason: str, cpu_model: str) -> Profile:
    offline = name == "colab" and env_flag(OFFLINE_ENV)
    if offline:
        reason += f", {OFFLINE_ENV}=1: local data files"
    return Profile(name, reason=reason, cpu_model=cpu_model, offline=offline)


@contextmanager
def downloading(what: str, local: str):
    """Turn a failed download of ``what`` (no network, the hub unreachable or offline: the
    ``OSError`` family, ``ConnectionError`` included, that ``datasets`` and ``urllib`` raise)
    into an error naming the way to run without it: ``local``, the local files."""
    try:
        yield
    except OSError as error:
        raise ConnectionError(
            f"could not download {what} ({type(error).__name__}: {error}). Without the hub or "
            f"the network, set {OFFLINE_ENV}=1 (the colab profile then reads {local}), or pass "
            "a local copy of the data set as the source"
        ) from None


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA) so that reruns draw the same numbers."""
    random.seed(seed)
    try:
        import numpy as np
    except ImportError:
        pass
    else:
        np.random.seed(seed)
    try:
        import torch
    except ImportError:
        return
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def library_versions(names: tuple[str, ...] = REPORTED_LIBRARIES) -> dict[str, str]:
    """Installed version of each library, or "not installed"."""
    versions = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def gpu_description() -> str:
    """The GPU's name and memory, or why there is none."""
    if not cuda_available():
        return "none (CPU only)"
    import torch

    props = torch.cuda.get_device_properties(0)
    bf16 = "bf16 supported" if supports_bf16() else "fp16 only, no bf16"
    return f"{props.name}, {props.total_memory / 2**30:.1f} GiB, {bf16}"


def peak_gpu_memory() -> str:
    """The most GPU memory torch has held since start, or why there is none to report."""
    if not cuda_available():
        return "no GPU in this run"
    import torch

    return f"{torch.cuda.max_memory_allocated() / 2**30:.2f} GiB peak GPU memory allocated"


def describe_environment(profile: Profile | None = None) -> str:
    """The text a notebook's second cell prints: profile, Python, GPU, library versions."""
    profile = profile or get_profile()
    lines = [
        f"profile : {profile.name} ({profile.reason})",
        f"python  : {platform.python_version()} on {platform.system()} {platform.machine()}",
        f"gpu     : {gpu_description()}",
    ]
    lines += [f"{name:<13}: {version}" for name, version in library_versions().items()]
    return "\n".join(lines)


def run_dir(name: str, profile: Profile | None = None) -> Path:
    """The folder where a notebook's results go, created if needed.

    ``$CURRICULUM_RUNS`` if set, else Google Drive when it is mounted on Colab (so a disconnect
    loses nothing), else ``runs/`` in the repository. Each profile gets its own subfolder so a
    smoke run never mixes with real results.
    """
    profile = profile or get_profile()
    if os.environ.get(RUNS_ENV):
        root, chosen_by = Path(os.environ[RUNS_ENV]), f"{RUNS_ENV}={os.environ[RUNS_ENV]}"
        fix = f"point {RUNS_ENV} at a folder you can write to, or unset it"
    elif DRIVE_ROOT.is_dir():
        root, chosen_by = DRIVE_ROOT / "math-sft-course" / "runs", "Google Drive is mounted"
        fix = "free space on your Drive, or set USE_DRIVE = False and restart the session"
    else:
        root, chosen_by = REPO_ROOT / "runs", "the default"  # notebooks and benchmarks alike
        fix = f"set {RUNS_ENV} to a folder you can write to"
    path = root / profile.name / name
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as error:
        raise OSError(
            f"cannot write the run folder {path} ({chosen_by}): {type(error).__name__}: "
            f"{error.strerror or error}; {fix}"
        ) from None
    return path
