"""Exercise checkers with kind, specific feedback: every task is data, one engine runs them.

Each exercise notebook imports the checkers of its chapter, e.g.
``from convutil.checks import counting as checks``, and each check cell calls
one of them with the student's function (or value):
``checks.check_output_size(output_size)``. A passing check prints one line
starting with ``✔``; otherwise it raises :class:`CheckFailed` (an
``AssertionError``) whose message names the failing case, the call, expected
versus got, and a hint. A student's ``None``, wrong type or shape, exception,
endless loop, changed input or forbidden shortcut becomes such a message,
never a traceback from inside the checker.

One module per chapter: ``counting`` (1), ``stack`` (2), ``cost`` (3),
``evidence`` (4), ``grouped`` (5), ``pooling`` (6), ``volumes`` (7),
``network`` (8), ``backward`` (9). :func:`catalogue` lists every task.

How to add a task
=================

1. In the chapter's module, describe the task as a :class:`Task` (the engine,
   :mod:`convutil.checks._engine`, documents every field) and export its
   checker::

       OUTPUT_SIZE = Task(
           name="output_size", exercise="01-counting-maps-and-parameters", chapter="01-the-question",
           args=("n", "k", "s", "p", "d"),
           reference=conv_output_size,                      # from convutil: never re-implement it here
           fixed=(("1x1 kernel", (5, 1, 1, 0, 1)), ...),    # edge cases first: 1x1, one map, non-square, stride...
           random=lambda rng: ..., n_random=20,             # one random row; the generator is seeded per task
           misconceptions=(Misconception("padding ignored", lambda n, k, s, p, d: ..., "hint"), ...),
           hint="the concept, not the formula", reveal="more, after repeated failures",
           forbid=("conv2d",), rule="why the shortcut is not allowed",   # optional rules
       )
       check_output_size = checker(OUTPUT_SIZE)

   A misconception's hint is shown only when its wrong formula reproduces the
   student's answer on every case it applies to (``part=i`` compares item
   ``i`` of a tuple answer). A value task (``value=True``) has one fixed case
   whose values are the given quantities; put ``name = None`` before the
   solution region so the blank notebook reaches the check. Open-ended tasks
   pass ``verify=`` instead of a reference. Add the task to the module's
   ``TASKS`` and the module to :data:`MODULES`.
2. In ``solutions/NN-topic.ipynb`` write the task's markdown, a code cell with
   the answer between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, and a
   check cell with one checker call (keep its cell ``id`` stable: graders find
   check cells by it); ``python tools/make_exercises.py`` writes the student
   notebook.
3. ``tests/test_mutations.py`` derives from the tables that every catalogued
   misconception is rejected with its own hint; add independently written
   wrong answers (and unusual right ones) to ``tests/test_mutations_NN.py``.
"""

from __future__ import annotations

import importlib

from ._engine import PASS_MARK, TIME_LIMIT, Case, CheckFailed, Misconception, Task, checker, compare, run

#: The checker modules, in chapter order.
MODULES = ("counting", "stack", "cost", "evidence", "grouped", "pooling", "volumes", "network", "backward")

__all__ = [
    "CheckFailed",
    "Case",
    "Misconception",
    "Task",
    "checker",
    "run",
    "compare",
    "catalogue",
    "tasks",
    "PASS_MARK",
    "TIME_LIMIT",
    "MODULES",
]


def tasks() -> list[Task]:
    """Every :class:`Task` of every checker module, in chapter order."""
    return [task for name in MODULES for task in importlib.import_module(f"{__name__}.{name}").TASKS]


def catalogue() -> list[dict]:
    """One dict per task: exercise, task, checker, chapter and the misconceptions with their hints.

    >>> entry = catalogue()[0]
    >>> entry["exercise"], entry["task"], entry["checker"], entry["chapter"]
    ('01-counting-maps-and-parameters', 'output_size', 'check_output_size', '01-the-question')
    >>> entry["misconceptions"][0][0]
    'true division'
    """
    return [
        {
            "exercise": task.exercise,
            "task": task.name,
            "checker": f"check_{task.name}",
            "chapter": task.chapter,
            "misconceptions": [(m.label, m.hint) for m in task.misconceptions],
        }
        for task in tasks()
    ]
