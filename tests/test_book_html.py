"""The HTML book builds offline from the executed chapters, with warnings as errors, and no page
loads a script or stylesheet from another site (widgets, MathJax: all from ``_static``)."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from affacrnn.book import build as book
from book_support import ensure_html, raw_markdown_tables


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        self._in_script = tag == "script" and not a.get("src") and not a.get("type")
        if tag == "link" and a.get("href"):
            self.links.append((a.get("rel") or "", a["href"]))

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline.append(data.strip())

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def _refs(page: Path) -> _Refs:
    parser = _Refs()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _external(url: str) -> bool:
    return url.startswith(("http://", "https://", "//"))


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> Path:
    return ensure_html(tmp_path_factory)


@pytest.mark.slow
def test_every_chapter_has_a_page(html):
    assert (html / "index.html").is_file()
    for chapter in book.chapters():
        assert (html / f"{chapter.stem}.html").is_file(), f"no page for {chapter.name}"


@pytest.mark.slow
def test_widget_scripts_served_from_static(html):
    for name in ("require.js", "embed-amd.js", "mathjax/tex-mml-chtml.js"):
        assert (html / "_static" / "vendor" / name).stat().st_size > 10_000, name
    page = html / "02_listen.html"
    scripts = _refs(page).scripts
    assert any(s.startswith("_static/vendor/require.js") for s in scripts), scripts
    assert any(s.startswith("_static/vendor/embed-amd.js") for s in scripts), scripts
    text = page.read_text(encoding="utf-8")
    assert "application/vnd.jupyter.widget-state+json" in text, "widget state was not saved with the page"
    assert "application/vnd.jupyter.widget-view+json" in text


@pytest.mark.slow
def test_each_page_loads_each_script_once(html):
    """MathJax loaded twice threw "Cannot set property Package"; sphinx-thebe's settings twice,
    "THEBE_JS_URL has already been declared" (affacrnn.book.page_assets)."""
    twice = []
    for page in sorted(html.glob("*.html")):
        refs = _refs(page)
        files = [s.split("?", 1)[0] for s in refs.scripts]
        twice += [f"{page.name}: {f}" for f in sorted(set(files)) if files.count(f) > 1]
        twice += [f"{page.name}: inline {b[:60]}" for b in sorted(set(refs.inline)) if refs.inline.count(b) > 1]
    assert not twice, "\n".join(twice)


@pytest.mark.slow
def test_widget_icon_fonts_beside_the_pages(html):
    """The embedder looks for its icon fonts in @jupyter-widgets/... beside the page (its webpack public path)."""
    for folder in ("@jupyter-widgets/html-manager/dist", "@jupyter-widgets"):
        assert list((html / folder).glob("*.woff2")), f"no icon fonts in {html / folder}"


@pytest.mark.slow
def test_no_external_scripts_or_styles(html):
    bad = []
    for page in sorted(html.rglob("*.html")):
        refs = _refs(page)
        bad += [f"{page.name}: <script src={s}>" for s in refs.scripts if _external(s)]
        bad += [f"{page.name}: <link rel={r} href={h}>" for r, h in refs.links
                if _external(h) and any(k in r for k in ("stylesheet", "preload", "icon", "preconnect", "prefetch"))]
    assert not bad, "\n".join(bad)
    assert book.external_references(html) == []


@pytest.mark.slow
def test_the_claims_ledger_links_each_claim_to_its_chapter_page(html):
    """Chapter 10's ledger links to the chapters' HTML pages (in JupyterLab the same cells link the notebooks)."""
    page = (html / "10_reproduction_audit.html").read_text(encoding="utf-8")
    for chapter in ("06_ub_bilstm", "08_fusion_attention", "09_baselines"):
        assert f'href="{chapter}.html"' in page, chapter
    assert 'href="06_ub_bilstm.ipynb"' not in page


def test_the_raw_table_check_sees_a_printed_table_and_passes_a_rendered_one():
    printed = "<p>| claim | test |\n|—|—|\n| C1 | a |</p>"
    assert raw_markdown_tables(printed) == ["| claim | test |"]
    assert raw_markdown_tables("<pre>| a | b |\n|---|:---:|</pre>") == ["| a | b |"]
    rendered = "<table><tr><th>claim</th><th>test</th></tr><tr><td>C1</td><td>a</td></tr></table>"
    assert raw_markdown_tables(rendered) == [] and raw_markdown_tables("<p>a | b</p>") == []


@pytest.mark.slow
def test_no_page_prints_a_markdown_table_as_text(html):
    """Every Markdown table a chapter shows (the claims ledger of chapters 6-11) is a table on its page."""
    bad = {page.name: found for page in sorted(html.glob("*.html"))
           if (found := raw_markdown_tables(page.read_text(encoding="utf-8")))}
    assert not bad, bad
    assert "<table" in (html / "10_reproduction_audit.html").read_text(encoding="utf-8")
