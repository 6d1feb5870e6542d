"""The offline GPU run's bundle (``benchmarks/gpu/bundle.py``) and script (``check.sh``).

The slow tests need the package index (PyPI), and keep the bundle's downloads under
``helpers.local.cpu_models.cache_dir()``. One bundle is built, for the GPU machine's Python
(3.12); the import check installs its four wheels that are not bound to a Python version
(unsloth, unsloth_zoo, trl, bitsandbytes) and takes the rest from this environment. Measured
here (2 idle cores, ``python -m pytest tests/test_gpu_bundle.py -n 0``, empty caches): 13 s to
build the bundle, 16 s for the subprocess that imports the slimmed Unsloth and builds its
``UnslothSFTTrainer``.

Not run here, by hand only: ``check.sh --until-gpu`` with a Python 3.11 bundle (its header says
how) installs, imports and writes the 3.1 GB random model: 104 s on this machine (37 s when the
model is already there), too slow for CI; these tests run check.sh's one-line stops instead.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers import runtime

ROOT = Path(__file__).resolve().parent.parent
CHECK_SH = ROOT / "benchmarks" / "gpu" / "check.sh"


def load_bundle_module():
    spec = importlib.util.spec_from_file_location("gpu_bundle", ROOT / "benchmarks/gpu/bundle.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bundle = load_bundle_module()


# --- the T4 emulation ---------------------------------------------------------------------


def test_emulating_a_t4_turns_bf16_off_on_a_gpu_that_has_it(monkeypatch):
    import torch

    monkeypatch.setattr(runtime, "cuda_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda *a: (9, 0))  # an H100/H200
    monkeypatch.delenv(runtime.EMULATE_T4_ENV, raising=False)
    assert runtime.supports_bf16()
    monkeypatch.setenv(runtime.EMULATE_T4_ENV, "0")
    assert runtime.supports_bf16()
    monkeypatch.setenv(runtime.EMULATE_T4_ENV, "1")
    assert not runtime.supports_bf16()


def t4_sitecustomize() -> str:
    """The ``sitecustomize.py`` check.sh writes, as its here-document holds it."""
    text = CHECK_SH.read_text()
    start = text.index("sitecustomize.py\" <<'PY'\n") + len("sitecustomize.py\" <<'PY'\n")
    return text[start : text.index("\nPY\n", start) + 1]


def test_the_t4_sitecustomize_caps_memory_only_when_asked(tmp_path):
    ours, machines = tmp_path / "site", tmp_path / "machine"
    ours.mkdir()
    machines.mkdir()
    (ours / "sitecustomize.py").write_text(t4_sitecustomize())
    (machines / "sitecustomize.py").write_text("print('the machine sitecustomize ran')\n")

    def run(code: str, **env) -> str:
        env = os.environ | {"PYTHONPATH": f"{ours}{os.pathsep}{machines}"} | env
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout

    finders = "import sys; print([type(f).__name__ for f in sys.meta_path])"
    unset = run(finders)  # without the variable it adds nothing, and chains to the shadowed one
    assert "_CapWhenTorchLoads" not in unset
    assert unset.startswith("the machine sitecustomize ran\n")
    # set: importing torch queues the cap for CUDA's start (which a CPU never reaches), also
    # after a library has looked torch up without importing it (transformers does)
    queued = "import importlib.util; importlib.util.find_spec('torch'); import torch; "
    queued += "print([c.__name__ for c, _ in torch.cuda._queued_calls])"
    assert "_cap_at_t4" in run(queued, CURRICULUM_EMULATE_T4="1")


# --- repacking ----------------------------------------------------------------------------


def make_wheel(path: Path, files: dict[str, bytes], requires=()) -> Path:
    """A small valid wheel ``demo-1.0`` holding ``files``."""
    info = "demo-1.0.dist-info"
    metadata = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    files = files | {
        f"{info}/METADATA": metadata.encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\n",
    }
    record = "".join(f"{n},{bundle.record_hash(d)},{len(d)}\n" for n, d in files.items())
    with zipfile.ZipFile(path, "w") as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
        wheel.writestr(f"{info}/RECORD", record + f"{info}/RECORD,,\n")
    return path


def test_a_repacked_wheel_lists_exactly_its_files_with_their_hashes(tmp_path):
    files = {"demo/__init__.py": b"x = 1\n", "demo/big.so": b"\0" * 1000, "demo/keep.so": b"k"}
    source = make_wheel(tmp_path / "demo-1.0-py3-none-any.whl", files)
    assert bundle.record_problems(source) == []
    target = tmp_path / "out" / source.name
    target.parent.mkdir()
    bundle.repack(source, target, lambda n: n != "demo/big.so", lambda n, d: d)
    assert bundle.record_problems(target) == []
    with zipfile.ZipFile(target) as wheel:
        assert "demo/big.so" not in wheel.namelist()
        assert "demo/big.so" not in wheel.read("demo-1.0.dist-info/RECORD").decode()
        assert wheel.namelist()[-1] == "demo-1.0.dist-info/RECORD"


def test_a_wheel_whose_file_differs_from_its_record_is_caught(tmp_path):
    source = make_wheel(tmp_path / "demo-1.0-py3-none-any.whl", {"demo/a.py": b"a"})
    broken = tmp_path / "broken.whl"
    with zipfile.ZipFile(source) as good, zipfile.ZipFile(broken, "w") as bad:
        for name in good.namelist():
            data = b"b" if name == "demo/a.py" else good.read(name)
            bad.writestr(name, data)
        bad.writestr("demo/extra.py", b"")
    problems = bundle.record_problems(broken)
    assert any("demo/a.py does not match" in p for p in problems)
    assert any("demo/extra.py is not in RECORD" in p for p in problems)


def test_a_requirement_neither_on_the_machine_nor_carried_is_a_gap(tmp_path):
    requires = [
        "numpy>=1",  # on the machine
        "xformers>=0.0.27",  # left out on purpose
        "appnope; platform_system == 'Darwin'",  # not for Linux
        "pytest-cov; extra == 'test'",  # an extra
        "somethingelse",
    ]
    wheel = make_wheel(tmp_path / "demo-1.0-py3-none-any.whl", {}, requires)
    assert bundle.requirement_gaps([wheel], "3.12") == [
        "demo-1.0-py3-none-any.whl needs somethingelse"
    ]


# --- check.sh's stops ---------------------------------------------------------------------


def run_check(*args, path_prefix=None, cwd=None):
    env = dict(os.environ)
    if path_prefix:
        env["PATH"] = f"{path_prefix}{os.pathsep}{env['PATH']}"
    return subprocess.run(
        ["bash", str(CHECK_SH), *map(str, args)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line_error(result) -> str:
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="this machine has nvidia-smi")
def test_check_sh_stops_in_one_line_without_a_gpu(tmp_path):
    line = one_line_error(run_check(tmp_path / "bundle", tmp_path / "out"))
    assert line.startswith("check.sh: no GPU: nvidia-smi is not installed")


def test_check_sh_stops_in_one_line_when_torch_sees_no_gpu(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "nvidia-smi").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "nvidia-smi").chmod(0o755)
    (tmp_path / "bundle").mkdir()
    (tmp_path / "bundle" / "demo-1.0-py3-none-any.whl").write_bytes(b"")
    env_python = Path(sys.executable).parent  # the python3 with this CPU torch
    result = run_check(tmp_path / "bundle", tmp_path / "out", path_prefix=f"{bin_dir}:{env_python}")
    assert one_line_error(result).startswith("check.sh: no GPU: torch.cuda.is_available() is False")


def test_check_sh_stops_in_one_line_without_the_bundle(tmp_path):
    line = one_line_error(run_check(tmp_path / "nothing", tmp_path / "out", "--until-gpu"))
    assert line.startswith(f"check.sh: no bundle: {tmp_path / 'nothing'} holds no wheels")
    assert not (tmp_path / "out").exists()


# --- the bundle itself (PyPI) -------------------------------------------------------------


def build(out_dir: Path, python_version: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(ROOT / "benchmarks/gpu/bundle.py"), str(out_dir)]
    command += ["--python-version", python_version]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def gpu_bundle(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """``(bundle.py's run, its folder)``: the bundle for the GPU machine's Python, built once."""
    folder = tmp_path_factory.mktemp("bundle")
    return build(folder, "3.12"), folder


@pytest.mark.slow
def test_the_bundle_for_the_gpu_machine_fits_and_its_wheels_are_valid(gpu_bundle):
    result, folder = gpu_bundle
    wheels = sorted(folder.glob("*.whl"))
    total = sum(w.stat().st_size for w in wheels)
    assert total <= bundle.MAX_BYTES
    assert result.stdout.splitlines()[-1].split()[-2] == f"{total / 2**20:.2f}"  # the table's
    carried = {bundle.normalise(w.name.split("-")[0]) for w in wheels}
    assert carried == {bundle.normalise(name) for name in bundle.all_pins()}
    assert not carried & {bundle.normalise(name) for name in bundle.MACHINE_HAS}
    for wheel in wheels:
        assert bundle.record_problems(wheel) == [], wheel.name
    (unsloth,) = [w for w in wheels if w.name.startswith("unsloth-")]
    with zipfile.ZipFile(unsloth) as zf:
        tops = {name.split("/")[0] for name in zf.namelist()}
        assert tops == {"unsloth", "unsloth-2026.10.7.dist-info"}
    (bnb,) = [w for w in wheels if w.name.startswith("bitsandbytes-")]
    with zipfile.ZipFile(bnb) as zf:
        libraries = {Path(n).name for n in zf.namelist() if "/libbitsandbytes_" in n}
        assert libraries == set(bundle.BNB_KEEP)


# The bundle's wheels that the import check installs: pure Python, or built for any Python 3 of
# the platform, so the GPU machine's 3.12 wheels install here too; the rest comes from CI's own.
IMPORT_CHECKED = ("unsloth-", "unsloth_zoo-", "trl-", "bitsandbytes-")


def installed_wheels(folder: Path, target: Path) -> Path:
    """The ``IMPORT_CHECKED`` wheels of the bundle in ``folder``, installed into ``target``."""
    wheels = [str(w) for w in folder.glob("*.whl") if w.name.startswith(IMPORT_CHECKED)]
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps"]
    command += ["--no-compile", "--target", str(target), *wheels]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return target


SLIMMED_IMPORT = """
import json, sys
import unsloth, unsloth_zoo, trl, bitsandbytes
from unsloth import FastLanguageModel
from unsloth.models import _utils
from unsloth.models.rl import _patch_trl_rl_trainers
_patch_trl_rl_trainers("sft_trainer")  # what PatchFastRL does on a GPU, for SFT
import bitsandbytes.cextension as bnb
print(json.dumps({
    "files": {m.__name__: m.__file__ for m in (unsloth, unsloth_zoo, trl, bitsandbytes)},
    "versions": {m.__name__: m.__version__ for m in (unsloth, unsloth_zoo, trl, bitsandbytes)},
    "xformers": _utils.xformers is None,
    "trainer": trl.SFTTrainer.__name__,
    "studio": [m for m in sys.modules if m.split(".")[0] in ("studio", "unsloth_cli")],
    "library": bnb.lib._lib._name,
}))
"""


@pytest.mark.slow
def test_the_slimmed_unsloth_imports_on_a_cpu_and_builds_its_sft_trainer(gpu_bundle, tmp_path):
    site = installed_wheels(gpu_bundle[1], tmp_path / "site")
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),  # triton: this environment's
        "UNSLOTH_ALLOW_CPU": "1",  # unsloth 2026.10.7's test switch: imports without a GPU
        "HF_HUB_OFFLINE": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", SLIMMED_IMPORT],
        cwd=tmp_path,  # Unsloth writes its generated trainers to ./unsloth_compiled_cache
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.splitlines()[-1])
    assert all(Path(f).is_relative_to(site) for f in report["files"].values()), report["files"]
    assert report["versions"] == {
        "unsloth": "2026.10.7",
        "unsloth_zoo": "2026.10.7",
        "trl": "1.15.0",
        "bitsandbytes": "0.50.2",
    }
    assert report["xformers"]  # not carried: Unsloth falls back to PyTorch attention
    assert report["trainer"] == "UnslothSFTTrainer"
    assert report["studio"] == []
    assert Path(report["library"]).name == "libbitsandbytes_cpu.so"


def test_the_gpu_record_keeps_finished_stopped_and_logged_notebooks(tmp_path):
    """benchmarks/gpu/record.py: check.json's notebooks, those only the log saw end (with the
    failing cell), those a time limit stopped (their last cell run), and the slow cells."""
    import io
    import tarfile

    import nbformat

    from benchmarks.gpu.record import record

    def stamped(seconds):
        cell = nbformat.v4.new_code_cell("train()\nmore()")
        start = "2026-12-04T16:18:00.000000Z"
        end = f"2026-12-04T16:18:{seconds:02d}.500000Z"
        cell.metadata["execution"] = {"iopub.execute_input": start, "shell.execute_reply": end}
        return cell

    check = {"size": "check", "gpu": "H200", "notebooks": [{"notebook": "a.ipynb", "passed": True}]}
    (tmp_path / "check.json").write_text(json.dumps(check))
    log = "== install                  ok          4 s\nb.ipynb: FAILED in 30.5 s\n"
    (tmp_path / "check.log").write_text(log)
    (tmp_path / "failing_cells.txt").write_text("== b.ipynb, cell 1: KeyError: 'x'\nsource\n")
    stopped = nbformat.v4.new_notebook(
        cells=[stamped(1), stamped(9), nbformat.v4.new_code_cell("x")]
    )
    with tarfile.open(tmp_path / "executed.tar.gz", "w:gz") as tar:
        data = nbformat.writes(stopped).encode()
        info = tarfile.TarInfo("c.ipynb")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    made = record(tmp_path, "a test")
    assert made["steps"] == [{"step": "install", "result": "ok", "seconds": 4}]
    a, b, c = made["notebooks"]
    assert a == {"notebook": "a.ipynb", "passed": True}
    assert (b["passed"], b["seconds"], b["failed_cell"], b["error"]) == (
        False,
        30.5,
        1,
        "KeyError: 'x'",
    )
    assert (c["passed"], c["stopped"], c["last_cell_run"], c["cells"]) == (None, "time limit", 1, 3)
    assert c["slow_cells"] == [{"cell": 1, "seconds": 9.5, "first_line": "train()"}]
