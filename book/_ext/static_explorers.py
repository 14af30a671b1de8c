"""Kernel-free explorers in the published book, live widgets everywhere else.

A Sphinx extension, loaded by ``_config.yml`` (``sphinx.local_extensions``). The book
build executes every chapter in a Jupyter kernel that inherits this process's
environment. Setting ``CONVUTIL_STATIC_EXPLORERS=1`` here tells the explorers of
``convutil.widgets`` (see ``convutil.widgets.STATIC_ENV``) that a page is being built:
they then display their precomputed frames with plain HTML controls, which need no
kernel, and create no ipywidgets object (no unused widget state in the page). In a
live notebook the variable is unset and an explorer shows only its live widget, at
the cost of one rendered picture.
"""

from __future__ import annotations

import os

from sphinx.application import Sphinx

STATIC_ENV = "CONVUTIL_STATIC_EXPLORERS"  # = convutil.widgets.STATIC_ENV (a test checks they agree)


def setup(app: Sphinx) -> dict:
    os.environ[STATIC_ENV] = "1"  # set before any notebook is executed: every kernel inherits it
    return {"parallel_read_safe": True, "parallel_write_safe": True}
