import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_exactly_the_readme_setup_commands():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Setup on a CPU machine")[1]
    commands = re.search(r"```bash\n(.*?)```", section, re.S).group(1).strip().splitlines()
    ci = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line and not line.startswith(("#", "set ", "cd "))
    ]
    assert ci == commands
    assert (ROOT / ".ci" / "run").read_text().startswith("#!/usr/bin/env bash")
    assert "set -euo pipefail" in (ROOT / ".ci" / "run").read_text()
