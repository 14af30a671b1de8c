"""Exercise checkers with kind, specific feedback: every task is data, one engine runs them.

A notebook imports its chapter's module (``from convutil.checks import counting as checks``) and each check cell
makes one call, ``checks.check_output_size(output_size)``: it prints a line starting with ``✔`` or raises
:class:`CheckFailed` (an ``AssertionError``) naming the case, the call, expected versus got, and a hint. A ``None``,
wrong type or shape, exception, endless loop, changed input or forbidden shortcut becomes such a message, never a
traceback from inside the checker. Modules by chapter: ``counting`` (1), ``stack`` (2), ``cost`` (3), ``evidence``
(4), ``grouped`` (5), ``pooling`` (6), ``volumes`` (7), ``network`` (8), ``backward`` (9).

How to add a task
=================

1. In the chapter's module, describe it as a :class:`Task` (:mod:`convutil.checks._engine` documents the fields)::

       OUTPUT_SIZE = T("output_size", ("n", "k", "s", "p", "d"), conv_output_size,  # the reference, from convutil
           fixed=(("1x1 kernel", (5, 1, 1, 0, 1)), ...),  # edge cases first: 1x1, one map, non-square, stride...
           random=((1, 1, 1, 0, 1), (65, 8, 5, 4, 4)), n_random=20,  # int bounds, or a function of a seeded rng
           misconceptions=(("padding ignored", lambda n, k, s, p, d: ..., "the hint"), ...),  # label, wrong, hint
           hint="the concept, not the formula", reveal="more, after repeated failures",
           forbid=("conv2d",), rule="why the shortcut is not allowed")  # optional rules

   and add it to the module's ``TASKS = publish(globals(), ...)``, which exports ``check_output_size``. A
   misconception's hint is shown only when its formula explains the answer on every case (a 4th item ``i`` compares
   item ``i`` of a tuple answer). A value task (``value=True``) has one fixed case holding the given quantities (put
   ``name = None`` before the solution region); an open-ended task passes ``verify=`` instead of a reference.
2. In ``solutions/NN-topic.ipynb`` put the answer between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` and a
   check cell with one checker call (keep its ``id`` stable); ``python tools/make_exercises.py`` writes the exercise.
3. ``tests/test_mutations.py`` derives from the tables that every misconception is rejected with its own hint; add
   independently written wrong answers (and unusual right ones) to ``tests/test_mutations_NN.py``.
"""

from __future__ import annotations

import importlib

from ._engine import PASS_MARK, TIME_LIMIT, Case, CheckFailed, Misconception, Task, checker, compare, run

#: The checker modules, in chapter order.
MODULES = ("counting", "stack", "cost", "evidence", "grouped", "pooling", "volumes", "network", "backward")

__all__ = ["CheckFailed", "Case", "Misconception", "Task", "checker", "run", "compare", "catalogue", "tasks"]
__all__ += ["PASS_MARK", "TIME_LIMIT", "MODULES"]


def tasks() -> list[Task]:
    """Every :class:`Task` of every checker module, in chapter order.

    >>> [task.name for task in tasks()][:2]
    ['output_size', 'output_shape']
    """
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
