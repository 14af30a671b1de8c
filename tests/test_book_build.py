"""The book's build helpers and publishing settings, checked without a browser or a build.

The browser tests (tests/test_browser.py) check their effect on the built pages; these
fast tests pin down the pieces, and still run where no Chromium is installed.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
EXTENSIONS = CONFIG["sphinx"]["local_extensions"]
for folder in set(EXTENSIONS.values()):
    sys.path.insert(0, str(ROOT / folder))  # the Sphinx extensions, as _config.yml loads them

html_fixes = importlib.import_module("html_fixes")
offline_mathjax = importlib.import_module("offline_mathjax")
static_explorers = importlib.import_module("static_explorers")
SPHINX = CONFIG["sphinx"]["config"]


def test_mathjax_is_copied_with_its_licence_and_fonts(tmp_path):
    version = offline_mathjax.copy_mathjax(offline_mathjax.mathjax_distribution(), tmp_path)
    served = tmp_path / "mathjax"
    assert version.startswith("3.")
    assert (served / "tex-chtml-full.js").stat().st_size > 1_000_000
    assert "Apache License" in (served / "LICENSE").read_text(encoding="utf-8")
    assert version in (served / "VERSION").read_text(encoding="utf-8")
    assert (served / "output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff").exists()


def test_the_book_loads_mathjax_and_no_widget_javascript_from_elsewhere():
    assert SPHINX["mathjax_path"] == f"mathjax/{offline_mathjax.ES5_FILES[0]}"
    assert SPHINX["nb_ipywidgets_js"] == {}
    assert CONFIG["launch_buttons"]["thebe"] is False
    assert not CONFIG["launch_buttons"].get("colab_url")
    # The explorers' HTML fallback is preferred to the live widget in the HTML book.
    priorities = {mime: rank for builder, mime, rank in SPHINX["nb_mime_priority_overrides"] if builder == "html"}
    assert priorities["text/html"] < priorities["application/vnd.jupyter.widget-view+json"]


def test_solutions_are_not_published():
    assert "solutions" in CONFIG["exclude_patterns"]


def test_repeated_inline_scripts_are_written_once():
    from sphinx.builders.html._assets import _JavaScript

    config = _JavaScript(None, body="const THEBE_JS_URL = 1", priority=500)
    again = _JavaScript("", body="const THEBE_JS_URL = 1", priority=500)
    other = _JavaScript("_static/a.js", priority=500)
    assert config != again  # the Sphinx 7.4 behaviour being worked around
    assert html_fixes.unique_scripts([config, other, again]) == [config, other]


def test_sidebar_toggles_are_named_after_their_page():
    sidebar = (
        '<ul><li class="toctree-l1 has-children"><a class="reference internal" href="exercises.html">Exercises</a>'
        '<details><summary><span class="toctree-toggle" role="presentation"><i class="fa-solid fa-chevron-down">'
        "</i></span></summary><ul><li>...</li></ul></details></li></ul>"
    )
    assert '<summary aria-label="Pages in Exercises">' in html_fixes.name_sidebar_toggles(sidebar)
    labelled = "<details><summary>Already has text</summary></details>"
    assert html_fixes.name_sidebar_toggles(labelled) == labelled


def test_the_book_build_tells_explorers_to_show_their_kernel_free_frames(monkeypatch):
    from convutil import widgets

    assert set(EXTENSIONS) == {"offline_mathjax", "html_fixes", "static_explorers"}
    assert static_explorers.STATIC_ENV == widgets.STATIC_ENV
    monkeypatch.delenv(widgets.STATIC_ENV, raising=False)
    assert not widgets.static_mode()
    static_explorers.setup(None)  # what Sphinx does when it loads the extension, before executing notebooks
    assert widgets.static_mode()
