"""requirements.txt is all a fresh machine (CI, Binder) needs: every module that a notebook,
convutil or a build tool imports is installed by it, and every line is pinned.

Import names are mapped to distributions with ``importlib.metadata.packages_distributions()``;
"installed by requirements.txt" means listed there or pulled in by something listed (pip
installs the dependencies of what it installs). ``torch`` is optional: it may only be
imported where its absence is handled (``try: ... except ImportError`` or
``pytest.importorskip``).
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import json
import re
import sys
from functools import cache
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
OPTIONAL = {"torch"}  # may be imported only behind an ImportError guard
LOCAL = {"convutil"}  # installed by the `-e .` line
SOURCES = sorted(
    [*ROOT.glob("book/**/*.ipynb"), *ROOT.glob("solutions/**/*.ipynb"), *ROOT.glob("exercises/**/*.ipynb")]
    + [*ROOT.glob("convutil/**/*.py"), *ROOT.glob("tools/*.py")]
)
SOURCES = [p for p in SOURCES if ".ipynb_checkpoints" not in p.parts]


def requirement_lines() -> list[str]:
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    lines = [line.split(" #")[0].strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return [line for line in lines if not line.startswith("-c")]  # constraints pin, they install nothing


@cache
def provided_distributions() -> frozenset[str]:
    """Canonical names of every distribution that `pip install -r requirements.txt` installs here."""
    todo = []
    for line in requirement_lines():
        if line.startswith(("-e", ".")):
            todo += [Requirement(r) for r in md.requires("convutil") or []]
        else:
            todo.append(Requirement(line))
    seen: set[str] = set()
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in seen or (req.marker is not None and not req.marker.evaluate({"extra": ""})):
            continue
        seen.add(name)
        try:
            todo += [Requirement(r) for r in md.requires(name) or []]
        except md.PackageNotFoundError:
            pass  # listed but not installed here: its own dependencies cannot be followed
    return frozenset(seen)


@cache
def import_to_distributions() -> dict[str, set[str]]:
    return {module: {canonicalize_name(d) for d in dists} for module, dists in md.packages_distributions().items()}


def code_of(path: Path) -> list[tuple[str, str]]:
    """(where, python source) for each code cell of a notebook, or the whole of a .py file."""
    if path.suffix == ".py":
        return [(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))]
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            # IPython syntax (%magic, !shell) becomes plain Python calls.
            cells.append((f"{path.relative_to(ROOT)} cell {i}", TransformerManager().transform_cell(source)))
    return cells


def _guarded(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether an import sits in a `try` whose handlers catch ImportError (or a parent of it)."""
    catching = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
    while node in parents:
        node, child = parents[node], node
        if isinstance(node, ast.Try) and child in node.body:
            for handler in node.handlers:
                kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                if handler.type is None or any(getattr(k, "id", None) in catching for k in kinds):
                    return True
    return False


def imports_in(source: str) -> list[tuple[str, bool]]:
    """(top-level module, guarded) for every import statement and pytest.importorskip call."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".")[0], _guarded(node, parents)) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], _guarded(node, parents)))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "importorskip"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.append((str(node.args[0].value).split(".")[0], True))
    return found


def unprovided(module: str, guarded: bool) -> str | None:
    """Why `module` is not provided, or None when it is."""
    if module in sys.stdlib_module_names or module in LOCAL or module == "__future__":
        return None
    if module in OPTIONAL:
        return None if guarded else "optional: import it inside try/except ImportError or pytest.importorskip"
    dists = import_to_distributions().get(module)
    if not dists:
        return "no installed distribution provides it"
    if not dists & provided_distributions():
        return f"provided by {sorted(dists)}, which requirements.txt does not install"
    return None


def test_the_mapping_sees_the_course_dependencies():
    # Guards the test below against passing because nothing maps: these must resolve.
    for module in ("numpy", "matplotlib", "ipywidgets", "nbformat"):
        assert unprovided(module, guarded=False) is None, module
    assert unprovided("surely_not_a_module_xyz", guarded=False)
    assert unprovided("torch", guarded=False)
    assert unprovided("torch", guarded=True) is None


def test_guard_detection():
    guarded = "try:\n    import torch\nexcept ImportError:\n    torch = None\n"
    assert imports_in(guarded) == [("torch", True)]
    assert imports_in("import torch.nn as nn\n") == [("torch", False)]
    assert imports_in("torch = pytest.importorskip('torch')\n") == [("torch", True)]
    assert imports_in("try:\n    import torch\nexcept ValueError:\n    pass\n") == [("torch", False)]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_import_is_provided_by_requirements(path):
    problems = [
        f"{where}: import {module}: {why}"
        for where, source in code_of(path)
        for module, guarded in imports_in(source)
        if (why := unprovided(module, guarded))
    ]
    assert not problems, "\n".join(problems)


def test_requirements_are_pinned():
    unpinned = [line for line in requirement_lines() if not line.startswith(("-e", ".")) and "==" not in line]
    assert not unpinned, f"pin these with == so Binder and the book are reproducible: {unpinned}"


def test_runtime_names_the_python_version():
    runtime = (ROOT / "runtime.txt").read_text(encoding="utf-8").strip()
    assert re.fullmatch(r"python-3\.\d+", runtime), runtime
    requires = md.metadata("convutil")["Requires-Python"] or ""
    assert requires.startswith(">=3."), requires
    assert int(runtime.split(".")[1]) >= int(requires.split(".")[1]), f"{runtime} is older than {requires}"
