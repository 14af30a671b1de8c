"""Serve MathJax from the book's own ``_static`` folder, so no page asks a CDN for it.

A Sphinx extension, loaded by ``_config.yml`` (``sphinx.local_extensions``). At the
end of every HTML build it copies MathJax from the pinned PyPI package
``django-static-mathjax`` (a plain copy of the MathJax distribution; it does not need
Django) into ``_static/mathjax/``, where ``mathjax_path`` in ``_config.yml`` points.

Why a few lines of our own rather than the ``sphinx-mathjax-offline`` extension:
that package copies the whole 24 MB distribution and ships no licence file. Here we
copy only the single-file component ``tex-chtml-full.js`` (TeX input with every
extension, so nothing is loaded on demand), the web fonts it draws with, the
accessibility components its context menu loads (explorer and speech rules), and
MathJax's Apache-2.0 licence and version.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import mathjax  # the PyPI package django-static-mathjax
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: What the book serves, relative to MathJax's ``es5`` folder.
ES5_FILES = ["tex-chtml-full.js"]
ES5_DIRS = ["output/chtml/fonts/woff-v2", "a11y", "sre"]


def mathjax_distribution() -> Path:
    """The MathJax distribution shipped by ``django-static-mathjax``."""
    return Path(mathjax.__file__).parent / "static" / "mathjax"


def copy_mathjax(source: Path, static_dir: Path) -> str:
    """Copy the served subset of MathJax from ``source`` into ``static_dir / "mathjax"``.

    Returns the MathJax version that was copied.
    """
    target = static_dir / "mathjax"
    for name in ES5_FILES:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / "es5" / name, target / name)
    for name in ES5_DIRS:
        shutil.copytree(source / "es5" / name, target / name, dirs_exist_ok=True)
    shutil.copyfile(source / "LICENSE", target / "LICENSE")
    version = json.loads((source / "package.json").read_text(encoding="utf-8"))["version"]
    (target / "VERSION").write_text(f"MathJax {version}, from the PyPI package django-static-mathjax\n")
    return version


def _on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    version = copy_mathjax(mathjax_distribution(), Path(app.outdir) / "_static")
    logger.info("copied MathJax %s into _static/mathjax", version)


def setup(app: Sphinx) -> dict:
    app.connect("build-finished", _on_build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
