"""Committed notebooks carry no outputs and no execution counts.

The book build and nbval execute every notebook; what is committed is the
source only (the pre-commit hook strips outputs).
"""

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("book", "solutions", "exercises")


def committed_notebooks():
    """Notebooks git tracks; without git (e.g. an unpacked archive), every notebook in the course folders."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        listed = []
    paths = [ROOT / name for name in listed if (ROOT / name).exists()]
    if not paths:
        paths = [path for folder in FOLDERS for path in (ROOT / folder).glob("**/*.ipynb")]
    return sorted(path for path in paths if ".ipynb_checkpoints" not in path.parts and "_build" not in path.parts)


def dirty_cells(path):
    """(cell index, what is wrong) for every code cell that carries outputs or an execution count."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("outputs"):
            problems.append((index, f"{len(cell['outputs'])} output(s)"))
        if cell.get("execution_count") is not None:
            problems.append((index, f"execution_count {cell['execution_count']}"))
    return problems


@pytest.mark.parametrize("path", committed_notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_committed_without_outputs(path):
    problems = dirty_cells(path)
    assert not problems, (
        f"{path.relative_to(ROOT)} carries outputs: "
        + "; ".join(f"cell {i}: {what}" for i, what in problems)
        + " (clear them: jupyter nbconvert --clear-output --inplace, or install the pre-commit hook)"
    )


def test_the_check_catches_outputs_and_counts(tmp_path):
    cell = {"cell_type": "code", "metadata": {}, "source": "1 + 1", "execution_count": 3}
    cell["outputs"] = [
        {"output_type": "execute_result", "data": {"text/plain": "2"}, "metadata": {}, "execution_count": 3}
    ]
    clean = {**cell, "execution_count": None, "outputs": []}
    notebook = {"cells": [clean, cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "dirty.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    assert dirty_cells(path) == [(1, "1 output(s)"), (1, "execution_count 3")]
