"""Shared feedback machinery for the exercise checkers.

A checker is a small function that calls the student's function on fixed
edge cases and seeded random cases, compares every answer with a reference
from :mod:`convutil`, and either prints a short confirmation or raises
:class:`CheckFailed` with a message a student can act on. Everything a
student's code can do wrong -- return ``None``, a wrong type or shape, raise,
or run forever -- becomes such a message, never a traceback from inside the
checker.

The building blocks:

* :class:`Case` -- one call: a name and the arguments, in order;
* :func:`make_cases` -- cases from rows of values: fixed, named edge cases, then seeded random ones;
* :class:`Misconception` -- a known wrong formula and the hint it deserves;
* :func:`check_function` -- run the cases, compare, explain the first failure;
* :func:`check_value` -- the same for a single value the student computed;
* :func:`compare` -- describe how ``got`` differs from ``expected``
  (type, then shape, then values with the location of the largest difference).

See the docstring of :mod:`convutil.checks` for a complete example.
"""

from __future__ import annotations

import copy
import math
import numbers
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "CheckFailed",
    "Case",
    "make_cases",
    "Misconception",
    "check_function",
    "check_value",
    "compare",
    "call_with_time_limit",
    "TIME_LIMIT",
    "PASS_MARK",
]

#: Seconds one call of the student's function may take before it counts as "runs too long".
TIME_LIMIT = 5.0

#: Every passing checker prints a line that starts with this mark.
PASS_MARK = "✔"


class CheckFailed(AssertionError):
    """Raised by a checker when the student's answer is not right yet.

    A subclass of :class:`AssertionError`, so test runners and graders treat
    it as an ordinary failed assertion. The message is the feedback.
    """


@dataclass(frozen=True)
class Case:
    """One call of the student's function.

    Parameters
    ----------
    name : str
        What the case exercises, shown to the student (e.g. ``"1x1 kernel"``).
    args : dict
        Argument names (as the exercise's function signature names them) and
        values, in order. The student's function is called positionally with
        the values, so a student who renames a parameter is not penalised.

    Examples
    --------
    >>> case = Case("stride 2", {"n": 7, "k": 3, "s": 2})
    >>> case.call_text("output_size")
    'output_size(n=7, k=3, s=2)'
    """

    name: str
    args: dict = field(default_factory=dict)

    def call_text(self, func_name: str) -> str:
        """The call as the student would write it, arrays shown by shape."""
        parts = ", ".join(f"{key}={_short(value)}" for key, value in self.args.items())
        return f"{func_name}({parts})"


def make_cases(names: Sequence[str], fixed: Iterable = (), random: Iterable = ()) -> list[Case]:
    """Build :class:`Case` objects from rows of argument values, in the order of ``names``.

    Parameters
    ----------
    names : sequence of str
        The argument names, as the exercise's function signature names them.
    fixed : iterable of (str, sequence)
        The edge cases: ``(case name, values)`` pairs, one value per name.
    random : iterable of sequence
        The seeded random cases' values, named ``"random case 1"``, ``"random case 2"``, ...
        A generator is consumed lazily, one row after another, so drawing the
        rows from a seeded ``np.random.Generator`` gives the same cases as a loop.

    Returns
    -------
    list of Case
        The fixed cases first, then the random ones. A row with more or fewer
        values than ``names`` raises :class:`ValueError` (a bug in the checker).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> cases = make_cases(("n", "k"), [("1x1 kernel", (5, 1))], ((int(rng.integers(1, 9)), 3) for _ in range(2)))
    >>> [(case.name, case.args) for case in cases]
    [('1x1 kernel', {'n': 5, 'k': 1}), ('random case 1', {'n': 7, 'k': 3}), ('random case 2', {'n': 6, 'k': 3})]
    """
    cases = [Case(name, dict(zip(names, values, strict=True))) for name, values in fixed]
    for i, values in enumerate(random, start=1):
        cases.append(Case(f"random case {i}", dict(zip(names, values, strict=True))))
    return cases


@dataclass(frozen=True)
class Misconception:
    """A known wrong answer and the hint that explains it.

    Parameters
    ----------
    formula : callable
        Called with the case's arguments (positionally, like the student's
        function); returns the wrong answer this misconception produces.
    hint : str
        Shown when the student's answer equals the wrong answer (and differs
        from the right one). May use ``{got}``, ``{expected}`` and the case's
        argument names as :meth:`str.format` fields.
    part : int, optional
        For tasks that return a tuple: compare only element ``part`` of the
        student's answer with ``formula``'s (scalar) result.

    Examples
    --------
    >>> m = Misconception(lambda k1, k2: k1 * k2, "you produced k1*k2 = {got} maps: that is type 1")
    >>> m.matches((3, 8), {"k1": 3, "k2": 8}, got=24, expected=8)
    'you produced k1*k2 = 24 maps: that is type 1'
    >>> m.matches((3, 8), {"k1": 3, "k2": 8}, got=8, expected=8) is None
    True
    """

    formula: Callable[..., Any]
    hint: str
    part: int | None = None

    def matches(self, args: tuple, names: dict, got, expected) -> str | None:
        """Return the formatted hint if ``got`` is this misconception's answer, else ``None``."""
        try:
            wrong = self.formula(*args)
            if self.part is not None:
                got_part, expected_part = got[self.part], expected[self.part]
            else:
                got_part, expected_part = got, expected
        except Exception:  # a formula that does not apply to this case or answer
            return None
        if compare(wrong, got_part) is None and compare(expected_part, got_part) is not None:
            return _format(self.hint, got=got_part, expected=expected_part, **names)
        return None


def _format(text: str, **fields) -> str:
    """``text.format(**fields)``, or ``text`` unchanged when it has no such fields."""
    try:
        return text.format(**fields)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError):
        return text


def _short(value, limit: int = 60) -> str:
    """A compact, readable representation of an argument or result."""
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            return f"array({value.tolist()!r})"
        return f"array of shape {value.shape} ({value.dtype})"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _kind(value) -> str:
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"a NumPy array of shape {value.shape}"
    return f"a {type(value).__name__}"


def _is_int(value) -> bool:
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_real(value) -> bool:
    return isinstance(value, (numbers.Real, np.number)) and not isinstance(value, (bool, np.bool_))


def compare(expected, got, *, rtol: float = 1e-6, atol: float = 1e-8) -> str | None:
    """Describe how ``got`` differs from ``expected``; ``None`` when they agree.

    Integers must match exactly (and be integers); floats and arrays within
    ``rtol``/``atol``; tuples and lists element by element. The description
    reports the type first, then the shape, then the values, with the
    location and size of the largest difference.

    Examples
    --------
    >>> compare(7, 7) is None
    True
    >>> print(compare(7, 7.0))
    expected an integer (int), got a float: 7.0
    >>> print(compare(np.zeros((2, 3)), np.zeros((3, 2))))
    expected shape (2, 3), got shape (3, 2)
    >>> print(compare(np.zeros((2, 2)), np.array([[0.0, 0.0], [0.0, 0.5]])))
    1 of 4 values differ; the largest difference is 0.5 at index (1, 1): expected 0, got 0.5
    """
    if got is None and expected is not None:
        return "got None (did the function forget to `return` its result?)"
    if isinstance(expected, (bool, np.bool_)):
        if not isinstance(got, (bool, np.bool_)):
            return f"expected True or False, got {_kind(got)}: {_short(got)}"
        return None if bool(got) == bool(expected) else f"expected {expected}, got {got}"
    if _is_int(expected):
        if not _is_int(got):
            return f"expected an integer (int), got {_kind(got)}: {_short(got)}"
        return None if int(got) == int(expected) else f"expected {int(expected)}, got {int(got)}"
    if _is_real(expected):
        if not _is_real(got):
            return f"expected a number, got {_kind(got)}: {_short(got)}"
        if math.isclose(float(got), float(expected), rel_tol=rtol, abs_tol=atol) or (
            math.isnan(float(got)) and math.isnan(float(expected))
        ):
            return None
        return f"expected {float(expected):.6g}, got {float(got):.6g}"
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list, np.ndarray)):
            return f"expected a {type(expected).__name__} of {len(expected)} items, got {_kind(got)}: {_short(got)}"
        if len(got) != len(expected):
            return f"expected {len(expected)} items {_short(tuple(expected))}, got {len(got)} items: {_short(got)}"
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            problem = compare(e, g, rtol=rtol, atol=atol)
            if problem is not None:
                return f"item {i}: {problem} (expected {_short(tuple(expected))}, got {_short(tuple(got))})"
        return None
    if isinstance(expected, np.ndarray):
        return _compare_arrays(expected, got, rtol, atol)
    return None if got == expected else f"expected {_short(expected)}, got {_short(got)}"


def _compare_arrays(expected: np.ndarray, got, rtol: float, atol: float) -> str | None:
    if not isinstance(got, np.ndarray):
        if isinstance(got, (list, tuple)):
            return f"expected a NumPy array of shape {expected.shape}, got a {type(got).__name__} (use np.array)"
        return f"expected a NumPy array of shape {expected.shape}, got {_kind(got)}: {_short(got)}"
    if got.shape != expected.shape:
        return f"expected shape {expected.shape}, got shape {got.shape}"
    if got.dtype.kind not in "biuf":
        return f"expected real numbers, got an array of dtype {got.dtype}"
    got_f = got.astype(np.float64)
    exp_f = expected.astype(np.float64)
    same = np.isclose(got_f, exp_f, rtol=rtol, atol=atol, equal_nan=True)
    if same.all():
        return None
    diff = np.where(same, 0.0, np.abs(got_f - exp_f))
    diff = np.where(np.isnan(diff), np.inf, diff)  # a NaN where a number belongs counts as the largest
    where = np.unravel_index(np.argmax(diff), diff.shape)
    index = tuple(int(i) for i in where)
    return (
        f"{int((~same).sum())} of {same.size} values differ; the largest difference is "
        f"{diff[where]:.6g} at index {index}: expected {exp_f[where]:.6g}, got {got_f[where]:.6g}"
    )


def call_with_time_limit(func: Callable, args: tuple, time_limit: float | None = None):
    """Call ``func(*args)`` in a helper thread; return ``(result, error, timed_out)``.

    A thread (rather than a signal) works in Jupyter on Linux, macOS and
    Windows. A call that overruns is abandoned: its daemon thread runs on in
    the background but cannot block the checker or the kernel's shutdown.

    Examples
    --------
    >>> call_with_time_limit(pow, (2, 10))
    (1024, None, False)
    >>> result, error, timed_out = call_with_time_limit(int, ("x",))
    >>> type(error).__name__
    'ValueError'
    """
    limit = TIME_LIMIT if time_limit is None else time_limit
    box: dict[str, Any] = {}

    def run():
        try:
            box["result"] = func(*args)
        except BaseException as exc:  # the student's exception, reported as feedback
            box["error"] = exc

    worker = threading.Thread(target=run, daemon=True, name="convutil-check")
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        return None, None, True
    return box.get("result"), box.get("error"), False


def _where_raised(exc: BaseException) -> str:
    """'(in f, line 3: return n / s)' for the innermost frame of the student's own code."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.endswith("_feedback.py")]
    own = [f for f in frames if not f.filename.startswith((sys.prefix, sys.base_prefix))]
    frames = own or frames  # skip frames inside NumPy and other installed libraries
    if not frames:
        return ""
    frame = frames[-1]
    code = f": {frame.line}" if frame.line else ""
    return f" (in {frame.name}, line {frame.lineno}{code})"


def _join(lines: Sequence[str]) -> str:
    return "\n".join(line for line in lines if line)


def _raised_message(task: str, call: str, case: Case, exc: BaseException) -> list[str]:
    if isinstance(exc, NotImplementedError):
        return [
            f"{task} is not written yet: it raised NotImplementedError.",
            "Replace `# YOUR CODE HERE` and `raise NotImplementedError()` with your code, "
            "run that cell, then run this check again.",
        ]
    return [
        f'{task} raised an error on the case "{case.name}":',
        f"  call:  {call}",
        f"  error: {type(exc).__name__}: {exc}{_where_raised(exc)}",
        "Run that call yourself in a new cell to see the full traceback.",
    ]


def check_function(
    func,
    cases: Sequence[Case],
    reference: Callable,
    *,
    task: str,
    misconceptions: Sequence[Misconception] = (),
    hint: str = "",
    rtol: float = 1e-6,
    atol: float = 1e-8,
    time_limit: float | None = None,
) -> None:
    """Run ``func`` on every case and compare with ``reference``.

    Stops at the first case that fails and raises :class:`CheckFailed`
    with: the case's name, the call with its arguments, expected versus got
    (see :func:`compare`), and a hint -- the first matching
    :class:`Misconception`, else the general ``hint``. When every case
    passes, prints one confirmation line (starting with :data:`PASS_MARK`).

    Parameters
    ----------
    func : callable
        The student's function.
    cases : sequence of Case
        Fixed edge cases first, then seeded random cases.
    reference : callable
        Called positionally with each case's arguments; returns the right answer.
    task : str
        The function's name as the exercise writes it (used in every message).
    misconceptions : sequence of Misconception
        Known wrong formulas, tried in order.
    hint : str
        The hint when no misconception matches; may use ``{got}``, ``{expected}``
        and the argument names.
    rtol, atol : float
        Tolerances for floating-point answers (integers must match exactly).
    time_limit : float, optional
        Seconds per call; default :data:`TIME_LIMIT`.

    Raises
    ------
    CheckFailed
        With the feedback, when a case fails or ``func`` is not callable
        (e.g. the student passed a result instead of the function).

    Examples
    --------
    >>> cases = [Case("small", {"a": 1, "b": 2}), Case("large", {"a": 10, "b": 20})]
    >>> check_function(lambda a, b: a + b, cases, lambda a, b: a + b, task="add")
    ✔ add passes all 2 cases. Well done!
    >>> check_function(lambda a, b: a - b, cases, lambda a, b: a + b, task="add", hint="add, do not subtract")
    Traceback (most recent call last):
    ...
    convutil.checks._feedback.CheckFailed: add is not right yet on the case "small":
      call:     add(a=1, b=2)
      expected: 3
      got:      -1
      problem:  expected 3, got -1
    Hint: add, do not subtract
    """
    __tracebackhide__ = True  # pytest and IPython hide this frame
    problem = _first_failure(func, cases, reference, task, misconceptions, hint, rtol, atol, time_limit)
    if problem is not None:
        raise CheckFailed(problem) from None  # the message is the feedback; no checker internals
    noun = "case" if len(cases) == 1 else "cases"
    print(f"{PASS_MARK} {task} passes all {len(cases)} {noun}. Well done!")


def _first_failure(func, cases, reference, task, misconceptions, hint, rtol, atol, time_limit) -> str | None:
    """The feedback for the first failing case, or ``None`` when every case passes."""
    if not callable(func):
        return _join(
            [
                f"This check expects your function {task} itself, e.g. check_{task}({task}); "
                f"it got {_kind(func)}: {_short(func)}.",
            ]
        )
    for case in cases:
        args = tuple(case.args.values())
        expected = reference(*args)
        call = case.call_text(task)
        got, error, timed_out = call_with_time_limit(func, copy.deepcopy(args), time_limit)
        if timed_out:
            limit = TIME_LIMIT if time_limit is None else time_limit
            return _join(
                [
                    f'{task} took longer than {limit:g} s on the case "{case.name}" and was stopped:',
                    f"  call: {call}",
                    "Is there a loop that never ends, or one that is much slower than it needs to be? "
                    "(The stopped call may go on running in the background: if the notebook feels slow, "
                    "restart the kernel.)",
                ]
            )
        if error is not None:
            return _join(_raised_message(task, call, case, error))
        problem = compare(expected, got, rtol=rtol, atol=atol)
        if problem is not None:
            return _join(
                [
                    f'{task} is not right yet on the case "{case.name}":',
                    f"  call:     {call}",
                    f"  expected: {_short(expected)}",
                    f"  got:      {_short(got)}",
                    f"  problem:  {problem}",
                    _hint_line(misconceptions, hint, args, case.args, got, expected),
                ]
            )
    return None


def _hint_line(misconceptions, hint, args, names, got, expected) -> str:
    for misconception in misconceptions:
        text = misconception.matches(args, names, got, expected)
        if text:
            return f"Hint: {text}"
    return "Hint: " + _format(hint, got=got, expected=expected, **names) if hint else ""


def check_value(
    got,
    expected,
    *,
    name: str,
    misconceptions: Sequence[Misconception] = (),
    hint: str = "",
    values: dict | None = None,
    rtol: float = 1e-6,
    atol: float = 1e-8,
) -> None:
    """Compare one value the student computed with the right one.

    For tasks like ``n_maps = ...``. Put ``n_maps = None`` *before* the
    solution region, so that the blank exercise reaches this check with
    ``None`` (a clear "not done yet" message) instead of a ``NameError``.

    Parameters
    ----------
    got : object
        The student's value.
    expected : object
        The right value.
    name : str
        The variable's name in the exercise.
    misconceptions : sequence of Misconception
        Their formulas are called with the values of ``values``.
    hint : str
        The hint when no misconception matches.
    values : dict, optional
        The quantities the task is about (e.g. ``{"k1": 8, "k2": 16}``), shown to the
        student and passed to the misconceptions.
    rtol, atol : float
        Tolerances for floating-point answers.

    Examples
    --------
    >>> check_value(24, 24, name="n_maps")
    ✔ n_maps is right. Well done!
    >>> check_value(None, 24, name="n_maps")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convutil.checks._feedback.CheckFailed: n_maps is not set yet: replace `raise NotImplementedError()` with ...
    """
    __tracebackhide__ = True
    values = dict(values or {})
    problem = None
    if got is None and expected is not None:
        problem = (
            f"{name} is not set yet: replace `raise NotImplementedError()` with your code "
            f"that assigns {name}, run that cell, then run this check again."
        )
    elif (difference := compare(expected, got, rtol=rtol, atol=atol)) is not None:
        given = ", ".join(f"{key}={_short(value)}" for key, value in values.items())
        problem = _join(
            [
                f"{name} is not right yet" + (f" (with {given}):" if given else ":"),
                f"  expected: {_short(expected)}",
                f"  got:      {_short(got)}",
                f"  problem:  {difference}",
                _hint_line(misconceptions, hint, tuple(values.values()), values, got, expected),
            ]
        )
    if problem is not None:
        raise CheckFailed(problem) from None
    print(f"{PASS_MARK} {name} is right. Well done!")


def _show_check_failed(shell, etype, value, tb, tb_offset=None):
    """IPython display of a failed check: the feedback alone, without the checker's frames."""
    stb = [f"\x1b[0;31m{etype.__name__}\x1b[0m: {value}"]
    shell._showtraceback(etype, value, stb)  # what IPython's own showtraceback ends with
    return stb


def _register_with_ipython() -> None:
    """In IPython/Jupyter, show a :class:`CheckFailed` as its message only.

    Uses IPython's documented ``set_custom_exc`` hook; the cell still ends in an
    error (``ename`` ``CheckFailed``), so nbval, nbclient and graders see the
    failure. Left alone when another handler is already installed.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and not shell.custom_exceptions:
        shell.set_custom_exc((CheckFailed,), _show_check_failed)


_register_with_ipython()
