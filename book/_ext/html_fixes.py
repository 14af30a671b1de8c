"""Fixes to the stock HTML of Jupyter Book 1's toolchain, so that every page passes axe-core
and logs no JavaScript error.

A Sphinx extension, loaded by ``_config.yml`` (``sphinx.local_extensions``). Each fix
names the upstream behaviour it corrects; none has a setting upstream, which is why
they are code. (Two more fixes are template overrides in ``book/_templates/``.)

1. Inline scripts written twice. Sphinx 7.4 (the series Jupyter Book 1 runs on)
   writes an inline script twice when an extension adds it after the builder started
   (``app.add_js_file(None, body=...)``): once as registered (file name ``None``) and
   again when the builder re-reads its registry before writing (file name ``""``), so
   the copies do not compare equal. sphinx-thebe's copy declares
   ``const THEBE_JS_URL``, and the second copy throws "Identifier 'THEBE_JS_URL' has
   already been declared" on every page.
2. Unnamed disclosure buttons in the sidebar. pydata-sphinx-theme makes a ``<summary>``
   holding only a chevron icon for every page with sub-pages (axe-core:
   summary-name, serious). We name it after the page it opens.
3. Hidden code cells. myst-nb labels the "Show code cell source" toggle
   ``aria-label="Toggle hidden content"``, a name that does not contain the visible
   text (WCAG 2.5.3, axe-core: label-content-name-mismatch, serious). We drop the
   label, so the visible text is the name.
4. Citations. docutils gives each bibliography entry the deprecated DPUB role
   ``doc-biblioentry`` inside a ``role="list"``, which then has no list items
   (axe-core: aria-required-children, critical). We use ``role="listitem"``.
"""

from __future__ import annotations

from html import escape

from bs4 import BeautifulSoup
from docutils import nodes
from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput
from sphinx.application import Sphinx


# 1. Inline scripts written twice.
def script_key(script) -> tuple:
    """What makes two script entries the same script: file (None and "" alike), priority, attributes."""
    return (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))


def unique_scripts(scripts: list) -> list:
    """The scripts in order, each only at its first occurrence."""
    seen = set()
    unique = []
    for script in scripts:
        if script_key(script) not in seen:
            seen.add(script_key(script))
            unique.append(script)
    return unique


# 2. Unnamed disclosure buttons in the sidebar.
def name_sidebar_toggles(html: str) -> str:
    """Give every text-less ``<summary>`` an aria-label naming the page whose sub-pages it shows."""
    soup = BeautifulSoup(str(html), "html.parser")
    for summary in soup.find_all("summary"):
        if summary.get_text(strip=True) or summary.get("aria-label"):
            continue
        item = summary.find_parent("li")
        link = item.find("a", recursive=False) if item else None
        title = link.get_text(" ", strip=True) if link else "this section"
        summary["aria-label"] = f"Pages in {title}"
    return str(soup)


def _on_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if context.get("script_files"):
        context["script_files"] = unique_scripts(context["script_files"])
    generate = context.get("generate_toctree_html")
    if generate is not None:
        context["generate_toctree_html"] = lambda *args, **kwargs: name_sidebar_toggles(generate(*args, **kwargs))


# 3. Hidden code cells: myst-nb's visit_HideCellInput without the misleading aria-label.
def visit_hide_cell_input(self, node: HideCodeCellNode) -> None:
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n<summary>\n')
    self.body.append(f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


# 4. Citations: docutils' visit/depart_citation with role="listitem".
def visit_citation(self, node: nodes.citation) -> None:
    if not isinstance(node.previous_sibling(), nodes.citation):
        self.body.append('<div role="list" class="citation-list">\n')
    self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))


def depart_citation(self, node: nodes.citation) -> None:
    self.body.append("</div>\n")
    if not isinstance(node.next_node(descend=False, siblings=True), nodes.citation):
        self.body.append("</div>\n")


def setup(app: Sphinx) -> dict:
    # After pydata-sphinx-theme has put generate_toctree_html into the context (priority 500).
    app.connect("html-page-context", _on_page_context, priority=900)
    app.add_node(HideCodeCellNode, override=True, html=(visit_hide_cell_input, depart_HideCellInput))
    app.add_node(nodes.citation, override=True, html=(visit_citation, depart_citation))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
