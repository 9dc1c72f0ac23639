"""Which hidden checks a page runs: everywhere, or only where the site is built.

Most hidden asserts on a page hold on any machine (a loss agrees with the closed form,
two frameworks agree). A few only make sense on the machine that builds the site:
orderings of timings, and agreement with the lecture's printed floats to the last bit.
Pages wrap those in ``if build_checks():`` so that a reader who downloads a notebook
and runs it on other hardware is not stopped by a check about *our* hardware.

The site build (``tools/build.sh``) and the test suite's page runs set
``OPTIMLAB_BUILD_CHECKS=1``; a reader's Jupyter or Colab session does not.
"""

from __future__ import annotations

import os

ENV = "OPTIMLAB_BUILD_CHECKS"


def build_checks(environ=None) -> bool:
    """True where build-only checks run (``OPTIMLAB_BUILD_CHECKS=1``).

    ``environ`` defaults to ``os.environ``.

    >>> build_checks({ENV: "1"}), build_checks({ENV: "0"}), build_checks({})
    (True, False, False)
    """
    environ = os.environ if environ is None else environ
    return environ.get(ENV, "") == "1"
