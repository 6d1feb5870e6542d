"""Colab setup: install what the course needs, say when to restart, optionally mount Drive.

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
REQUIREMENTS = "requirements-colab.txt"  # what the course needs beyond Colab's own packages
DRIVE_MOUNT = "/content/drive"
GITHUB_URL = re.compile(r"https://github\.com/[\w.-]+/[\w.-]+")
COLAB_BADGE = re.compile(r"colab\.research\.google\.com/github/([\w.-]+/[\w.-]+)/blob")


def installed_version(package: str) -> str | None:
    importlib.invalidate_caches()
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def imported_distributions() -> dict[str, str | None]:
    """``{distribution: version}`` for each installed distribution with a top-level module
    already imported in this process: what an install must not replace without a restart. A
    namespace package (``google``) counts every distribution under it: a restart too many is
    cheap, one too few leaves the old code running beside the new files."""
    imported = {name.partition(".")[0] for name in list(sys.modules)}
    modules = importlib.metadata.packages_distributions()
    names = {dist for module in imported & modules.keys() for dist in modules[module]}
    return {name: installed_version(name) for name in sorted(names)}


def install_stack(course: Path, run=subprocess.run) -> bool:
    """pip-install ``requirements-colab.txt`` and the course package; pip's own output is
    shown when it fails. Returns True when the install changed the version of a package this
    session had already imported (pandas, numpy, torch...): the session must restart."""
    before = imported_distributions()
    print(f"installing what {REQUIREMENTS} adds to Colab (a few minutes the first time)...")
    command = [sys.executable, "-m", "pip", "install", "-r", str(course / REQUIREMENTS)]
    result = run([*command, "-e", str(course)], capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-5000:], result.stderr[-5000:], sep="\n")
        raise RuntimeError(
            f"pip could not install {course / REQUIREMENTS}: its output is above. "
            "Runtime → Disconnect and delete runtime gives a clean machine to try again."
        )
    changed = [
        f"{name} {version} → {installed_version(name)}"
        for name, version in before.items()
        if installed_version(name) != version
    ]
    if changed:
        print(
            f"the install changed packages this session had already imported: {', '.join(changed)}"
            ". Restart the session (Runtime → Restart session), then run the notebook again "
            "from the top."
        )
        return True
    print("the course's packages are installed")
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


def repository_url(url: str) -> str:
    """``url`` as the badges need it, ``https://github.com/OWNER/NAME``: the clone URL's
    ``.git`` and a trailing ``/`` are dropped (a badge pointing at ``NAME.git/blob/...`` is
    broken); anything else that is not a repository URL is an error showing the form.

    >>> repository_url("https://github.com/you/fork.git/")
    'https://github.com/you/fork'
    """
    trimmed = url.strip().rstrip("/").removesuffix(".git")
    if not GITHUB_URL.fullmatch(trimmed) or trimmed.endswith((".", "/")):
        raise ValueError(
            f"{url!r} is not a GitHub repository URL: give it as https://github.com/OWNER/NAME "
            "(the address of the repository's page); nothing was rewritten"
        )
    return trimmed


def point_notebooks_at(url: str, root: Path = REPO_ROOT) -> list[Path]:
    """Rewrite the course URL in this module, the badges and the setup cells to ``url``
    (checked first by ``repository_url``: a refused URL writes nothing)."""
    url = repository_url(url)
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


def main(arguments: list[str]) -> None:
    """``python -m helpers.colab URL``: point the course at ``URL``, naming each file rewritten."""
    if len(arguments) != 1:
        raise SystemExit("usage: python -m helpers.colab https://github.com/OWNER/NAME")
    try:
        changed = point_notebooks_at(arguments[0])
    except ValueError as error:
        raise SystemExit(str(error)) from None
    for path in changed:
        print("rewrote", path)


if __name__ == "__main__":
    main(sys.argv[1:])
