"""The Colab stack must resolve: pip's resolver must accept requirements.txt as one set, for
Colab's Python (3.13, Linux x86_64), at exactly the pinned versions; and requirements-colab.txt,
what the setup cell installs, beside Colab's own versions of the packages it leaves to Colab.
A dry run resolves against the package index without installing anything (1-2 min here).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.colab import REQUIREMENTS

ROOT = Path(__file__).resolve().parent.parent
PYTHON = "3.13"  # Colab's: 3.13.15 in googlecolab/backend-info os-info-gpu.txt at a724079
# pip matches platform tags exactly: with too few, it silently backtracks to old releases.
PLATFORMS = ["manylinux2014_x86_64"] + [
    f"manylinux_2_{n}_x86_64" for n in (17, 24, 27, 28, 31, 34, 35)
]


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path):
    """``{name: version}`` of a requirements file; None for a name without a pin."""
    found = {}
    for line in path.read_text().splitlines():
        requirement = line.split("#")[0].strip()
        if requirement and not requirement.startswith("-e"):
            name, _, version = requirement.partition("==")
            found[canonical(name)] = version or None
    return found


# requirements-colab.txt names the version Colab provides of each package it leaves unpinned.
COLAB_PROVIDES = re.compile(r"^([\w.-]+)\s+# Colab provides it: (\S+) in its freeze", re.M)


def colab_provided(path=ROOT / REQUIREMENTS):
    """``{name: Colab's version}`` for the unpinned lines of requirements-colab.txt."""
    return {canonical(name): v for name, v in COLAB_PROVIDES.findall(path.read_text())}


def resolve(tmp_path, *requirements):
    """``{name: version}`` that pip resolves for Colab's Python and platform, installing
    nothing (``requirements``: pip's arguments, such as ``-r FILE`` and ``-c FILE``)."""
    report = tmp_path / "report.json"
    platforms = [arg for p in PLATFORMS for arg in ("--platform", p)]
    command = [
        *(sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed"),
        *("--only-binary=:all:", "--python-version", PYTHON, *platforms),
        *("--target", str(tmp_path / "target"), "--report", str(report), *requirements),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return {
        canonical(item["metadata"]["name"]): item["metadata"]["version"]
        for item in json.loads(report.read_text())["install"]
    }


def test_every_requirement_is_pinned_with_a_reason():
    for path in (ROOT / "requirements.txt", ROOT / "requirements-cpu.txt"):
        for line in path.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                assert "#" in line, f"{path.name}: say who needs it: {line}"
                assert "==" in line or line.startswith("-e ."), f"{path.name}: pin {line}"


def test_cpu_stack_is_the_colab_stack_but_for_torch():
    cpu = pins(ROOT / "requirements-cpu.txt") | pins(ROOT / "requirements-cpu-no-deps.txt")
    colab = pins(ROOT / "requirements.txt")
    shared = set(cpu) & set(colab)
    assert {"transformers", "datasets", "peft", "trl", "unsloth", "unsloth-zoo"} <= shared
    assert {n for n in shared if cpu[n] != colab[n]} == {"torch"}
    assert next(iter(cpu)) == "torch" and cpu["torch"] == "2.13.0"


def test_the_colab_stack_pins_colabs_own_versions_of_what_colab_provides():
    """What the setup cell leaves to Colab (pandas, matplotlib, ...) is pinned in
    requirements.txt, and so in CI, at Colab's version; torch excepted (see requirements.txt)."""
    full = pins(ROOT / "requirements.txt")
    for name, version in colab_provided().items():
        if name in full and name != "torch":
            assert full[name] == version, f"{name}: requirements.txt {full[name]}, Colab {version}"


@pytest.mark.slow
def test_the_colab_stack_resolves_to_its_pins_beside_colabs_own_packages(tmp_path):
    """requirements.txt resolves at exactly its pins with what requirements-colab.txt leaves to
    Colab held at Colab's versions (numpy too), so the setup cell's install replaces none of
    them. Colab's torch (2.11.0+cu128) stands as requirements.txt's 2.10.0: this index lacks
    torch 2.11's CUDA 13 wheels (nvidia-nccl-cu13 2.28.9); both fit unsloth (<2.15) and xformers
    (>=2.10). One dry run: requirements-colab.txt's pins are requirements.txt's (test_colab.py)."""
    held = colab_provided() | {"torch": pins(ROOT / "requirements.txt")["torch"]}
    constraints = tmp_path / "colab.txt"
    constraints.write_text("".join(f"{name}=={version}\n" for name, version in held.items()))
    resolved = resolve(tmp_path, "-r", str(ROOT / "requirements.txt"), "-c", str(constraints))
    wanted = pins(ROOT / "requirements.txt")
    assert {name: resolved.get(name) for name in wanted} == wanted
