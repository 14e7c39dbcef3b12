"""Hypothesis profiles of the suite: "ci" (the full run) and "everyday" (the quick run).

``conftest.py`` loads one of them before any test module is imported:

* ``ci``: Hypothesis's own default of 100 examples, so every test keeps the count written in
  its ``@settings`` (``examples(n)`` is ``n``). Used by CI (``.ci/run``:
  ``python -m pytest -n auto``), whenever the ``slow`` tests are not deselected, and whenever
  ``CI`` or ``MAGNERVE_FULL_TESTS`` is set.
* ``everyday``: a tenth of that (10 examples by default; ``examples(n)`` is ``ceil(n / 10)``),
  for ``python -m pytest -m "not slow"``. Every property still runs, on fewer examples.

``--hypothesis-profile NAME`` on the command line overrides the choice.
"""

from __future__ import annotations

import math

from hypothesis import settings

__all__ = ["CI", "EVERYDAY", "examples"]

CI = "ci"
EVERYDAY = "everyday"

# Hypothesis's default (100): the counts the suite was written with.
settings.register_profile(CI, max_examples=100)
# The quick run: a tenth of the examples of every property test.
settings.register_profile(EVERYDAY, max_examples=10)


def examples(n: int) -> int:
    """Examples for a property test that runs ``n`` in the full (CI) run.

    Parameters
    ----------
    n : int
        The test's example count in the full run [examples].

    Returns
    -------
    int
        ``n`` scaled by the loaded profile's ``max_examples`` relative to the CI profile's
        (``n`` under ``ci``, ``ceil(n / 10)`` under ``everyday``), at least 1 [examples].
    """
    share = settings.default.max_examples / settings.get_profile(CI).max_examples
    return n if share == 1 else max(1, math.ceil(n * share))
