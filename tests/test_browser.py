"""The published book, opened page by page in headless Chromium with the network closed.

Every page of the built HTML is served from localhost and opened once; every request
to any other host is blocked and recorded. The tests then check what a reader (and
a university's accessibility office) would check: nothing is fetched from third
parties, no JavaScript error, all math typeset by MathJax, every image has alt
text, no serious or critical axe-core violation, and every explorer's kernel-free
fallback responds to its controls. A full-page screenshot of each page is saved in
``_build/screenshots/`` next to the HTML.

The HTML is ``$COURSE_BOOK_HTML`` if set (e.g. a build made elsewhere), otherwise
``_build/html``, (re)built with the strict build command when missing or older than
the sources.
"""

from __future__ import annotations

import fnmatch
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")

if CHROMIUM is None:
    pytest.skip(
        "no Chromium found (/usr/bin/chromium or `chromium` on PATH); install Debian's `chromium` package",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api")

# All browser tests share one build, one server and one browser: under pytest-xdist
# (`--dist loadgroup`) they run in the same worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

STRICT_BUILD = ["build", ".", "-W", "-n", "--keep-going"]
SOURCES = ["_config.yml", "_toc.yml", "references.bib", "book", "convutil", "exercises"]
# Functions of convutil.widgets whose call in a notebook puts an explorer on its page.
EXPLORER_CALL = re.compile(r"\b(conv_explorer|type_comparer|output_size_explorer|pooling_explorer)\s*\(")
SERIOUS = {"serious", "critical"}
# TeX that MathJax should have typeset, left as text: \( \[ $$ or $ before a letter, brace or backslash.
RAW_TEX = re.compile(r"\\\(|\\\[|\$\$|\$[A-Za-z{\\]")
# The article's text without code, where a dollar or backslash is legitimate.
_PROSE_TEXT = """() => {
  const main = (document.querySelector('article') || document.body).cloneNode(true);
  main.querySelectorAll('pre, code, mjx-container, script, style').forEach(e => e.remove());
  return main.textContent;
}"""


def toc_pages() -> list[str]:
    """Every page of the book (paths without suffix, as in ``_toc.yml``), plus Sphinx's own."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries:
            if "file" in entry:
                pages.append(entry["file"])
            if "glob" in entry:
                found = (p for p in ROOT.glob(entry["glob"]) if p.suffix in (".ipynb", ".md"))
                pages.extend(sorted(str(p.relative_to(ROOT).with_suffix("")) for p in found))
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return pages + ["genindex", "search"]


PAGES = toc_pages()


def source_of(page: str) -> Path | None:
    for suffix in (".ipynb", ".md"):
        if (ROOT / f"{page}{suffix}").exists():
            return ROOT / f"{page}{suffix}"
    return None


def has_explorer(page: str) -> bool:
    """Whether the page's notebook is executed by the build and displays a convutil explorer."""
    source = source_of(page)
    not_executed = yaml.safe_load((ROOT / "_config.yml").read_text("utf-8"))["execute"].get("exclude_patterns", [])
    if source is None or source.suffix != ".ipynb" or any(fnmatch.fnmatch(page, p) for p in not_executed):
        return False
    return bool(EXPLORER_CALL.search(source.read_text("utf-8")))


def newest_source_mtime() -> float:
    times = []
    for name in SOURCES:
        path = ROOT / name
        files = path.rglob("*") if path.is_dir() else [path]
        times += [f.stat().st_mtime for f in files if f.is_file() and "__pycache__" not in f.parts]
    return max(times)


@dataclass
class Build:
    html: Path
    log: str | None = None  # output of the strict build, when this run built the book
    returncode: int | None = None


@pytest.fixture(scope="session")
def build() -> Build:
    if os.environ.get("COURSE_BOOK_HTML"):
        html = Path(os.environ["COURSE_BOOK_HTML"]).resolve()
        assert (html / "index.html").exists(), f"COURSE_BOOK_HTML={html} holds no built book"
        return Build(html)
    html = ROOT / "_build" / "html"
    if (html / "index.html").exists() and (html / "index.html").stat().st_mtime >= newest_source_mtime():
        return Build(html)
    jupyter_book = shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or shutil.which("jupyter-book")
    assert jupyter_book, "jupyter-book is not installed (pip install -r requirements.txt)"
    done = subprocess.run([jupyter_book, *STRICT_BUILD], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert (html / "index.html").exists(), f"the book did not build:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return Build(html, log=done.stdout + done.stderr, returncode=done.returncode)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature is http.server's
        pass


@pytest.fixture(scope="session")
def server(build):
    handler = functools.partial(_QuietHandler, directory=str(build.html))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
        httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        yield browser
        browser.close()


@dataclass
class PageReport:
    """What one visit of one page found."""

    third_party: list[str] = field(default_factory=list)
    js_errors: list[str] = field(default_factory=list)
    math_total: int = 0
    math_rendered: int = 0
    math_errors: list[str] = field(default_factory=list)
    raw_tex: list[str] = field(default_factory=list)
    images_without_alt: list[str] = field(default_factory=list)
    axe_serious: list[str] = field(default_factory=list)
    explorers: list[dict] = field(default_factory=list)


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in ("127.0.0.1", "localhost")


# An explorer's kernel-free fallback (convutil.widgets): a `.convutil-explorer` holding
# controls marked `data-control` (sliders, menus), an optional play button, and the picture.
# For each control, in the browser: does moving it through its values change the picture,
# in the explorer's first state or after setting one other control to one of its values
# (a `groups` menu may only matter once `kind` is "grouped")? The state is restored after.
_CONTROLS_CHANGE_PICTURE = """root => {
  const img = root.querySelector('img');
  const controls = Array.from(root.querySelectorAll('[data-control]'));
  const values = el => el.tagName === 'SELECT'
    ? Array.from(el.options, (_, i) => i)
    : Array.from({length: Math.min(50, (+el.max - +el.min) / (+el.step || 1) + 1)}, (_, i) => +el.min + i * (+el.step || 1));
  const get = el => el.tagName === 'SELECT' ? el.selectedIndex : +el.value;
  const set = (el, v) => {
    if (el.tagName === 'SELECT') el.selectedIndex = v; else el.value = String(v);
    el.dispatchEvent(new Event('input', {bubbles: true}));
    el.dispatchEvent(new Event('change', {bubbles: true}));
  };
  const start = controls.map(get);
  const restore = () => controls.forEach((el, i) => set(el, start[i]));
  const changes = control => {
    const states = [[null, null]];
    controls.forEach(other => { if (other !== control) values(other).forEach(v => states.push([other, v])); });
    for (const [other, v] of states) {
      restore();
      if (other) set(other, v);
      const pictures = new Set(values(control).map(w => { set(control, w); return img.src; }));
      if (pictures.size > 1) return true;
    }
    return false;
  };
  const result = {};
  controls.forEach((el, i) => { result[el.getAttribute('aria-label') || 'control ' + i] = changes(el); });
  restore();
  return result;
}"""


# The picture's text alternative must say what the current frame shows: sweep every control
# alone and record, for each picture, the alt texts it was shown with.
_ALT_FOLLOWS_PICTURE = """root => {
  const img = root.querySelector('img');
  const seen = {};
  const record = () => { (seen[img.src] = seen[img.src] || new Set()).add(img.alt); };
  Array.from(root.querySelectorAll('[data-control]')).forEach(el => {
    const start = el.tagName === 'SELECT' ? el.selectedIndex : +el.value;
    const n = el.tagName === 'SELECT' ? el.options.length : +el.max - +el.min + 1;
    for (let v = 0; v < n; v++) {
      if (el.tagName === 'SELECT') el.selectedIndex = v; else el.value = String(+el.min + v);
      el.dispatchEvent(new Event('input', {bubbles: true}));
      record();
    }
    if (el.tagName === 'SELECT') el.selectedIndex = start; else el.value = String(start);
    el.dispatchEvent(new Event('input', {bubbles: true}));
  });
  const alts = Object.values(seen).map(s => Array.from(s));
  return {pictures: alts.length, one_alt_each: alts.every(a => a.length === 1),
          distinct_alts: new Set(alts.map(a => a[0])).size};
}"""


def _probe_explorers(page) -> list[dict]:
    """Operate every control of every explorer on the page; record whether its picture changes."""
    results = []
    explorers = page.locator(".convutil-explorer")
    for i in range(explorers.count()):
        explorer = explorers.nth(i)
        explorer.scroll_into_view_if_needed()
        picture = explorer.locator("img").first
        result = {
            "explorer": i,
            "picture loaded": picture.evaluate("img => img.complete && img.naturalWidth > 0"),
            "controls": explorer.evaluate(_CONTROLS_CHANGE_PICTURE),
            "alt": explorer.evaluate(_ALT_FOLLOWS_PICTURE),
            "live regions": explorer.locator("output[aria-live]").count(),
        }
        play = explorer.locator("button")
        if play.count():
            before = picture.get_attribute("src")
            play.first.click()  # "play" steps through the first control once, then stops by itself
            shown = set()
            for _ in range(15):
                page.wait_for_timeout(100)
                shown.add(picture.get_attribute("src"))
            result["controls"]["play button"] = bool(shown - {before})
            if play.first.inner_text().strip().endswith("pause"):
                play.first.click()
        results.append(result)
    return results


@pytest.fixture(scope="session")
def visit(build, server, browser):
    """visit(page) -> PageReport; each page is opened once per session."""
    reports: dict[str, PageReport] = {}
    shots = build.html.parent / "screenshots"
    shots.mkdir(exist_ok=True)
    axe_source = AXE_JS.read_text(encoding="utf-8")

    def _visit(name: str) -> PageReport:
        if name in reports:
            return reports[name]
        report = PageReport()
        context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")

        def block(route):
            report.third_party.append(route.request.url)
            route.abort("blockedbyclient")

        context.route(lambda url: not _is_local(url), block)
        page = context.new_page()

        def on_console(msg):
            if msg.type == "error":
                report.js_errors.append(f"console: {msg.text} ({msg.location.get('url')})")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: report.js_errors.append(f"uncaught: {exc}"))
        page.goto(f"{server}/{name}.html", wait_until="load")

        report.math_total = page.locator(".math").count()
        if report.math_total:
            try:
                page.wait_for_function("() => window.MathJax?.startup?.promise", timeout=10000)
                page.evaluate("() => MathJax.startup.promise")
                report.math_rendered = page.locator(".math:has(mjx-container)").count()
                report.math_errors = page.locator("mjx-merror").all_inner_texts()
            except sync_api.TimeoutError:
                report.math_errors = ["MathJax did not start within 10 s"]
        report.raw_tex = RAW_TEX.findall(page.evaluate(_PROSE_TEXT))

        report.images_without_alt = page.eval_on_selector_all(
            "img",
            "imgs => imgs.filter(i => !(i.getAttribute('alt') || '').trim()).map(i => i.id || i.src.slice(0, 80))",
        )

        page.add_script_tag(content=axe_source)
        axe = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        report.axe_serious = [
            f"{v['impact']}: {v['id']} ({v['help']}) x{len(v['nodes'])}, e.g. {v['nodes'][0]['html'][:200]}"
            for v in axe["violations"]
            if v["impact"] in SERIOUS
        ]

        page.screenshot(path=str(shots / f"{name.replace('/', '__')}.png"), full_page=True)
        report.explorers = _probe_explorers(page)
        context.close()
        reports[name] = report
        return report

    return _visit


def test_every_built_page_is_visited(build):
    built = {str(p.relative_to(build.html).with_suffix("")) for p in build.html.rglob("*.html")}
    built = {p for p in built if not p.startswith(("_static", "_sources", "_images"))} - {"index"}
    assert built == set(PAGES), "pages built but not in _toc.yml (or the reverse); the browser tests must see them all"


def test_index_redirects_to_the_first_page(server, browser):
    page = browser.new_page()
    page.goto(f"{server}/index.html")
    page.wait_for_url(f"**/{PAGES[0]}.html")
    page.close()


def test_strict_build_has_no_warnings(build):
    if build.log is None:
        pytest.skip("the book was not rebuilt in this run (up-to-date _build/html or COURSE_BOOK_HTML)")
    log = re.sub(r"\x1b\[[0-9;]*m", "", build.log)  # without terminal colours
    warnings = [line for line in log.splitlines() if re.search(r"(^|: )(WARNING|ERROR|CRITICAL):", line)]
    assert not warnings, "\n".join(warnings[:40])
    assert build.returncode == 0, build.log[-3000:]


@pytest.mark.parametrize("name", PAGES)
def test_no_request_leaves_localhost(visit, name):
    assert visit(name).third_party == []


@pytest.mark.parametrize("name", PAGES)
def test_no_javascript_errors(visit, name):
    assert visit(name).js_errors == []


@pytest.mark.parametrize("name", PAGES)
def test_math_is_typeset(visit, name):
    report = visit(name)
    assert report.raw_tex == [], "TeX left untypeset in the text"
    assert report.math_rendered == report.math_total, f"{report.math_total - report.math_rendered} formulas not typeset"
    assert report.math_errors == []


@pytest.mark.parametrize("name", PAGES)
def test_every_image_has_alt_text(visit, name):
    assert visit(name).images_without_alt == []


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_accessibility_violations(visit, name):
    assert visit(name).axe_serious == []


EXPLORER_PAGES = [p for p in PAGES if has_explorer(p)] or [
    pytest.param(None, marks=pytest.mark.skip(reason="no chapter displays an explorer yet"))
]


@pytest.mark.parametrize("name", EXPLORER_PAGES)
def test_explorers_respond_without_a_kernel(visit, name):
    explorers = visit(name).explorers
    assert explorers, "the chapter displays an explorer, but the page shows no explorer"
    for explorer in explorers:
        assert explorer["picture loaded"], f"explorer {explorer['explorer']} shows no picture"
        assert explorer["controls"], f"explorer {explorer['explorer']} has no control"
        dead = [name for name, changed in explorer["controls"].items() if not changed]
        assert not dead, f"explorer {explorer['explorer']}: these controls do not change the picture: {dead}"
        alt = explorer["alt"]
        assert alt["one_alt_each"], f"a picture shown with different alt texts: {alt}"
        assert alt["distinct_alts"] == alt["pictures"], f"the alt text does not follow the picture: {alt}"
        assert explorer["live regions"] == len(explorer["controls"]) - ("play button" in explorer["controls"])


@pytest.mark.parametrize("name", [p for p in PAGES if source_of(p) and source_of(p).suffix == ".ipynb"])
def test_pages_hold_no_widget_state(build, name):
    """Explorers show kernel-free frames in the book; the live widgets' state must not ride along unused."""
    page = (build.html / f"{name}.html").read_text(encoding="utf-8")
    assert "application/vnd.jupyter.widget-state+json" not in page
    assert "application/vnd.jupyter.widget-view+json" not in page


CHAPTER_BUDGET = 2_600_000
"""Bytes of HTML all chapter pages may weigh together (explorer frames and figures included)."""


def test_chapter_pages_are_light(build):
    chapters = [p for p in PAGES if re.match(r"(book/)?\d\d-|(book/)?reading-pictures", p)]
    sizes = {p: (build.html / f"{p}.html").stat().st_size for p in chapters}
    assert sum(sizes.values()) <= CHAPTER_BUDGET, sizes
