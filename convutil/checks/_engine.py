"""The one engine behind every exercise checker: a :class:`Task` is data, :func:`run` checks an answer against it
(the student's function on copies of each case's arguments, under a time limit, with forbidden functions refused)."""

from __future__ import annotations

import copy
import ctypes
import math
import numbers
import sys
import threading
import time
import traceback
import zlib
from collections import Counter, namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import BuiltinFunctionType, FunctionType
from typing import Any, NamedTuple

import numpy as np

#: Seconds one call of the student's function may take (time spent importing modules is not counted).
TIME_LIMIT = 5.0
#: Every passing checker prints a line that starts with this mark.
PASS_MARK = "✔"
#: After this many failed runs of one check in a session, the task's ``reveal`` text is added.
REVEAL_AFTER = 3
_PACKAGE = str(Path(__file__).resolve().parents[1])
_LIBRARY = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix, _PACKAGE, str(Path(threading.__file__).parent)})
_FAILURES: Counter = Counter()
#: Convolutions from other libraries that would do a task's sum over the maps (forbidden where convutil's are).
LIBRARY_CONVOLUTIONS = ("_conv_nd", "_correlate", "_im2col_matmul", "_depthwise", "torch.conv1d", "torch.conv3d", "torch.convolution", "torch.nn.functional.conv2d", "scipy.signal.correlate", "scipy.signal.convolve", "scipy.signal.fftconvolve", "scipy.ndimage.correlate", "scipy.ndimage.convolve")  # fmt: skip


class CheckFailed(AssertionError):
    """Raised by a checker when the answer is not right yet; the message is the feedback."""

    def _render_traceback_(self):  # IPython's hook: show the feedback alone, not the checker's frames
        return [f"\x1b[0;31mCheckFailed\x1b[0m: {self}"]


class Case(NamedTuple):
    """One call of the student's function: a name shown to the student and the arguments, in order."""

    name: str
    args: dict

    def call_text(self, func_name: str) -> str:
        return f"{func_name}({', '.join(f'{key}={show(value)}' for key, value in self.args.items())})"


class Misconception(NamedTuple):
    """A known wrong answer: ``wrong(*args)`` computes it, ``hint`` explains it (``str.format`` fields: the
    argument names, ``got``, ``expected``); ``part=i`` compares item ``i`` of a tuple answer only."""

    label: str
    wrong: Callable[..., Any]
    hint: str
    part: int | None = None


@dataclass(frozen=True)
class Task:
    """One exercise task, as data (see the fields' comments and :mod:`convutil.checks`).

    >>> Task("double", ("x",), lambda x: 2 * x, "ex", "ch", fixed=(("one", (1,)),)).cases()
    [Case(name='one', args={'x': 1})]
    """

    name: str  # the function (or variable) name the exercise uses
    args: tuple[str, ...]  # argument names, in order (for a value task: the given quantities)
    reference: Callable[..., Any]  # the right answer, from convutil
    exercise: str  # notebook stem, e.g. "01-counting-maps-and-parameters"
    chapter: str  # chapter notebook stem
    fixed: tuple = ()  # (case name, row) pairs: the edge cases
    random: Callable | tuple | None = None  # a function of a seeded rng giving a row, or (low, high) int bounds
    build: Callable | None = None  # (rng, *row) -> the argument values (arrays of the row's sizes); default: the row
    n_random: int = 0
    misconceptions: tuple = ()  # Misconception objects, or (label, wrong, hint[, part]) rows
    hint: str = ""  # the general hint: the concept, not the formula
    reveal: str = ""  # shown only after REVEAL_AFTER failed runs
    forbid: tuple[str, ...] = ()  # convutil functions the student's call must not use
    rule: str = ""  # why, shown when one is used
    max_lines: int | None = None  # Python lines the student's own code may run per call (vectorized tasks)
    value: bool = False  # the answer is a value, not a function
    verify: Callable[[Any], tuple | None] | None = None  # custom check: None or (case, expected, got, hint)

    def __post_init__(self):
        rows = tuple(m if isinstance(m, Misconception) else Misconception(*m) for m in self.misconceptions)
        object.__setattr__(self, "misconceptions", rows)

    def cases(self) -> list[Case]:
        rng = np.random.default_rng(zlib.crc32(self.name.encode()))
        rows = [(name, self._args(rng, row)) for name, row in self.fixed]
        drawn = (self._random_args(rng) for _ in range(100 * self.n_random))
        rows += [(f"random case {i + 1}", args) for i, args in zip(range(self.n_random), filter(None, drawn))]
        return [Case(name, dict(zip(self.args, values, strict=True))) for name, values in rows]

    def _args(self, rng, row) -> tuple:
        return tuple(self.build(rng, *row) if self.build else row)

    def _random_args(self, rng) -> tuple | None:
        """A random row's arguments, or None when the reference refuses them (a kernel larger than the image...)."""
        try:
            args = self._args(rng, self.random(rng) if callable(self.random) else ints(rng, *self.random))
            self.reference(*copy.deepcopy(args))
        except ValueError:
            return None
        return args


def normal(rng: np.random.Generator, *shapes) -> tuple[np.ndarray, ...]:
    """Standard normal arrays of the given shapes, for the ``build`` functions of the task tables."""
    return tuple(rng.normal(size=shape) for shape in shapes)


def ints(rng: np.random.Generator, low, high, size=None) -> tuple[int, ...]:
    """Python ints drawn from ``[low, high)`` (element by element), for the random rows of the task tables."""
    return tuple(int(v) for v in rng.integers(low, high, size))


def show(value, limit: int = 100, depth: int = 0) -> str:
    """A compact, readable form of an argument or answer: arrays by shape (small ones in full), nested tuples."""
    value = value.item() if isinstance(value, np.generic) else value  # 3, not np.int64(3)
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return f"a 0-d array holding {value.item()!r}"
        if value.size <= 8 and value.dtype.kind in "biuf":
            return f"array({(np.round(value, 6) if value.dtype.kind == 'f' else value).tolist()!r})"
        return f"array of shape {value.shape}"
    if isinstance(value, (tuple, list)) and len(value) <= 12 and depth < 4:
        inner = ", ".join(show(item, limit, depth + 1) for item in value)
        text = f"({inner}{',' if len(value) == 1 else ''})" if isinstance(value, tuple) else f"[{inner}]"
    elif isinstance(value, (np.floating, float)):
        text = f"{float(value):.6g}"
    elif callable(value) and hasattr(value, "__name__"):
        text = value.__name__
    else:
        try:
            text = repr(value)
        except Exception:  # an answer whose repr fails
            text = f"<a {type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _kind(value) -> str:
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return "a single number (a 0-d NumPy array)" if value.ndim == 0 else f"a NumPy array of shape {value.shape}"
    name = type(value).__name__
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


def _number(value):
    """``value`` as a built-in int or float when it is one (0-d numeric arrays included, bools excluded), else None.
    Read with the base classes' methods, so that an answer's own ``==``, ``__float__`` or ``item`` has no say."""
    if isinstance(value, np.ndarray | np.generic) and value.dtype.kind in "iuf" and not value.ndim:
        value = (np.ndarray if isinstance(value, np.ndarray) else np.generic).item(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int.__int__(value) if isinstance(value, int) else float.__float__(value)


def _shape_note(expected: tuple, got: tuple) -> str:
    if len(got) == len(expected) and got == expected[1:] + expected[:1]:
        return " -- the maps axis is last; the course writes it first: (maps, height, width)"
    if len(got) == len(expected) and sorted(got) == sorted(expected):
        return " -- the right sizes in another order: check which axis is which"
    if len(got) == len(expected) + 1:
        return " -- one axis too many: is a sum (or a squeeze) missing?"
    if len(got) + 1 == len(expected):
        return " -- one axis too few: was an axis summed away or dropped?"
    if len(got) == len(expected) and got[1:] == expected[1:]:
        return f" -- the number of maps (axis 0) differs: {got[0]} instead of {expected[0]}"
    return ""


def compare(expected, got, *, rtol: float = 1e-6, atol: float = 1e-8, at: str = "") -> str | None:
    """How ``got`` differs from ``expected`` (``None`` when they agree).

    Numbers compare by value (an ``int`` answer may be any number equal to it),
    tuples and lists item by item (either kind, or a 1-d array, is accepted),
    arrays by shape and then values (any array-like of that shape is accepted).

    >>> print(compare(((1335, 39, 310), (39, 310)), ((1337, 42, 314), (42, 314))))
    at [0][0]: expected 1335, got 1337
    >>> print(compare((4, 1), np.array(4.0)))
    expected a tuple of 2 items, got a single number (a 0-d NumPy array): a 0-d array holding 4.0
    """
    where = f"at {at}: " if at else ""
    if got is None and expected is not None:
        return where + "got None (did the function forget to `return` its result?)"
    if isinstance(expected, (bool, np.bool_)):
        if isinstance(got, np.ndarray) and got.shape == () and got.dtype == bool:
            got = bool(got)
        if not isinstance(got, (bool, np.bool_)):
            return f"{where}expected True or False, got {_kind(got)}: {show(got)}"
        return None if bool(got) == bool(expected) else f"{where}expected {bool(expected)}, got {bool(got)}"
    if _number(expected) is not None:
        number = _number(got)
        if number is None:
            return f"{where}expected a number, got {_kind(got)}: {show(got)}"
        if isinstance(expected, (numbers.Integral, np.integer)):
            whole = "" if isinstance(number, numbers.Integral) or float(number).is_integer() else " (a whole number)"
            return None if number == expected else f"{where}expected {expected}{whole}, got {show(number)}"
        if math.isclose(number, expected, rel_tol=rtol, abs_tol=atol) or (math.isnan(number) and math.isnan(expected)):
            return None
        return f"{where}expected {show(expected)}, got {show(number)}"
    if isinstance(expected, (tuple, list)):
        if isinstance(got, np.ndarray) and got.ndim == 1:
            got = np.ndarray.tolist(got)
        if isinstance(got, (tuple, list)):  # its items as stored, whatever a subclass's len, iteration and == say
            got = (tuple if isinstance(got, tuple) else list).__getitem__(got, slice(None))
        else:
            return f"{where}expected a tuple of {len(expected)} items, got {_kind(got)}: {show(got)}"
        if len(got) != len(expected):
            return f"{where}expected {len(expected)} items, got {len(got)}: {show(got)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            problem = compare(e, g, rtol=rtol, atol=atol, at=f"{at}[{i}]")
            if problem is not None:
                return problem
        return None
    if isinstance(expected, np.ndarray):
        return _compare_arrays(expected, got, rtol, atol, where)
    try:
        return None if bool(got == expected) else f"{where}expected {show(expected)}, got {show(got)}"
    except Exception:  # an answer whose == cannot be evaluated
        return f"{where}expected {show(expected)}, got {_kind(got)}"


def _compare_arrays(expected: np.ndarray, got, rtol: float, atol: float, where: str) -> str | None:
    if type(got) is not np.ndarray and hasattr(got, "__array__") and not isinstance(got, (np.generic, numbers.Number)):
        # a masked array, a torch tensor: its values
        try:
            got = np.asarray(got)
        except Exception:  # an __array__ that fails
            return f"{where}expected a NumPy array of shape {expected.shape}, got {_kind(got)} that NumPy cannot read"
    if not isinstance(got, np.ndarray):
        if not isinstance(got, (list, tuple)):
            return f"{where}expected a NumPy array of shape {expected.shape}, got {_kind(got)}: {show(got)}"
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            return f"{where}expected a NumPy array of shape {expected.shape}, got a {type(got).__name__} (use np.array)"
    if got.shape != expected.shape:
        return f"{where}expected shape {expected.shape}, got shape {got.shape}{_shape_note(expected.shape, got.shape)}"
    if got.dtype.kind not in "biuf":
        return f"{where}expected real numbers, got an array of dtype {got.dtype}"
    got_f, exp_f = np.ndarray.astype(got, np.float64), expected.astype(np.float64)
    if got.dtype.kind == "f" and got.dtype.itemsize < 8:  # single precision is right to about 1e-6 of the scale
        rtol, atol = max(rtol, 1e-4), max(atol, 1e-5 * float(np.max(np.abs(exp_f), initial=1.0)))
    same = np.isclose(got_f, exp_f, rtol=rtol, atol=atol, equal_nan=True)
    if same.all():
        return None
    diff = np.where(same, 0.0, np.abs(got_f - exp_f))
    index = np.unravel_index(np.argmax(np.where(np.isnan(diff), np.inf, diff)), diff.shape)
    return (
        f"{where}{int((~same).sum())} of {same.size} values differ; the largest difference is at index "
        f"{tuple(int(i) for i in index)}: expected {exp_f[index]:.6g}, got {got_f[index]:.6g}"
    )


def _safe_compare(expected, got) -> str | None:
    try:  # compare(), with any failure of an exotic answer reported instead of raised
        return compare(expected, got)
    except Exception as exc:  # e.g. an answer whose conversion to a number overflows
        return f"your answer could not be compared with the expected one ({type(exc).__name__}: {exc})"


def _changed(before, after, name: str) -> str | None:
    """How the student's call changed argument ``name`` (``None`` when it did not)."""
    try:
        if isinstance(before, np.ndarray):
            if not isinstance(after, np.ndarray) or after.shape != before.shape:
                return f"{name} was replaced or reshaped in place"
            if np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"):
                return None
            index = tuple(int(i) for i in np.argwhere(before != after)[0])
            return f"{name}[{', '.join(map(str, index))}] was {show(before[index])}, now {show(after[index])}"
        if isinstance(before, (list, tuple)):
            if type(after) is not type(before) or len(after) != len(before):
                return f"{name} was changed in place"
            return next((c for i, b in enumerate(before) if (c := _changed(b, after[i], f"{name}[{i}]"))), None)
        return None if callable(before) or bool(before == after) else f"{name} was changed in place"
    except Exception:  # contents replaced by something that cannot even be compared, or no usable ==
        return f"{name} was changed in place"


def _student_file(filename: str) -> bool:
    return not filename.startswith(_LIBRARY) and not filename.startswith("<frozen")


def where_raised(exc: BaseException) -> str:
    """The student's own frames of a traceback: ``in f, line 3: return n / s`` (innermost last)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if _student_file(f.filename)]
    same = [(a.filename, a.lineno) == (b.filename, b.lineno) for a, b in zip(frames, frames[1:])]
    frames = [f for f, repeat in zip(frames, [False, *same]) if not repeat]  # a comprehension: its function's line
    return "; ".join(f"in {f.name}, line {f.lineno}" + (f": {f.line}" if f.line else "") for f in frames[-2:])


def call_with_time_limit(func, args: tuple, max_lines: int | None = None, forbid: dict | None = None):
    """Call ``func(*args)`` in a helper thread; return ``(result, error, timed_out, lines, used)``. Time spent
    importing does not count; an overrunning call is stopped (SystemExit in its thread). ``lines`` counts the Python
    lines run in the student's own files when ``max_lines`` is set; ``used`` names the first ``forbid`` function
    (see :func:`forbidden_keys`) the call reached."""
    box: dict[str, Any] = {"lines": 0 if max_lines else None, "used": None}

    def local(frame, event, arg):
        box["lines"] += event == "line"
        return local

    def tracer(frame, event, arg):  # the student's files (a notebook's cells are files); not generated "<string>" code
        name = frame.f_code.co_filename
        return local if _student_file(name) and not name.startswith("<") else None

    def profile(frame, event, arg):  # every call, however the student's code reached the function
        if event == "call" and not box["used"]:
            box["used"] = forbid.get(f"{frame.f_globals.get('__name__')}.{frame.f_code.co_qualname}")
        elif event == "c_call" and not box["used"]:
            box["used"] = forbid.get(_key(arg))

    def target():
        sys.settrace(tracer if max_lines else None)
        sys.setprofile(profile if forbid else None)
        try:
            box["result"] = func(*args)
        except BaseException as exc:  # the student's exception, reported as feedback
            box["error"] = exc
        finally:
            sys.settrace(None)
            sys.setprofile(None)

    worker = threading.Thread(target=target, daemon=True, name="convutil-check")
    deadline, hard_stop = time.monotonic() + TIME_LIMIT, time.monotonic() + 20 * TIME_LIMIT
    worker.start()
    while worker.is_alive() and time.monotonic() < min(deadline, hard_stop):
        worker.join(0.02)
        frame = sys._current_frames().get(worker.ident)
        if frame and any("importlib._bootstrap" in f.f_code.co_filename for f, _ in traceback.walk_stack(frame)):
            deadline = time.monotonic() + TIME_LIMIT  # time spent importing does not count
    if worker.is_alive():  # stop it: SystemExit in its thread at its next Python step (a C call runs to its end)
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident), ctypes.py_object(SystemExit))
        return None, None, True, box["lines"], box["used"]
    return box.get("result"), box.get("error"), False, box["lines"], box["used"]


def _key(value) -> str | None:
    """Where a function is defined (``convutil.core.conv2d``), as the profiler sees its calls; None for others."""
    if isinstance(value, FunctionType):
        return f"{value.__globals__.get('__name__')}.{value.__code__.co_qualname}"
    return f"{value.__module__}.{value.__qualname__}" if isinstance(value, BuiltinFunctionType) else None


def forbidden_keys(names: tuple[str, ...]) -> dict[str, str]:
    """``{key: name}`` for the functions ``names``: convutil's (``conv2d``) and those of modules already imported
    (``torch.autograd.grad``). A call is recognised by where the function is defined, however the code reached it."""
    from .. import core, counting, crossmap, types

    found = {n: getattr(m, n) for n in names for m in (core, types, counting, crossmap) if hasattr(m, n)}
    for name in (n for n in names if "." in n):
        module, _, attr = name.rpartition(".")
        found.setdefault(name, getattr(sys.modules.get(module), attr, None))
    return {_key(function) or name: name for name, function in found.items()}


_Outcome = namedtuple("_Outcome", "case expected got problem")  # one case: what was expected, got, and how it differs


def _matches(m: Misconception, outcomes: list[_Outcome]) -> bool:
    """True when ``m`` predicts the answer on every case where it applies, and some case fails."""
    explained = False
    for o in outcomes:
        try:
            wrong = m.wrong(*o.case.args.values())
            got, expected = (o.got[m.part], o.expected[m.part]) if m.part is not None else (o.got, o.expected)
        except Exception:  # the formula or the part does not apply to this case
            continue
        if _safe_compare(wrong, got) is not None:
            return False
        explained = explained or _safe_compare(expected, got) is not None
    return explained


def _fmt(text: str, **fields) -> str:
    try:
        return text.format(**fields)
    except Exception:  # a field the case does not have, or an answer that cannot be indexed
        return text


def _hints(task: Task, outcomes: list[_Outcome], first: _Outcome) -> str:
    fields = {**first.case.args, "got": first.got, "expected": first.expected}
    hints = [_fmt(m.hint, **fields) for m in task.misconceptions if _matches(m, outcomes)]
    hints = list(dict.fromkeys(hints)) or ([_fmt(task.hint, **fields)] if task.hint else [])
    reveal = [f"Still stuck? {task.reveal}"] if task.reveal and _FAILURES[task.name] >= REVEAL_AFTER else []
    return "\n".join([f"Hint: {h}" for h in hints] + reveal)


# fmt: off
#: The feedback for everything but a wrong value; fields: task, case, call, used, rule, limit, error, where, ...
MESSAGES = {
    "rule": '{task} broke a rule of this task on the case "{case}":\n  call:  {call}\n  it used {used}, which this task asks you not to use.\nHint: {rule}',
    "time": '{task} took longer than {limit:g} s on the case "{case}" and was stopped:\n  call: {call}\nIs there a loop that never ends, or one much slower than it needs to be? (A call stuck inside a library function may go on in the background: if the notebook feels slow, restart the kernel.)',
    "blank": "{task} is not written yet: it raised NotImplementedError.\nReplace `# YOUR CODE HERE` and `raise NotImplementedError()` with your code, run that cell, then run this check again.",
    "error": '{task} raised an error on the case "{case}":\n  call:  {call}\n  error: {error}\n  where: {where}\nRun that call yourself in a new cell to see the whole traceback.',
    "changed": '{task} changed its input on the case "{case}":\n  call:    {call}\n  changed: {changed}\nHint: your function changed its input. A function must not modify its arguments: the caller still needs them. Work on a copy (a.copy()) or build a new array; `a += b`, `a[...] = ...` and `np.add(..., out=a)` write into a.',
    "loops": '{task} is not vectorized on the case "{case}":\n  call:  {call}\n  it ran {lines} lines of Python (at most {max_lines} expected).\nHint: {rule}',
    "unset": "{task} is not set yet (it is None): replace `raise NotImplementedError()` with your code that assigns {task}, run that cell (if it raised an error, fix that first), then run this check again.",
    "not callable": "This check expects your function {task} itself, e.g. check_{task}({task}); it got {got}.",
    "wrong": '{task} is not right yet on the case "{case}"{more}:\n  call:     {call}\n  expected: {expected}\n  got:      {got}\n  problem:  {problem}\n{hints}',
    "wrong value": "{task} is not right yet{given}:\n  expected: {expected}\n  got:      {got}\n  problem:  {problem}\n{hints}",
    "verify": '{task} is not right yet on the case "{case}":\n  expected: {expected}\n  got:      {got}\nHint: {hint}',
}
# fmt: on


def _fail(task: Task, kind: str, **fields):
    _FAILURES[task.name] += 1
    text = MESSAGES[kind].format(task=task.name, rule=task.rule, max_lines=task.max_lines, **fields)
    raise CheckFailed(text.replace("\n  where: \n", "\n").rstrip()) from None


def _call_problem(error, timed_out, lines, used, changed, max_lines) -> tuple[str, dict] | None:
    """What went wrong in a call that gave no answer to compare (rule, time-out, error, changed input, loops)."""
    if used:
        return "rule", {"used": used}
    if timed_out:
        return "time", {"limit": TIME_LIMIT}
    if isinstance(error, NotImplementedError):
        return "blank", {}
    if error is not None:
        return "error", {"error": f"{type(error).__name__}: {error}", "where": where_raised(error)}
    if changed:
        return "changed", {"changed": changed}
    if lines is not None and lines > max_lines:
        return "loops", {"lines": lines}
    return None


def _run_calls(task: Task, func, cases: list[Case], expected: list) -> list[_Outcome]:
    """Call ``func`` on every case (rules in force); fail at once on a call that gives no answer."""
    outcomes = []
    for case, right in zip(cases, expected):  # the forbidden functions looked up anew: a module the call imported
        args, forbid = copy.deepcopy(tuple(case.args.values())), forbidden_keys(task.forbid)
        result, error, timed_out, lines, used = call_with_time_limit(func, args, task.max_lines, forbid)
        changes = (_changed(a, b, n) for n, a, b in zip(case.args, case.args.values(), args))
        changed = next((c for c in changes if c), None)
        problem = _call_problem(error, timed_out, lines, used, changed, task.max_lines)
        if problem and (used or changed or not any(o.problem for o in outcomes)):
            _fail(task, problem[0], case=case.name, call=case.call_text(task.name), **problem[1])
        if problem:  # an earlier case already failed on its value: report that one first
            break
        outcomes.append(_Outcome(case, right, result, _safe_compare(right, result)))
    return outcomes


def run(task: Task, answer) -> None:
    """Check ``answer`` (the student's function, or value) against ``task``: print a pass line or raise CheckFailed."""
    __tracebackhide__ = True
    cases = [] if task.verify else task.cases()
    if task.verify is not None:
        failure = task.verify(answer)
        if failure:
            _fail(task, "verify", **dict(zip(("case", "expected", "got", "hint"), failure)))
    elif task.value and answer is None:
        _fail(task, "unset")
    elif not task.value and not callable(answer):
        _fail(task, "not callable", got=f"{_kind(answer)}: {show(answer)}")
    expected = [task.reference(*copy.deepcopy(tuple(c.args.values()))) for c in cases]
    if task.value:
        outcomes = [_Outcome(c, e, answer, _safe_compare(e, answer)) for c, e in zip(cases, expected)]
    else:
        outcomes = _run_calls(task, answer, cases, expected)
    failed = [o for o in outcomes if o.problem is not None]
    if not failed:
        noun = "is right" if task.value or task.verify else f"passes all {len(cases)} case{'s' * (len(cases) != 1)}"
        print(f"{PASS_MARK} {task.name} {noun}. Well done!")
        return
    first, more = failed[0], f" (and {len(failed) - 1} more of the {len(outcomes)} cases)" if len(failed) > 1 else ""
    given = ", ".join(f"{k}={show(v)}" for k, v in first.case.args.items())
    fields = {"expected": show(first.expected), "got": show(first.got), "problem": first.problem}
    fields |= {"hints": _hints(task, outcomes, first)}
    if task.value:
        _fail(task, "wrong value", given=f" (with {given})" if given else "", **fields)
    _fail(task, "wrong", case=first.case.name, more=more, call=first.case.call_text(task.name), **fields)


def _checker(task: Task) -> Callable[..., None]:
    def check(answer, *more) -> None:
        __tracebackhide__ = True
        run(task, (answer, *more) if more else answer)

    check.__name__ = check.__qualname__ = f"check_{task.name}"
    check.__doc__ = f"Check ``{task.name}`` (exercise {task.exercise}): prints {PASS_MARK}, or raises CheckFailed."
    return check


def publish(namespace: dict, *tasks: Task) -> tuple[Task, ...]:
    """Give a chapter module (its ``globals()``) a ``check_<name>`` per task and an ``__all__`` listing them.

    >>> space = {}
    >>> _ = publish(space, Task("double", ("x",), lambda x: 2 * x, "ex", "ch", fixed=(("one", (1,)),)))
    >>> space["check_double"](lambda x: x + x)
    ✔ double passes all 1 case. Well done!
    """
    namespace.update({f"check_{task.name}": _checker(task) for task in tasks})
    namespace["__all__"] = ["TASKS", *(f"check_{task.name}" for task in tasks)]
    return tasks
