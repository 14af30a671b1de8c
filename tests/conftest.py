"""Shared pytest configuration: hypothesis profiles for the property tests, and the
``rejects`` fixture the exercise mutation tests (``test_mutations_NN.py``) share.

``HYPOTHESIS_PROFILE=thorough python -m pytest tests/test_core_*.py`` runs ten
times more examples than the default profile, which keeps the whole property
suite well under a minute on a 2-core machine.
"""

import os

# One BLAS thread per process, set before any worker or notebook kernel starts
# (they inherit the environment): the test runner already keeps every core busy
# with its own workers, and oversubscribed BLAS threads made a newcomer's run of
# the README command several times slower than CI's. An explicit setting wins.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from convutil.checks import PASS_MARK, CheckFailed  # noqa: E402

settings.register_profile(
    "course",
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", parent=settings.get_profile("course"), max_examples=400)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "course"))


@pytest.fixture
def rejects(capsys):
    """A function that asserts a checker rejects a wrong answer with feedback a student can act on.

    ``rejects(checker, wrong, *hint_words, case='"', call=True)`` runs
    ``checker(wrong)`` (``checker(*wrong)`` when ``wrong`` is a tuple of values for a
    two-value checker: pass ``spread=True``) and asserts that it raises ``CheckFailed``
    whose message

    * names the case: it contains ``"on the case " + case`` (by default just
      the opening quote; pass the quoted name to pin the case);
    * shows the call (``"call:"``) unless ``call=False`` (a value, not a function);
    * shows ``"expected:"`` and ``"got:"`` when the answer was wrong (rather than
      raising, breaking a rule or changing its input);
    * contains every one of ``hint_words`` and no ``Traceback``;

    and that the checker printed no pass mark. Returns the message, for further checks.
    """

    def check(checker, wrong, *hint_words, case='"', call=True, spread=False):
        with pytest.raises(CheckFailed) as info:
            checker(*wrong) if spread else checker(wrong)
        message = str(info.value)
        parts = [f"on the case {case}"] if call else []
        parts += ["call:"] if call else []
        parts += ["expected:", "got:"] if "is not right yet" in message else []
        for part in parts + list(hint_words):
            assert part in message, f"{part!r} is missing from the feedback:\n{message}"
        assert "Traceback" not in message, message
        assert PASS_MARK not in capsys.readouterr().out
        return message

    return check
