"""Shared pytest configuration: hypothesis profiles for the property tests.

``HYPOTHESIS_PROFILE=thorough python -m pytest tests/test_core_*.py`` runs ten
times more examples than the default profile, which keeps the whole property
suite well under a minute on a 2-core machine.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "course",
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", parent=settings.get_profile("course"), max_examples=400)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "course"))
