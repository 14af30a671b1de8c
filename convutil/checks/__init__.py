"""Exercise checkers with kind, specific feedback: every task is data (a :class:`Task`), one engine runs them.

A check cell makes one call, ``checks.check_output_size(output_size)``: it prints ``✔ ...`` or raises
:class:`CheckFailed` (an ``AssertionError``) naming the case, the call, expected versus got, and a hint; a wrong type,
exception, endless loop, changed input or forbidden shortcut becomes such a message too. Modules by chapter, in
:data:`MODULES`; how to add a task: CONTRIBUTING.md, "Exercises".
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
