"""The checker engine and the task tables, tested as a whole.

* derived from the tables: every catalogued misconception, handed in as a student's
  answer, is rejected with its own hint; every reference passes its own checker;
  the catalogue names real notebooks, chapters and check cells;
* the engine's promises: nested answers compared readably, 0-d arrays and other odd
  types explained, inputs changed in place reported, forbidden shortcuts refused
  while the student's function runs (and restored afterwards, also after errors and
  time-outs), import time not counted, tracebacks cut to the student's own lines,
  a misconception named only when it explains every failing case.

The independently written wrong answers per exercise are in ``test_mutations_NN.py``.
"""

from __future__ import annotations

import re
import sys
import threading
from dataclasses import replace
from pathlib import Path

import nbformat
import numpy as np
import pytest
from course_tools import load_tool
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import convutil
from convutil.checks import PASS_MARK, Case, CheckFailed, Misconception, Task, _engine, compare, run, tasks

ROOT = Path(__file__).resolve().parents[1]
# the course's notebooks: the solutions, or in a student copy of the course the exercises (same check cells)
COURSE = ROOT / "solutions" if (ROOT / "solutions").is_dir() else ROOT / "exercises"
TASKS = tasks()
MISCONCEPTIONS = [(task, m) for task in TASKS for m in task.misconceptions]


def _as_student(task: Task, m: Misconception):
    """The answer a student with misconception ``m`` hands in (the rest of a tuple answer right)."""
    if task.value:
        return m.wrong(*task.cases()[0].args.values())

    def answer(*args):
        if m.part is None:
            return m.wrong(*args)
        right = list(task.reference(*args))
        right[m.part] = m.wrong(*args)
        return tuple(right)

    return answer


@pytest.mark.parametrize(("task", "m"), MISCONCEPTIONS, ids=[f"{t.name}-{m.label}" for t, m in MISCONCEPTIONS])
def test_every_catalogued_misconception_is_rejected_with_its_own_hint(task, m):
    relaxed = replace(task, forbid=(), max_lines=None)  # the tables are written with convutil's own functions
    with pytest.raises(CheckFailed) as info:
        run(relaxed, _as_student(task, m))
    message = str(info.value)
    assert "is not right yet" in message, message
    assert "Traceback" not in message, message
    assert m.hint.split("{")[0][:60] in message, f"the hint of {m.label!r} is missing:\n{message}"


@pytest.mark.parametrize("task", [t for t in TASKS if t.verify is None], ids=lambda t: t.name)
def test_every_reference_passes_its_own_checker(task, capsys):
    answer = task.reference(*task.cases()[0].args.values()) if task.value else task.reference
    run(replace(task, forbid=(), max_lines=None), answer)
    assert capsys.readouterr().out.startswith(PASS_MARK)


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_every_task_has_edge_cases_a_hint_and_distinct_case_names(task):
    names = [c.name for c in task.cases()] if task.verify is None else ["custom"]
    assert names
    assert len(set(names)) == len(names)
    assert task.hint
    assert not task.forbid or task.rule, "a task that forbids a function says why"
    labels = [m.label for m in task.misconceptions]
    assert len(set(labels)) == len(labels)


def test_catalogue_names_real_notebooks_chapters_and_check_cells():
    entries = load_tool("make_exercises").checker_catalogue()
    assert len(entries) == len(TASKS)
    assert sum(len(e["misconceptions"]) for e in entries) >= 150
    for entry in entries:
        assert set(entry) == {"exercise", "task", "checker", "chapter", "misconceptions", "hint", "rule"}
        solution = COURSE / f"{entry['exercise']}.ipynb"
        assert solution.exists(), solution
        assert (ROOT / "book" / f"{entry['chapter']}.ipynb").exists(), entry["chapter"]
        calls = [c.source for c in nbformat.read(solution, as_version=4).cells if "nbgrader" in c.metadata]
        assert any(f"checks.{entry['checker']}(" in source for source in calls), entry
        assert all(isinstance(label, str) and isinstance(hint, str) for label, hint in entry["misconceptions"])


def test_every_check_cell_makes_one_check_call():
    for path in sorted(COURSE.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                assert cell.source.count("checks.check_") == 1, (path.name, cell.source)


# --------------------------------------------------------------------------- comparing and showing


@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=4, max_side=5), elements=st.floats(-10, 10)),
    st.data(),
)
def test_compare_locates_the_largest_difference(x, data):
    assert compare(x, x.copy()) is None
    index = tuple(data.draw(st.integers(0, n - 1)) for n in x.shape)
    y = x.copy()
    y[index] += 3.0
    message = compare(x, y)
    assert message.startswith(f"1 of {x.size} values differ")
    assert f"at index {index}" in message


@pytest.mark.parametrize(
    ("expected", "got", "fragment"),
    [
        (np.zeros(3), None, "got None"),
        (np.zeros(3), np.array(["a", "b", "c"]), "dtype <U1"),
        (np.zeros(2), np.array([0.0, np.nan]), "at index (1,)"),
        (np.zeros((4, 5, 6)), np.zeros((5, 6, 4)), "the maps axis is last"),
        (np.zeros((4, 5, 6)), np.zeros((2, 4, 5, 6)), "one axis too many"),
        ((1, 2), (1, 2, 3), "expected 2 items"),
        ((4, 2), np.array(4.0), "a single number (a 0-d NumPy array)"),
        ((4, 2), 4.0, "expected a tuple of 2 items, got a float"),
        (((1335, 39, 310), (39, 310)), ((1335, 39, 310), (39, 311)), "at [1][1]: expected 310, got 311"),
        ((np.zeros(2), (0, 1, 1)), (np.zeros(2), 1), "at [1]: expected a tuple of 3 items, got an int"),
        (3, True, "got a bool"),
        (3, 2.5, "expected 3 (a whole number), got 2.5"),
        (0.5, "0.5", "expected a number, got a str"),
        (True, 1, "expected True or False, got an int"),
    ],
)
def test_compare_explains_wrong_types_and_shapes(expected, got, fragment):
    assert fragment in compare(expected, got)


class _ArrayLike:
    """An answer that is not a NumPy array but converts to one (as a torch tensor does)."""

    def __init__(self, values):
        self.values = values

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.values, dtype=dtype)


@pytest.mark.parametrize(
    ("expected", "got"),
    [
        (7, 7.0),  # a float equal to the int
        (7, np.int64(7)),
        (7, np.array(7.0)),  # a 0-d array holding the number
        ((4, 7, 7), [4, 7, 7]),  # a list for a tuple
        ((4, 7, 7), np.array([4, 7, 7])),
        (np.arange(6.0).reshape(2, 3), [[0, 1, 2], [3, 4, 5]]),  # an array-like of the right shape
        (True, np.bool_(True)),
        ((np.ones(2), (0, 1, 1)), [np.ones(2), [0, 1, 1]]),
        (np.linspace(-3, 3, 50) / 7, (np.linspace(-3, 3, 50) / 7).astype(np.float32)),  # single precision
        (np.arange(6.0), _ArrayLike(np.arange(6.0))),  # e.g. a torch tensor
    ],
)
def test_compare_accepts_equivalent_answers(expected, got):
    assert compare(expected, got) is None


def test_show_survives_answers_that_cannot_be_printed():
    class Broken:
        def __repr__(self):
            raise RuntimeError("no repr")

        def __eq__(self, other):
            raise RuntimeError("no ==")

    assert "Broken" in _engine.show(Broken())
    assert compare(3, Broken()).startswith("expected a number")
    assert "Broken" in compare("text", Broken())


# --------------------------------------------------------------------------- running the student's code


SQUARE = Task(
    "square",
    ("x",),
    lambda x: x * x,
    exercise="test",
    chapter="test",
    fixed=(("two", (np.array([2.0]),)), ("three", (np.array([3.0]),)), ("minus one", (np.array([-1.0]),))),
    misconceptions=(Misconception("doubled", lambda x: 2 * x, "square, do not double"),),
    hint="the general hint",
    reveal="the answer is x * x",
)


def test_a_changed_input_is_reported_even_when_the_answer_is_right():
    def in_place(x):
        x *= x
        return x

    with pytest.raises(CheckFailed, match=r"changed its input(.|\n)*x\[0\] was 2, now 4(.|\n)*copy"):
        run(SQUARE, in_place)


def test_a_misconception_is_named_only_when_it_explains_every_failing_case():
    with pytest.raises(CheckFailed, match="Hint: square, do not double"):
        run(SQUARE, lambda x: 2 * x)
    # 2*x equals x*x on the first case, but only 2*x + (x < 0) fails "minus one" differently
    with pytest.raises(CheckFailed, match="Hint: the general hint") as info:
        run(SQUARE, lambda x: 2 * x + (x < 0))
    assert "square, do not double" not in str(info.value)


def test_more_is_revealed_after_repeated_failures():
    _engine._FAILURES.pop("square", None)
    messages = []
    for _ in range(_engine.REVEAL_AFTER + 1):
        with pytest.raises(CheckFailed) as info:
            run(SQUARE, lambda x: x + 1)
        messages.append(str(info.value))
    assert "Still stuck?" not in messages[0]
    assert "Still stuck? the answer is x * x" in messages[-1]


def test_forbidden_functions_raise_during_the_call_and_are_restored_afterwards():
    task = replace(SQUARE, reference=lambda x: convutil.conv2d(x[None, None], np.ones((1, 1, 1, 1)))[0, 0] * x,
                   forbid=("conv2d",), rule="write it without conv2d")  # fmt: skip
    original = convutil.conv2d

    def shortcut(x):
        return convutil.conv2d(x[None, None], np.ones((1, 1, 1, 1)))[0, 0] * x

    def sneaky(x):  # catches the refusal and computes the right answer anyway
        try:
            convutil.core.conv2d(x[None, None], np.ones((1, 1, 1, 1)))
        except Exception:
            pass
        return x * x

    for answer in (shortcut, sneaky):
        with pytest.raises(CheckFailed, match="broke a rule(.|\n)*it used conv2d(.|\n)*Hint: write it without conv2d"):
            run(task, answer)
        assert convutil.conv2d is original
        assert convutil.core.conv2d is original
        assert convutil.types.conv2d is original
    run(task, lambda x: x * x)


def test_forbidden_functions_are_restored_after_a_time_out(monkeypatch):
    monkeypatch.setattr(_engine, "TIME_LIMIT", 0.2)
    release = threading.Event()
    task = replace(SQUARE, forbid=("conv2d",), rule="no conv2d")
    try:
        with pytest.raises(CheckFailed, match=r"took longer than 0\.2 s on the case \"two\""):
            run(task, lambda x: release.wait(10))
    finally:
        release.set()
    assert convutil.conv2d is convutil.core.conv2d
    assert convutil.conv2d.__name__ == "conv2d"


def test_time_spent_importing_does_not_count(monkeypatch, tmp_path):
    """A first call that imports a slow module (like `import torch`) is not failed for it."""
    monkeypatch.setattr(_engine, "TIME_LIMIT", 0.3)
    (tmp_path / "slow_module_for_checks.py").write_text("import time\ntime.sleep(0.8)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "slow_module_for_checks", raising=False)

    def importing(x):
        import slow_module_for_checks  # noqa: F401

        return x * x

    run(SQUARE, importing)


def test_an_error_points_at_the_students_own_line():
    def student(x):
        weight = np.ones((2, 3, 1, 1))
        return convutil.conv2d(x[None, None], weight)  # raises inside convutil: wrong channel count

    with pytest.raises(CheckFailed) as info:
        run(SQUARE, student)
    message = str(info.value)
    assert "where: in student, line" in message
    assert "return convutil.conv2d(x[None, None], weight)" in message
    assert "core.py" not in message
    assert "_validate" not in message


@pytest.mark.parametrize("exception", [SystemExit(3), KeyboardInterrupt(), RecursionError("deep")])
def test_base_exceptions_become_feedback(exception):
    def quits(x):
        raise exception

    with pytest.raises(CheckFailed, match=type(exception).__name__):
        run(SQUARE, quits)


def test_a_case_is_a_call_the_student_can_copy():
    assert Case("stride 2", {"n": 7, "k": 3}).call_text("output_size") == "output_size(n=7, k=3)"


@pytest.mark.parametrize(
    "answer",
    [
        lambda x: (v for v in x),  # a generator
        lambda x: 10**400,  # an int too large for a float
        lambda x: np.ma.masked_all(x.shape),  # a masked array
        lambda x: x.astype(complex),
        lambda x: object(),
        lambda x: [None],
    ],
)
def test_exotic_answers_become_messages(answer):
    with pytest.raises(CheckFailed, match="is not right yet"):
        run(SQUARE, answer)


class _EqualToEverything(int):
    """An int whose ``==`` says yes to anything: the comparison must use the number it holds."""

    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


class _TupleThatLies(tuple):
    def __eq__(self, other):
        return True

    def __len__(self):
        return 3

    __hash__ = tuple.__hash__


@pytest.mark.parametrize(
    ("checker", "answer"),
    [
        ("check_output_size", lambda *args: _EqualToEverything(0)),
        ("check_layer2_maps", lambda *args: _TupleThatLies([_EqualToEverything(0)] * 3)),
        ("check_output_shape", lambda *args: _TupleThatLies()),
    ],
)
def test_answers_whose_equality_lies_are_compared_by_their_values(checker, answer):
    from convutil.checks import counting

    with pytest.raises(CheckFailed, match="is not right yet"):
        getattr(counting, checker)(answer)
    with pytest.raises(CheckFailed, match="is not right yet"):
        counting.check_volume_shape(_TupleThatLies([_EqualToEverything(0)] * 3))


def test_the_feedback_example_on_the_exercises_page_is_what_a_student_sees():
    import textwrap

    from convutil.checks import counting

    page = (ROOT / "book" / "exercises.md").read_text(encoding="utf-8")
    example = textwrap.dedent(re.search(r"```text\n(  CheckFailed: layer2_maps.*?)\n  ```", page, re.S).group(1))
    with pytest.raises(CheckFailed) as info:
        counting.check_layer2_maps(lambda k1, k2: (k1 * k2, k2, k1 * k2))  # type 1's count for type 2.2
    assert example == f"CheckFailed: {info.value}"
