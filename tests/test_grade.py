"""tools/grade.py on a hostile batch: every kind of broken submission gets its row, the batch goes on.

The batch is built in a temporary folder from the course's own notebooks:
a correct solution, a blank exercise, a renamed copy, an endless loop in a
non-check cell, ``exit()``, ``os._exit(1)``, a file that is not a notebook, a
notebook that patches ``convutil.checks``, a notebook of another exercise, a
solution whose check cells were emptied or deleted, two notebooks of one
exercise from one student, and a notebook of nothing in the course. It is
graded once, in parallel, through the command line an instructor uses.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from course_tools import load_tool

ROOT = Path(__file__).resolve().parents[1]
# One worker builds the graded batch once and runs every test of this file (with `--dist loadgroup`).
pytestmark = pytest.mark.xdist_group("grade-batch")
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
TIMEOUT = 15  # seconds per cell: far above what a check cell needs (even on a busy machine); the loop costs it

if not SOLUTIONS:
    pytest.skip(
        "solutions/ is not in this copy of the course: the batch needs solved notebooks", allow_module_level=True
    )
pytest.importorskip("nbclient")

FIRST, OTHER = SOLUTIONS[0], SOLUTIONS[1]


grade = load_tool("grade")


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _points(path: Path) -> float:
    return sum(c.metadata["nbgrader"]["points"] for c in _read(path).cells if grade.is_check(c))


def _first_solution_cell(nb) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("solution"))


def _with_code(nb, code: str):
    """``nb`` with ``code`` appended (at top level) to its first solution cell."""
    nb = nbformat.from_dict(nb)
    index = _first_solution_cell(nb)
    nb.cells[index].source += "\n" + code + "\n"
    return nb


PATCH = """import convutil.checks
for name in dir(checks):
    if name.startswith("check"):
        setattr(checks, name, lambda *args, **kwargs: print("\u2714 passed"))"""


def _with_code_last(nb, code: str):
    """``nb`` with ``code`` appended to its last solution cell (just before the last checks run)."""
    nb = nbformat.from_dict(nb)
    index = max(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("solution"))
    nb.cells[index].source += "\n" + code + "\n"
    return nb


WALK_BY_CLASS = '''def _conv(layer, shape):
    size = tuple(conv_output_size(n, k, s, p, d) for n, k, s, p, d in
                 zip(shape[1:], layer.kernel_size, layer.stride, layer.padding, layer.dilation))
    params = conv_params(shape[0], layer.c_out, layer.kernel_size, groups=layer.groups, bias=layer.bias)
    return (layer.c_out, *size), params, conv_macs(shape[0], layer.c_out, layer.kernel_size, size, groups=layer.groups)


def _pool(layer, shape):
    stride = layer.kernel_size if layer.stride is None else layer.stride
    size = tuple(conv_output_size(n, k, s, p) for n, k, s, p in zip(shape[1:], layer.kernel_size, stride, layer.padding))
    return (shape[0], *size), 0, 0


def _linear(layer, shape):
    return (layer.out_features,), shape[0] * layer.out_features + layer.out_features * layer.bias, shape[0] * layer.out_features


RULES = {Conv2d: _conv, MaxPool2d: _pool, ReLU: lambda layer, shape: (shape, 0, 0),
         Flatten: lambda layer, shape: ((math.prod(shape),), 0, 0), Linear: _linear}  # built once, before any check


def walk(layers, input_shape):
    """A correct walk that looks each layer's rule up in a dict keyed by its class."""
    rows, shape = [], tuple(input_shape)
    for layer in layers:
        shape, params, macs = RULES[type(layer)](layer, shape)
        rows.append((shape, params, macs))
    return rows
'''


def _walk_by_class():
    """Exercise 8's solution with a walk whose rules are looked up in a dict keyed by the layer classes."""
    path = ROOT / "solutions" / "08-volume-to-volume.ipynb"
    nb = _read(path)
    index = next(i for i, c in enumerate(nb.cells) if "def walk(layers, input_shape):" in c.source)
    nb.cells[index].source = WALK_BY_CLASS
    return nb


def _shortcut():
    """Exercise 2's solution with ``stack_layer`` written with the ``conv2d`` its task forbids, imported under another name."""
    path = ROOT / "solutions" / "02-convolution-over-a-stack.ipynb"
    nb = _read(path) if path.exists() else None
    index = (
        next((i for i, c in enumerate(nb.cells) if "def stack_layer(x, weight, bias):" in c.source), None)
        if nb
        else None
    )
    if index is None:
        return None
    head = nb.cells[index].source.split("### BEGIN SOLUTION")[0]
    nb.cells[index].source = f"from convutil.core import conv2d as c2\n{head}return c2(x, weight, bias)\n"
    return nb


# a check call rewritten away by an input transformer that keeps every other line (the token's too): this
# cannot be prevented from inside the kernel, so the note asks for a review by hand
REWRITE = (
    'get_ipython().input_transformers_post.append(lambda L: ["pass\\n" if l.startswith("checks.") else l for l in L])'
)
# a wrong answer that carries the labels of the library's function (functools.wraps): graded as the student's
WRAPPED = (
    "import functools\n@functools.wraps(convutil.conv_output_size)\ndef output_size(n, k, s=1, p=0, d=1):\n    return 0"
)

# IPython itself told to swallow every error, or to replace every later cell by `pass`
SILENCE = "get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)"
SKIP = "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])"


def _batch(folder: Path) -> None:
    solved, blank = _read(FIRST), _read(ROOT / "exercises" / FIRST.name)
    emptied = nbformat.from_dict(solved)
    checks = [i for i, c in enumerate(emptied.cells) if grade.is_check(c)]
    emptied.cells[checks[0]].source = "pass  # no check here"
    del emptied.cells[checks[-1]]
    students = {
        "correct": {FIRST.name: solved},
        "blank": {FIRST.name: blank},
        "renamed": {"01 (1).ipynb": solved},
        "loop": {"final.ipynb": _with_code(solved, "while True:\n    pass")},
        "exits": {"mine.ipynb": _with_code(solved, "exit()")},
        "exits_late": {"mine.ipynb": _with_code_last(solved, "exit()")},  # the kernel stops after more checks ran
        "os_exit": {FIRST.name: _with_code(solved, "import os; os._exit(1)")},
        "patched": {FIRST.name: _with_code(blank, PATCH)},
        "silenced": {FIRST.name: _with_code(blank, SILENCE)},
        "skipped": {FIRST.name: _with_code(blank, SKIP)},
        "rewritten": {FIRST.name: _with_code(blank, REWRITE)},
        "wrapped": {FIRST.name: _with_code(solved, WRAPPED)},
        "other": {FIRST.name: _read(OTHER)},
        "tampered": {"x.ipynb": emptied},
        "twice": {"a.ipynb": blank, "b.ipynb": solved},
        "unrelated": {"notes.ipynb": nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])},
        # the kernel's parent is the grader's worker process: killing it must cost this notebook only
        "zz_kills_grader": {FIRST.name: _with_code(solved, "import os, signal; os.kill(os.getppid(), signal.SIGKILL)")},
    }
    if _shortcut() is not None:
        students["shortcut"] = {"02.ipynb": _shortcut()}
        students["classes_as_keys"] = {"08.ipynb": _walk_by_class()}
    for student, files in students.items():
        (folder / student).mkdir(parents=True)
        for name, nb in files.items():
            nbformat.write(nb, folder / student / name)
    (folder / "garbage").mkdir()
    (folder / "garbage" / "answers.ipynb").write_text("my answers are on paper", encoding="utf-8")
    (folder / "garbage" / "essay.pdf").write_bytes(b"%PDF-1.4")
    (folder / "garbage" / ".DS_Store").write_bytes(b"\0")  # hidden: ignored
    (folder / "empty").mkdir()  # handed in nothing


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the batch with the command line; return (completed process, rows, per-check rows, feedback folder)."""
    tmp = tmp_path_factory.mktemp("grade")
    _batch(tmp / "submissions")
    table, feedback = tmp / "out" / "grades.csv", tmp / "out" / "feedback"
    command = [sys.executable, str(ROOT / "tools" / "grade.py"), str(tmp / "submissions"), "--csv", str(table)]
    command += ["--feedback", str(feedback), "--timeout", str(TIMEOUT), "-j", "2"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    with open(table, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with open(table.with_suffix(".checks.csv"), newline="", encoding="utf-8") as handle:
        checks = list(csv.DictReader(handle))
    return done, rows, checks, feedback


def _row(rows, student, file=None):
    found = [r for r in rows if r["student"] == student and (file is None or r["file"] == file)]
    assert len(found) == 1, (student, found)
    return found[0]


def test_the_batch_is_graded_and_exits_0(graded):
    done, rows, _, _ = graded
    assert done.returncode == 0, done.stderr
    assert {r["student"] for r in rows} >= {"correct", "blank", "loop", "exits", "os_exit", "garbage", "unrelated"}
    assert list(rows[0])[:4] == ["student", "exercise", "points", "max_points"]
    # fifteen students handed in exercise 1: four solved it (correct, renamed, tampered, twice); "rewritten" cheats
    first_check = next(c.metadata["nbgrader"]["grade_id"] for c in _read(FIRST).cells if grade.is_check(c))
    assert f"{FIRST.stem}: 15 student(s)" in done.stdout
    assert re.search(rf"{first_check} +passed by 5 of 15", done.stdout)  # "rewritten" too: see its test


@pytest.mark.parametrize("student", ["correct", "renamed", "tampered"])
def test_solved_notebooks_earn_every_point_whatever_their_name_and_checks(graded, student):
    row = _row(graded[1], student)
    assert row["exercise"] == FIRST.stem
    assert float(row["points"]) == float(row["max_points"]) == _points(FIRST)


@pytest.mark.parametrize(
    ("student", "note"),
    [
        ("blank", "failed: "),
        ("loop", f"ran longer than {TIMEOUT} s"),
        ("exits", "cell 4 (def output_size"),
        ("exits_late", "called exit() or quit()"),
        ("os_exit", "the kernel died"),
        ("patched", "failed: "),
        ("silenced", "failed: "),
        ("skipped", "failed: "),
    ],
)
def test_broken_notebooks_earn_nothing_and_say_why(graded, student, note):
    row = _row(graded[1], student)
    assert row["exercise"] == FIRST.stem
    assert float(row["points"]) == 0
    assert float(row["max_points"]) == _points(FIRST)
    assert note in row["note"]


def test_a_notebook_that_works_against_the_grader_is_flagged_for_review(graded):
    row = _row(graded[1], "rewritten")
    assert "review by hand: it uses input_transformers" in row["note"]
    assert "review by hand" not in _row(graded[1], "correct")["note"]


def test_a_function_wearing_the_librarys_labels_is_graded_as_the_students_own(graded):
    row = _row(graded[1], "wrapped")
    assert row["note"].startswith("failed: output_size")


def test_a_notebook_that_kills_the_grader_costs_only_itself(graded):
    row = _row(graded[1], "zz_kills_grader")
    assert row["exercise"] == FIRST.stem
    assert float(row["points"]) == 0
    assert "killed the grader" in row["note"]


def test_files_that_are_not_graded_get_a_row_with_a_note(graded):
    rows = graded[1]
    assert "not a readable notebook" in _row(rows, "garbage", "answers.ipynb")["note"]
    assert "not a notebook" in _row(rows, "garbage", "essay.pdf")["note"]
    assert "matches no exercise" in _row(rows, "unrelated")["note"]
    for row in (_row(rows, "garbage", "answers.ipynb"), _row(rows, "unrelated")):
        assert (row["exercise"], float(row["points"])) == ("", 0)
    assert not [r for r in rows if r["file"] == ".DS_Store"]
    assert _row(rows, "empty")["note"] == "no file handed in"


def test_a_correct_answer_that_keys_a_dict_by_layer_class_passes(graded):
    """The grader's fresh import of the checks keeps convutil's layer classes: a dict keyed by Conv2d still works."""
    if _shortcut() is None:
        pytest.skip("the course has no exercise 8")
    row = _row(graded[1], "classes_as_keys")
    assert float(row["points"]) == float(row["max_points"]), row["note"]


def test_a_forbidden_shortcut_is_refused_under_grading_too(graded):
    """The fresh checking code still recognises the forbidden function the notebook imported before the check."""
    if _shortcut() is None:
        pytest.skip("exercise 2 has no stack_layer task")
    row = _row(graded[1], "shortcut")
    assert float(row["points"]) < float(row["max_points"])
    message = next(r["message"] for r in graded[2] if r["student"] == "shortcut" and r["check"] == "stack_layer")
    assert "without conv2d" in message


def test_a_notebook_is_matched_by_content_not_by_name(graded):
    row = _row(graded[1], "other")
    assert row["exercise"] == OTHER.stem
    assert float(row["points"]) == _points(OTHER)


def test_one_row_per_student_and_exercise_the_best_notebook_counts(graded):
    row = _row(graded[1], "twice")
    assert (row["file"], float(row["points"])) == ("b.ipynb", _points(FIRST))
    assert "a.ipynb (0)" in row["note"]


def test_per_check_rows_and_feedback_carry_the_full_message(graded):
    _, _, checks, feedback = graded
    blank = [r for r in checks if r["student"] == "blank"]
    assert len(blank) == len([c for c in _read(FIRST).cells if grade.is_check(c)])
    executed = _read(feedback / "blank" / (FIRST.stem + ".executed.ipynb"))
    errors = [o for c in executed.cells if grade.is_check(c) for o in c.outputs if o.output_type == "error"]
    text = (feedback / "blank" / f"{FIRST.stem}.txt").read_text(encoding="utf-8")
    assert len(errors) == len(blank)
    for row, error in zip(blank, errors):
        assert float(row["points"]) == 0
        assert row["message"] == f"{error.ename}: {grade.ANSI.sub('', error.evalue)}".strip()  # every line of it
        assert row["message"] in text
    executed = _read(feedback / "correct" / (FIRST.stem + ".executed.ipynb"))
    assert all(c.execution_count for c in executed.cells if c.cell_type == "code")
    course_checks = [c.source for c in _read(FIRST).cells if grade.is_check(c)]
    assert [c.source for c in executed.cells if grade.is_check(c)] == course_checks  # as the student knows them
    assert "grade.py token" not in nbformat.writes(executed)


def test_restore_puts_back_emptied_and_deleted_checks_in_place():
    course = grade.load_course(ROOT / "solutions")
    exercise = course[FIRST.stem]
    solved = _read(FIRST)
    checks = [i for i, c in enumerate(solved.cells) if grade.is_check(c)]
    tampered = nbformat.from_dict(solved)
    tampered.cells[checks[0]].source = "pass"
    del tampered.cells[checks[1]]
    restored = grade.restore_checks(tampered, exercise, prelude=False)
    assert [c.source for c in restored.cells] == [c.source for c in solved.cells]


def test_notebooks_without_cell_ids_are_matched_by_their_checks():
    course = grade.load_course(ROOT / "solutions")
    nb = _read(OTHER)
    for cell in nb.cells:
        cell.pop("id", None)
        cell.metadata.pop("nbgrader", None)
    assert grade.match(nb, course).name == OTHER.stem


def test_usage_errors_exit_2(tmp_path):
    command = [sys.executable, str(ROOT / "tools" / "grade.py"), str(tmp_path / "missing"), "--csv", "x.csv"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "not a folder" in done.stderr


# --------------------------------------------------------------------------- the instructors' catalogue


def test_the_catalogue_page_is_up_to_date():
    generator = load_tool("make_exercises")
    page = ROOT / generator.CATALOGUE
    assert page.read_text(encoding="utf-8") == generator.catalogue_page(ROOT / "solutions", ROOT), (
        f"{generator.CATALOGUE} is out of date: run `python tools/make_exercises.py`"
    )


def test_the_catalogue_lists_every_exercise_with_its_points():
    text = (ROOT / load_tool("make_exercises").CATALOGUE).read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| {doc}`")]
    assert len(rows) == len(SOLUTIONS)
    for path, row in zip(SOLUTIONS, rows):
        checks = [c.metadata["nbgrader"] for c in _read(path).cells if grade.is_check(c)]
        assert f"<../exercises/{path.stem}>" in row
        assert row.split(" | ")[2:4] == [str(len(checks)), f"{_points(path):g}"]
        for meta in checks:
            assert f"(`{meta['grade_id']}`, {meta['points']:g} point" in text
    assert f"Total: {sum(_points(p) for p in SOLUTIONS):g} points in {len(SOLUTIONS)} notebooks." in text


def test_without_solutions_the_generated_exercises_are_the_course():
    """In a published student repository (no solutions/), grading uses exercises/: same checks, same matches."""
    solutions, exercises = grade.load_course(ROOT / "solutions"), grade.load_course(ROOT / "exercises")
    assert set(exercises) == set(solutions)
    for name, exercise in exercises.items():
        assert exercise.points == solutions[name].points
        assert exercise.check_sources == solutions[name].check_sources
    solved = _read(FIRST)
    restored = grade.restore_checks(solved, grade.match(solved, exercises), prelude=False)
    assert [c.source for c in restored.cells] == [c.source for c in solved.cells]
