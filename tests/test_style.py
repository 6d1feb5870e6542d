import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ruff(*args):
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_ruff_finds_no_lint_errors():
    result = ruff("check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_ruff_formatted():
    result = ruff("format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def helpers_imports() -> dict[str, set[str]]:
    """``{module: helpers modules it imports}``, read from the syntax tree of every module in
    helpers/: imports inside functions count too (a deferred import is still a dependency)."""
    import ast

    graph = {}
    for path in (ROOT / "helpers").rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            imported |= {name for name in names if name.startswith("helpers.")}
        graph[module] = imported
    return {m: {i for i in imported if i in graph and i != m} for m, imported in graph.items()}


def test_helpers_import_one_another_without_a_cycle():
    graph, done, path = helpers_imports(), set(), []

    def visit(module):
        if module in path:
            cycle = path[path.index(module) :] + [module]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if module not in done:
            path.append(module)
            for imported in sorted(graph[module]):
                visit(imported)
            path.pop()
            done.add(module)

    for module in sorted(graph):
        visit(module)


def test_the_task_base_imports_no_data_set():
    assert not {m for m in helpers_imports()["helpers.tasks"] if m.startswith("helpers.tasks.")}
