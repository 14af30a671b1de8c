"""Exercise checkers with kind, specific feedback.

Each exercise notebook imports the checkers of its chapter, e.g.
``from convutil.checks import counting as checks``, and its check cells call
them with the student's function (or value): ``checks.check_output_size(output_size)``.
A checker runs fixed edge cases and seeded random cases against
:mod:`convutil`'s reference. When everything agrees it prints one line that
starts with ``✔``; otherwise it raises :class:`CheckFailed` (an
``AssertionError``) whose message names the case, the call, expected versus
got, and a hint. A student's ``None``, wrong type or shape, exception or
endless loop becomes such a message, never a traceback from inside the checker.

How to add an exercise
======================

1. **Write the checkers** in ``convutil/checks/<topic>.py`` (one module per
   chapter), built on :mod:`convutil.checks._feedback`. A checker takes the
   student's function, lists :class:`Case` objects (fixed edge cases first:
   1x1 kernels, one channel, non-square kernels and images, stride > 1,
   padding, dilation where relevant; then seeded random cases from
   ``np.random.default_rng(N)``; :func:`_feedback.make_cases` builds them from
   rows of values), names the reference from :mod:`convutil`, and lists the
   :class:`Misconception` objects it can recognise, each with a hint tied to
   the concept::

       from ..core import conv_output_size
       from ._feedback import Case, Misconception, check_function

       def check_output_size(output_size):
           \"\"\"Check ``output_size(n, k, s=1, p=0, d=1)`` (numpydoc, with an example).\"\"\"
           __tracebackhide__ = True          # hides this frame in IPython and pytest tracebacks
           cases = [Case("1x1 kernel", {"n": 5, "k": 1, "s": 1, "p": 0, "d": 1}), ...]
           check_function(
               output_size, cases, conv_output_size, task="output_size",
               misconceptions=[Misconception(lambda n, k, s, p, d: (n + p - k) // s + 1,
                                             "padding adds p zeros on EACH side: n + 2*p")],
               hint="the general hint when no misconception matches",
           )

   The student's function is called positionally with ``case.args``' values,
   under a time limit (:data:`_feedback.TIME_LIMIT` seconds per call). Answers
   are compared by :func:`_feedback.compare` (integers exactly; floats and
   arrays with tolerances; tuples item by item; arrays by shape, then values).
   For a single value (``n_maps = ...``) use :func:`check_value`, and put
   ``n_maps = None`` *before* the solution region so that the blank notebook
   reaches the check with ``None`` rather than raising ``NameError``.
   Export the checker in the module's ``__all__`` and give it a docstring
   example that passes (the doctests run in the test suite).

2. **Write the notebook** ``solutions/NN-topic.ipynb`` (NN = chapter number):
   an introduction with learning goals, then for each task a markdown cell,
   a code cell whose answer sits between ``### BEGIN SOLUTION`` and
   ``### END SOLUTION``, and a *check cell* that calls the checker. The
   function's ``def`` line and docstring stay outside the region so the
   student sees the signature. Numbers the prose states are computed with
   :mod:`convutil` (not the student's functions) and asserted, so that they
   hold in the blank notebook too. Every check cell carries nbgrader-style
   metadata with its points::

       {"nbgrader": {"grade": true, "grade_id": "output_size", "points": 2,
                     "locked": true, "schema_version": 3, "solution": false, "task": false}}

   ``grade_id`` must be unique in the notebook. (The format follows nbgrader's
   cell metadata, but the course does not test nbgrader itself; graders
   that read the same keys can use it.)

3. **Generate the student notebook**: ``python tools/make_exercises.py``
   writes ``exercises/NN-topic.ipynb`` (each solution region becomes
   ``# YOUR CODE HERE`` and ``raise NotImplementedError()``; check cells and
   cells that would raise at top level are tagged ``raises-exception``; outputs
   stripped) and refreshes ``_toc_instructor.yml`` and ``_config_instructor.yml``
   (the instructor edition, which publishes the solutions).
   ``python tools/make_exercises.py --check`` fails when any of them is out of
   date. Commit both notebooks; never edit ``exercises/`` by hand.

4. **Prove the checks are real**: ``tests/test_exercises.py`` picks up every
   notebook in ``solutions/`` by itself (the solution runs clean and every check
   passes; every check of the blank exercise fails for a student-facing
   reason). Add ``tests/test_mutations_NN.py`` with, for every task, plausible
   wrong answers that the checker must reject with a useful message.
"""

from ._feedback import PASS_MARK, TIME_LIMIT, Case, CheckFailed, Misconception, check_function, check_value, compare

__all__ = [
    "CheckFailed",
    "Case",
    "Misconception",
    "check_function",
    "check_value",
    "compare",
    "PASS_MARK",
    "TIME_LIMIT",
]
