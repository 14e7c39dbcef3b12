"""Hypothesis profiles of the suite: "ci" (the full run) and "everyday" (the quick run).

``conftest.py`` loads one of them before any test module is imported:

* ``ci``: Hypothesis's own default of 100 examples, so every test keeps the count written in
  its ``@settings`` (``examples(n)`` is ``n``). Used by CI (``.ci/run``:
  ``python -m pytest -n auto``), whenever the ``slow`` tests are not deselected, and whenever
  ``CI`` or ``MAGNERVE_FULL_TESTS`` is set.
  ``ci`` is derandomized: the same examples on every run, so that CI passes or fails by the
  code, not by the draw (a run that happens on a new failing case is not a flaky CI; cases
  are found by the two profiles below and by the atheris fuzzers, then kept as tests).
* ``everyday``: a tenth of that (10 examples by default; ``examples(n)`` is ``ceil(n / 10)``),
  for ``python -m pytest -m "not slow"``. Every property still runs, on fewer examples, drawn
  afresh each run.
* ``explore``: the full counts, drawn afresh (``python -m pytest -n auto --hypothesis-profile
  explore``): a search for new failing cases, e.g. before a release.

``--hypothesis-profile NAME`` on the command line overrides the choice.
"""

from __future__ import annotations

import math

from hypothesis import settings

__all__ = ["CI", "EVERYDAY", "EXPLORE", "examples"]

CI = "ci"
EVERYDAY = "everyday"
EXPLORE = "explore"

# Hypothesis's default (100): the counts the suite was written with.
settings.register_profile(CI, max_examples=100, derandomize=True)
# The full counts drawn afresh: a search for new failing cases.
settings.register_profile(EXPLORE, max_examples=100)
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
