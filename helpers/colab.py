"""Colab setup: install the course's pinned stack, say when to restart, optionally mount Drive.

Every notebook's first cell clones the course on Colab and calls, before anything is installed
(so this module uses the standard library only):

    setup_colab(Path("/content/unsloth-math-course"), mount_drive=USE_DRIVE)

The course's public URL lives here, in ``COURSE_REPO``; the notebooks' badges and setup cells
carry copies that a test holds equal to it. A fork points them at itself in one command:

    python -m helpers.colab https://github.com/you/your-fork
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

from helpers.runtime import REPO_ROOT

# A placeholder until the course is public: set the real URL here, then run this module.
COURSE_REPO = "https://github.com/math-sft-course/unsloth-math-course"
REQUIREMENTS = "requirements-colab.txt"  # requirements.txt without the CI tools
DRIVE_MOUNT = "/content/drive"
GITHUB_URL = re.compile(r"https://github\.com/[\w.-]+/[\w.-]+")
COLAB_BADGE = re.compile(r"colab\.research\.google\.com/github/([\w.-]+/[\w.-]+)/blob")


def installed_version(package: str) -> str | None:
    importlib.invalidate_caches()
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def install_stack(course: Path, run=subprocess.run) -> bool:
    """pip-install ``requirements-colab.txt`` and the course package; pip's own output is
    shown when it fails. Returns True when torch was replaced (the session must restart)."""
    torch_before = installed_version("torch")
    print(f"installing the pinned stack of {REQUIREMENTS} (a few minutes the first time)...")
    command = [sys.executable, "-m", "pip", "install", "-r", str(course / REQUIREMENTS)]
    result = run([*command, "-e", str(course)], capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-5000:], result.stderr[-5000:], sep="\n")
        raise RuntimeError(
            f"pip could not install {course / REQUIREMENTS}: its output is above. "
            "Runtime → Disconnect and delete runtime gives a clean machine to try again."
        )
    torch_after = installed_version("torch")
    if torch_after != torch_before:
        print(
            f"torch was replaced ({torch_before} → {torch_after}): restart the session "
            "(Runtime → Restart session), then run the notebook again from the top."
        )
        return True
    print("the pinned stack is installed")
    return False


def setup_colab(course: Path, mount_drive: bool = False, run=subprocess.run) -> None:
    """Install the stack (stopping when a restart is needed), then mount Drive if asked, so
    the run folder survives a recycled runtime (``helpers.runtime.run_dir`` uses it)."""
    if install_stack(Path(course), run):
        raise SystemExit("restart the session (Runtime → Restart session), then run all again")
    if mount_drive:
        from google.colab import drive

        drive.mount(DRIVE_MOUNT)


def notebook_files(root: Path = REPO_ROOT) -> list[Path]:
    """The files that carry the course URL: every notebook and its jupytext source."""
    return sorted((root / "nbs_py").glob("*.py")) + sorted((root / "notebooks").glob("*.ipynb"))


def point_notebooks_at(url: str, root: Path = REPO_ROOT) -> list[Path]:
    """Rewrite the course URL in this module, the badges and the setup cells to ``url``."""
    if not GITHUB_URL.fullmatch(url):
        raise ValueError(f"{url!r} is not a GitHub repository URL: https://github.com/OWNER/NAME")
    owner_name = url.removeprefix("https://github.com/")
    changed = []
    for path in [Path(__file__), *notebook_files(root)]:
        text = path.read_text(encoding="utf-8")
        new = text.replace(COURSE_REPO, url)
        new = COLAB_BADGE.sub(f"colab.research.google.com/github/{owner_name}/blob", new)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


if __name__ == "__main__":
    for changed_path in point_notebooks_at(sys.argv[1]):
        print("rewrote", changed_path)
