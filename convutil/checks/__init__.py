"""Exercise checkers with kind, specific feedback: every task is data, one engine runs them.

A notebook imports its chapter's module (``from convutil.checks import counting as checks``) and each check cell
makes one call, ``checks.check_output_size(output_size)``: it prints a line starting with ``✔`` or raises
:class:`CheckFailed` (an ``AssertionError``) naming the case, the call, expected versus got, and a hint. A ``None``,
wrong type or shape, exception, endless loop, changed input or forbidden shortcut becomes such a message, never a
traceback from inside the checker. Modules by chapter: ``counting`` (1), ``stack`` (2), ``cost`` (3), ``evidence``
(4), ``grouped`` (5), ``pooling`` (6), ``volumes`` (7), ``network`` (8), ``backward`` (9). How to add a task:
CONTRIBUTING.md, "Exercises"; the fields of a task: :class:`Task`.
"""

from __future__ import annotations

import importlib

from ._engine import PASS_MARK, TIME_LIMIT, Case, CheckFailed, Misconception, Task, compare, publish, run

#: The checker modules, in chapter order.
MODULES = ("counting", "stack", "cost", "evidence", "grouped", "pooling", "volumes", "network", "backward")

__all__ = ["CheckFailed", "Case", "Misconception", "Task", "publish", "run", "compare", "tasks"]
__all__ += ["PASS_MARK", "TIME_LIMIT", "MODULES"]


def tasks() -> list[Task]:
    """Every :class:`Task` of every checker module, in chapter order.

    >>> [task.name for task in tasks()][:2]
    ['output_size', 'output_shape']
    """
    return [task for name in MODULES for task in importlib.import_module(f"{__name__}.{name}").TASKS]
