"""Shared pytest / hypothesis configuration for the pluralign test suite."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Property tests compare against slow pure-Python references; keep them bounded so the whole
# suite stays well under a minute on two cores.  `deadline=None`: the first call into the
# extension (thread pool start-up) can be slow and must not count as a flaky failure.
settings.register_profile(
    "pluralign",
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile(
    "thorough",
    parent=settings.get_profile("pluralign"),
    max_examples=2000,
)
# `PLURALIGN_HYPOTHESIS_PROFILE=thorough pytest tests` for a longer hunt.
settings.load_profile(os.environ.get("PLURALIGN_HYPOTHESIS_PROFILE", "pluralign"))
