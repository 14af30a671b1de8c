"""The exercise pipeline, for EVERY notebook in solutions/ (nothing to register).

* ``exercises/`` is exactly what ``tools/make_exercises.py`` generates (and so
  is ``_toc_instructor.yml``), and regeneration is byte-identical;
* solutions and exercises are committed without outputs; every check cell has
  nbgrader-style points metadata with a unique grade_id;
* every solution notebook runs clean and every check cell prints the checker's
  confirmation;
* every check cell of the blank exercise fails for a student-facing reason
  (``NotImplementedError`` or the checker's ``CheckFailed``/``AssertionError``),
  never for a scaffolding one (``NameError``, ``ImportError``, ``TypeError``...),
  and every other cell of the blank exercise runs, or raises
  ``NotImplementedError`` in a cell tagged ``raises-exception``.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest
import yaml
from course_tools import load_tool

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
STUDENT_FACING = {"NotImplementedError", "CheckFailed", "AssertionError"}
SECONDS_PER_NOTEBOOK = 60  # generous for a shared CI machine; the notebooks take a few seconds

nbclient = pytest.importorskip("nbclient")
if not SOLUTIONS:  # a published student copy of the course carries exercises/ only
    pytest.skip("solutions/ is not in this copy of the course", allow_module_level=True)


make_exercises = load_tool("make_exercises")


def _ids(paths):
    return [p.stem for p in paths]


def _check_cells(nb):
    return [(i, c) for i, c in enumerate(nb.cells) if make_exercises.is_check_cell(c)]


_EXECUTED: dict[Path, tuple] = {}


def _execute(path: Path):
    """Execute a notebook once per session (allow_errors); return (notebook, seconds)."""
    if path not in _EXECUTED:
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        client = nbclient.NotebookClient(
            nb,
            timeout=SECONDS_PER_NOTEBOOK,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
        _EXECUTED[path] = (nb, time.perf_counter() - start)
    return _EXECUTED[path]


def _exercise(path: Path) -> Path:
    """The generated student notebook of solution ``path``; fails clearly when it was never generated."""
    blank = ROOT / "exercises" / path.name
    assert blank.exists(), f"exercises/{path.name} is missing: run `python tools/make_exercises.py`"
    return blank


def _errors(cell):
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


def _stdout(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")


def _clean(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_there_is_at_least_one_exercise():
    assert SOLUTIONS, "no notebook in solutions/"


# --------------------------------------------------------------------------- generation


def test_exercises_are_up_to_date(tmp_path):
    """Regenerating into a temporary folder reproduces exercises/ and the instructor files byte for byte."""
    dest = tmp_path / "exercises"
    toc, config = tmp_path / "_toc_instructor.yml", tmp_path / "_config_instructor.yml"
    assert make_exercises.main(["--dest", str(dest), "--toc-dest", str(toc), "--config-dest", str(config)]) == 0
    generated = sorted(p.name for p in dest.glob("*.ipynb"))
    committed = sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb"))
    assert generated == committed, "exercises/ and solutions/ list different notebooks: run tools/make_exercises.py"
    for name in generated:
        assert (dest / name).read_bytes() == (ROOT / "exercises" / name).read_bytes(), (
            f"exercises/{name} is out of date: run `python tools/make_exercises.py`"
        )
    for path in (toc, config):
        assert path.read_bytes() == (ROOT / path.name).read_bytes(), (
            f"{path.name} is out of date: run `python tools/make_exercises.py`"
        )


def test_check_mode_agrees(tmp_path, capsys):
    assert make_exercises.main(["--check"]) == 0
    # and detects files that are missing or differ
    dest = tmp_path / "exercises"
    dest.mkdir()
    args = [
        "--check",
        "--dest",
        str(dest),
        "--toc-dest",
        str(tmp_path / "t.yml"),
        "--config-dest",
        str(tmp_path / "c.yml"),
    ]
    assert make_exercises.main(args) == 1
    assert "out of date" in capsys.readouterr().err


def test_instructor_edition_publishes_the_solutions():
    config = yaml.safe_load((ROOT / "_config_instructor.yml").read_text(encoding="utf-8"))
    toc = yaml.safe_load((ROOT / "_toc_instructor.yml").read_text(encoding="utf-8"))
    assert "solutions" not in config["exclude_patterns"]
    assert toc["parts"][-1]["chapters"] == [{"glob": "solutions/*"}]
    # ... while the default book does not list them
    default = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    assert "solutions" not in yaml.safe_dump(default)


def test_regeneration_is_deterministic(tmp_path):
    first = make_exercises.generate(ROOT / "solutions", ROOT)
    second = make_exercises.generate(ROOT / "solutions", ROOT)
    assert first == second


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "def f(x):\n    ### BEGIN SOLUTION\n    y = 2 * x\n    return y\n    ### END SOLUTION\n",
            "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()",
        ),
        (
            "a = None\n### BEGIN SOLUTION\na = 3\n### END SOLUTION\na",
            "a = None\n# YOUR CODE HERE\nraise NotImplementedError()\na",
        ),
    ],
)
def test_blank_regions_keep_indentation(source, expected):
    blank, count = make_exercises.blank_regions(source, ["# YOUR CODE HERE", "raise NotImplementedError()"], "cell")
    assert (blank, count) == (expected, 1)


@pytest.mark.parametrize(
    "source",
    [
        "x = 1\n### BEGIN SOLUTION\nx = 2",
        "### END SOLUTION",
        "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION",
    ],
)
def test_unbalanced_markers_are_authoring_errors(source):
    with pytest.raises(make_exercises.AuthoringError, match="SOLUTION"):
        make_exercises.blank_regions(source, ["pass"], "cell 3")


@pytest.mark.parametrize(
    ("source", "raises"),
    [
        ("def f():\n    raise NotImplementedError()", False),
        ("raise NotImplementedError()", True),
        ("for i in range(2):\n    raise NotImplementedError()", True),
        ("class A:\n    def f(self):\n        raise NotImplementedError()", False),
        ("%matplotlib inline\nraise NotImplementedError()", True),
    ],
)
def test_top_level_raise_detection(source, raises):
    assert make_exercises.raises_at_top_level(source) is raises


# --------------------------------------------------------------------------- format of every notebook


@pytest.mark.parametrize("path", SOLUTIONS, ids=_ids(SOLUTIONS))
def test_notebooks_are_committed_without_outputs(path):
    for nb_path in (path, _exercise(path)):
        nb = nbformat.read(nb_path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                assert cell.outputs == [], f"{nb_path.name} cell {index} has outputs"
                assert cell.execution_count is None, f"{nb_path.name} cell {index} has an execution count"


@pytest.mark.parametrize("path", SOLUTIONS, ids=_ids(SOLUTIONS))
def test_check_cells_carry_points(path):
    nb = nbformat.read(path, as_version=4)
    checks = _check_cells(nb)
    assert checks, f"{path.name} has no check cell"
    grade_ids = [cell.metadata["nbgrader"]["grade_id"] for _, cell in checks]
    assert len(set(grade_ids)) == len(grade_ids), f"duplicate grade_id in {path.name}: {grade_ids}"
    for index, cell in checks:
        points = cell.metadata["nbgrader"].get("points")
        assert isinstance(points, (int, float)), f"{path.name} cell {index}: points {points!r}"
        assert points > 0, f"{path.name} cell {index}: points {points!r}"
        assert "checks." in cell.source or "check_" in cell.source, f"{path.name} cell {index} calls no checker"


@pytest.mark.parametrize("path", SOLUTIONS, ids=_ids(SOLUTIONS))
def test_every_solution_region_is_followed_by_a_check(path):
    """No task goes unchecked: after every cell with a solution region comes a check cell."""
    nb = nbformat.read(path, as_version=4)
    pending = None
    for index, cell in enumerate(nb.cells):
        if make_exercises.BEGIN in cell.source and cell.cell_type == "code":
            pending = pending if pending is not None else index
        elif make_exercises.is_check_cell(cell):
            pending = None
    assert pending is None, f"{path.name}: the solution region in cell {pending} has no check cell after it"


@pytest.mark.parametrize("path", SOLUTIONS, ids=_ids(SOLUTIONS))
def test_blank_check_cells_are_tagged(path):
    nb = nbformat.read(_exercise(path), as_version=4)
    for index, cell in _check_cells(nb):
        assert "raises-exception" in cell.metadata.get("tags", []), f"{path.name} check cell {index} not tagged"
    text = nbformat.writes(nb)
    assert make_exercises.BEGIN not in text
    assert make_exercises.END not in text


# --------------------------------------------------------------------------- execution


@pytest.mark.parametrize("path", SOLUTIONS, ids=_ids(SOLUTIONS))
def test_solution_runs_clean_and_checks_pass(path):
    nb, seconds = _execute(path)
    for index, cell in enumerate(nb.cells):
        errors = _errors(cell)
        assert not errors, f"{path.name} cell {index} raised {errors[0].ename}: {_clean(errors[0].evalue)}"
    for index, cell in _check_cells(nb):
        from convutil.checks import PASS_MARK

        assert PASS_MARK in _stdout(cell), f"{path.name} check cell {index} printed no confirmation"
    assert seconds < SECONDS_PER_NOTEBOOK


@pytest.mark.parametrize("path", SOLUTIONS, ids=_ids(SOLUTIONS))
def test_blank_checks_fail_for_a_student_facing_reason(path):
    blank = _exercise(path)
    nb, seconds = _execute(blank)
    checks = dict(_check_cells(nb))
    for index, cell in enumerate(nb.cells):
        errors = _errors(cell)
        if index in checks:
            assert errors, f"{blank.name} check cell {index} PASSED on the blank notebook: the check is not real"
            error = errors[0]
            assert error.ename in STUDENT_FACING, (
                f"{blank.name} check cell {index} fails with {error.ename} ({_clean(error.evalue)}), "
                "a scaffolding error; it must fail with NotImplementedError or the checker's CheckFailed"
            )
            assert error.evalue.strip(), f"{blank.name} check cell {index} fails without a message"
            if error.ename == "CheckFailed":
                assert "Traceback" not in error.evalue
        elif errors:
            assert errors[0].ename == "NotImplementedError", (
                f"{blank.name} cell {index} raised {errors[0].ename}: {_clean(errors[0].evalue)}"
            )
            assert "raises-exception" in cell.metadata.get("tags", []), f"{blank.name} cell {index} is not tagged"
    assert seconds < SECONDS_PER_NOTEBOOK


# --------------------------------------------------------------------------- grading tool


grade = load_tool("grade")


@pytest.mark.parametrize("path", SOLUTIONS, ids=_ids(SOLUTIONS))
def test_grading_gives_full_points_to_the_solution_and_none_to_the_blank(path):
    source = nbformat.read(_exercise(path), as_version=4)
    total = sum(cell.metadata["nbgrader"]["points"] for _, cell in _check_cells(source))
    solved, _ = _execute(path)
    blank, _ = _execute(_exercise(path))
    assert sum(r[2] for r in grade.score(solved, source)) == total
    assert sum(r[2] for r in grade.score(blank, source)) == 0
