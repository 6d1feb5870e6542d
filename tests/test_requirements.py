"""The Colab install cell installs requirements.txt: pip's resolver must accept it as one set,
for Colab's Python (3.12, Linux x86_64), at exactly the pinned versions. A dry run resolves
against the package index without installing anything (about 90 s here)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# pip matches platform tags exactly: with too few, it silently backtracks to old releases.
PLATFORMS = ["manylinux2014_x86_64"] + [
    f"manylinux_2_{n}_x86_64" for n in (17, 24, 27, 28, 31, 34, 35)
]


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path):
    found = {}
    for line in path.read_text().splitlines():
        requirement = line.split("#")[0].strip()
        if requirement and not requirement.startswith("-e"):
            name, version = requirement.split("==")
            found[canonical(name)] = version
    return found


def test_every_requirement_is_pinned_with_a_reason():
    for path in (ROOT / "requirements.txt", ROOT / "requirements-cpu.txt"):
        for line in path.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                assert "#" in line, f"{path.name}: say who needs it: {line}"
                assert "==" in line or line.startswith("-e ."), f"{path.name}: pin {line}"


def test_cpu_stack_matches_the_colab_stack_except_trl():
    cpu = pins(ROOT / "requirements-cpu.txt")
    colab = pins(ROOT / "requirements.txt")
    shared = set(cpu) & set(colab)
    assert {"transformers", "datasets", "peft", "trl"} <= shared
    assert {n for n in shared if cpu[n] != colab[n]} == {"trl", "torch"}
    assert next(iter(cpu)) == "torch" and cpu["torch"] == "2.13.0"


@pytest.mark.slow
def test_colab_requirements_resolve_to_exactly_the_pins(tmp_path):
    report = tmp_path / "report.json"
    platforms = [arg for p in PLATFORMS for arg in ("--platform", p)]
    command = [
        *(sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed"),
        *("--only-binary=:all:", "--python-version", "3.12", *platforms),
        *("--target", str(tmp_path / "target"), "--report", str(report)),
        *("-r", str(ROOT / "requirements.txt")),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    resolved = {
        canonical(item["metadata"]["name"]): item["metadata"]["version"]
        for item in json.loads(report.read_text())["install"]
    }
    wanted = pins(ROOT / "requirements.txt")
    assert {name: resolved.get(name) for name in wanted} == wanted
