"""nbgrader round trip: every exercise works unchanged in nbgrader 0.9.

A temporary nbgrader course gets one assignment, ``exercises``, whose source is
every notebook of ``solutions/`` exactly as committed. ``nbgrader
generate_assignment`` releases it, and the released notebooks must be the
ones in ``exercises/`` (what students get from the repository): same cells,
sources, locks and nbgrader metadata. Two students submit: ``solved`` hands in
the solution notebooks, ``released`` the blank notebooks nbgrader released.
``nbgrader autograde`` grades both and ``nbgrader export`` writes the grade
table. The expected points are read from the check cells' metadata, not from
nbgrader.

The round trip skips, saying why, where nbgrader is not installed
(``.ci/run`` installs it) or where ``solutions/`` is absent (a published
student copy of the course). The metadata the generator writes is tested
first, on small notebooks, everywhere; and a student copy without
``solutions/`` has nothing to generate.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from course_tools import load_tool

ROOT = Path(__file__).resolve().parents[1]
# One worker builds the graded batch once and runs every test of this file (with `--dist loadgroup`).
pytestmark = pytest.mark.xdist_group("nbgrader")
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
NO_SOURCES = "solutions/ is not in this copy of the course: the round trip needs the sources"
# one case per solution notebook; in a student copy of the course, one case that skips saying why
PER_NOTEBOOK = [pytest.param(p, id=p.stem) for p in SOLUTIONS] or [
    pytest.param(None, id="no-solutions", marks=pytest.mark.skip(reason=NO_SOURCES))
]
ASSIGNMENT = "exercises"
STUDENTS = ("solved", "released")


make_exercises = load_tool("make_exercises")


def _points(path: Path) -> dict[str, float]:
    """grade_id -> points of every check cell of a notebook, from its metadata."""
    nb = nbformat.read(path, as_version=4)
    return {
        cell.metadata["nbgrader"]["grade_id"]: float(cell.metadata["nbgrader"]["points"])
        for cell in nb.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
    }


def _nbgrader(course: Path, *args: str) -> None:
    command = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"]
    done = subprocess.run(command, cwd=course, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"nbgrader {args[0]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "| ERROR]" not in done.stderr, done.stderr[-3000:]


SCHEMA_3 = {"schema_version": 3, "task": False}


def _notebook():
    new = nbformat.v4
    return new.new_notebook(
        cells=[
            new.new_markdown_cell("## Task 1: f (2 points)"),
            new.new_code_cell("import numpy as np\nfrom convutil.checks import counting as checks"),
            new.new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION"),
            new.new_code_cell(
                "checks.check_f(f)", metadata={"nbgrader": {"grade": True, "grade_id": "f", "points": 2}}
            ),
            new.new_code_cell("x = 1", metadata={"nbgrader": {"grade": False, "solution": False, "locked": False}}),
        ]
    )


def test_the_generator_writes_nbgraders_metadata():
    cells = make_exercises.with_nbgrader_metadata(_notebook(), "nb").cells
    assert "nbgrader" not in cells[0].metadata
    setup = {**SCHEMA_3, "grade": False, "solution": False, "locked": True, "grade_id": "setup"}
    answer = {**SCHEMA_3, "grade": False, "solution": True, "locked": False, "grade_id": "f_solution"}
    check = {**SCHEMA_3, "grade": True, "solution": False, "locked": True, "grade_id": "f", "points": 2}
    assert [c.metadata.get("nbgrader") for c in cells[1:]] == [setup, answer, check, None]


def test_the_student_notebook_locks_what_nbgrader_locks():
    cells = make_exercises.make_exercise(_notebook(), "nb").cells
    assert (cells[1].metadata["editable"], cells[1].metadata["deletable"]) == (False, False)
    assert "editable" not in cells[2].metadata
    assert cells[2].metadata["deletable"] is False
    assert (cells[3].metadata["editable"], cells[3].metadata["deletable"]) == (False, False)
    assert cells[2].source == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (nbformat.v4.new_markdown_cell("### BEGIN SOLUTION\nIt is 3.\n### END SOLUTION"), "grading by hand"),
        (nbformat.v4.new_code_cell("x = 1  ### BEGIN SOLUTION"), "solution marker"),
        (
            nbformat.v4.new_code_cell("g(f)", metadata={"nbgrader": {"grade": True, "grade_id": "f g", "points": 1}}),
            "grade_id",
        ),
    ],
)
def test_regions_nbgrader_cannot_grade_are_authoring_errors(cell, message):
    nb = _notebook()
    nb.cells.append(cell)
    with pytest.raises(make_exercises.AuthoringError, match=message):
        make_exercises.with_nbgrader_metadata(nb, "nb")


def test_check_mode_reports_metadata_drift(tmp_path, capsys):
    source = tmp_path / "solutions"
    source.mkdir()
    nb = make_exercises.with_nbgrader_metadata(_notebook(), "nb")
    nbformat.write(nb, source / "01-x.ipynb")
    assert make_exercises.normalise_solutions(source, tmp_path) == {}
    del nb.cells[2].metadata["nbgrader"]
    nbformat.write(nb, source / "01-x.ipynb")
    assert list(make_exercises.normalise_solutions(source, tmp_path)) == [source / "01-x.ipynb"]
    args = ["--check", "--source", str(source), "--dest", str(tmp_path / "exercises")]
    args += ["--toc-dest", str(tmp_path / "t.yml"), "--config-dest", str(tmp_path / "c.yml")]
    assert make_exercises.main(args) == 1
    assert f"nbgrader metadata out of date: {source / '01-x.ipynb'}" in capsys.readouterr().err


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A graded nbgrader course (see the module docstring); returns its folder."""
    pytest.importorskip("nbgrader", reason="nbgrader is not installed (CI installs it: see .ci/run)")
    if not SOLUTIONS:
        pytest.skip(NO_SOURCES)
    course = tmp_path_factory.mktemp("nbgrader-course")
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    for path in SOLUTIONS:
        shutil.copy(path, source / path.name)
    _nbgrader(course, "generate_assignment", ASSIGNMENT)
    released = course / "release" / ASSIGNMENT
    submissions = {"solved": source, "released": released}
    for student, folder in submissions.items():
        target = course / "submitted" / student / ASSIGNMENT
        target.mkdir(parents=True)
        for path in SOLUTIONS:
            shutil.copy(folder / path.name, target / path.name)
    _nbgrader(course, "autograde", ASSIGNMENT, "--ExecutePreprocessor.timeout=300")  # a busy CI machine
    _nbgrader(course, "export", "--to", str(course / "grades.csv"))
    return course


def _scores(course: Path, student: str) -> dict[str, dict[str, float]]:
    """notebook -> grade_id -> automatic score, read from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, student)
        return {nb.name: {grade.name: grade.auto_score for grade in nb.grades} for nb in submission.notebooks}


@pytest.mark.parametrize("path", PER_NOTEBOOK)
def test_nbgrader_release_is_the_generated_exercise(course, path):
    """What nbgrader releases is what tools/make_exercises.py generates: same cells, sources, locks."""
    released = nbformat.read(course / "release" / ASSIGNMENT / path.name, as_version=4)
    generated = nbformat.read(ROOT / "exercises" / path.name, as_version=4)
    assert [c.source for c in released.cells] == [c.source for c in generated.cells]
    for index, (ours, theirs) in enumerate(zip(generated.cells, released.cells)):
        for key in ("editable", "deletable"):
            assert ours.metadata.get(key, True) == theirs.metadata.get(key, True), f"cell {index}: {key}"
        if "raises-exception" in ours.metadata.get("tags", []):  # "Run all" goes on past a failing check there too
            assert "raises-exception" in theirs.metadata.get("tags", []), f"cell {index}"
        mine = ours.metadata.get("nbgrader", {})
        nbgraders = {k: v for k, v in theirs.metadata.get("nbgrader", {}).items() if k not in ("checksum", "cell_type")}
        assert mine == nbgraders, f"cell {index}"


@pytest.mark.parametrize("path", PER_NOTEBOOK)
def test_the_solution_earns_every_point(course, path):
    expected = _points(path)
    assert _scores(course, "solved")[path.stem] == expected


@pytest.mark.parametrize("path", PER_NOTEBOOK)
def test_a_blank_notebook_earns_nothing(course, path):
    scores = _scores(course, "released")[path.stem]
    assert set(scores) == set(_points(path))
    assert set(scores.values()) == {0.0}


def test_export_lists_every_student_with_the_course_total(course):
    total = sum(sum(_points(path).values()) for path in SOLUTIONS)
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(STUDENTS)
    assert float(rows["solved"]["score"]) == total
    assert float(rows["solved"]["max_score"]) == total
    assert float(rows["released"]["score"]) == 0.0


def test_a_student_copy_without_solutions_has_nothing_to_generate(tmp_path, capsys):
    args = ["--source", str(tmp_path), "--dest", str(tmp_path / "exercises")]
    assert make_exercises.main(["--check", *args]) == 0
    assert make_exercises.main(args) == 2
    assert "no solution notebook" in capsys.readouterr().err
    assert not (tmp_path / "exercises").exists()
