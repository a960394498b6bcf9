"""Real-browser tests: the chapters in JupyterLab, and the HTML book's widgets offline.

JupyterLab runs on 127.0.0.1 with a token, its settings, workspaces and runtime files in a temp
folder, news and update checks off and ``windowingMode: none`` (so cells off screen render).
Debian's ``/usr/bin/chromium`` is driven by PyPI ``playwright`` (never ``playwright install``);
``.ci/setup-browser`` installs it. Screenshots go to ``$AFFACRNN_ARTIFACTS/browser`` (default: the
pytest temp folder; the path is printed).
"""
from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import numpy as np
import pytest

from affacrnn.book import build as book
from affacrnn.book.figure_check import PREFIX as FIGURE_PREFIX
from affacrnn.book.kernel import CHECK_FIGURES_ENV, kernel_environment
from book_support import TF_LOG_LINE, ensure_html, need_tool

CHROMIUM = Path(os.environ.get("AFFACRNN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
#: Every chapter is opened in JupyterLab and run; those with widgets have them exercised: the
#: utterance browser (02), the feature explorer (05), the ablation retrain (06), the attention viewer
#: (08), the microphone (11, fed a real clip by Chromium's fake capture device).
BROWSER_CHAPTERS = [c.stem for c in book.chapters()]
RUN_ALL_TIMEOUT_S = 480


@pytest.fixture(scope="session")
def chromium():
    need_tool(CHROMIUM.is_file(), f"{CHROMIUM} not found: run .ci/setup-browser (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        need_tool(False, "the PyPI package playwright is not installed (pip install -e '.[dev]')")
    return CHROMIUM


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory) -> Path:
    root = os.environ.get("AFFACRNN_ARTIFACTS")
    folder = (Path(root) if root else tmp_path_factory.getbasetemp() / "artifacts") / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"browser screenshots: {folder}")
    return folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_settings(settings: Path) -> None:
    files = {
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                             "checkForUpdates": False},
    }
    for name, value in files.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))


@pytest.fixture(scope="session")
def lab(tmp_path_factory, chromium):
    """A JupyterLab server on 127.0.0.1 serving a folder with smoke-parameterised chapters."""
    import papermill as pm

    base = tmp_path_factory.mktemp("lab")
    root, settings = base / "notebooks", base / "settings"
    root.mkdir()
    _write_settings(settings)
    # what `affacrnn book --lab` does for a reader: widgets' state saved with the notebook
    assert book.ensure_lab_settings() is not None, "cannot write JupyterLab's overrides.d in this environment"
    for name in BROWSER_CHAPTERS:
        nb = pm.iorw.load_notebook_node(str(book.BOOK_DIR / f"{name}.ipynb"))  # adds the metadata papermill needs
        nb = pm.parameterize.parameterize_notebook(nb, {"SMOKE": True, "SHOW_SOLUTIONS": True})
        nbformat.write(nb, root / f"{name}.ipynb")
    token, port = secrets.token_hex(16), _free_port()
    # The book's kernel (affacrnn.book.kernel) first on JUPYTER_PATH, as `affacrnn book --lab` does.
    env = kernel_environment({
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTER_DATA_DIR": str(base / "data"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        CHECK_FIGURES_ENV: "1",  # every figure checked for text on text as it is drawn (affacrnn.book.figure_check)
    })
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--ServerApp.open_browser=False",
    ]
    log = open(base / "jupyterlab.log", "w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.terminate()
                pytest.fail(f"JupyterLab did not start; log: {(base / 'jupyterlab.log').read_text()[-2000:]}")
            time.sleep(0.5)
    yield {"url": url, "token": token, "root": root}
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def fake_microphone(tmp_path_factory) -> Path:
    """A real utterance of the default corpus as a 16-bit WAV: what Chromium's fake microphone plays (looped)."""
    import soundfile as sf

    import affacrnn

    table = affacrnn.load_corpus(affacrnn.default_corpus())
    y = affacrnn.load_audio(table["path"].dropna().iloc[0], sr=48000)
    pause = np.zeros(24000, np.float32)
    path = tmp_path_factory.mktemp("microphone") / "voice.wav"
    sf.write(path, np.concatenate([pause, y, pause, y, pause]), 48000, subtype="PCM_16")
    return path


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory, chromium, fake_microphone):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(chromium),
            headless=True,
            args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-audio-capture={fake_microphone}"],
            viewport={"width": 1400, "height": 1000},
        )
        yield context
        context.close()


_ALL_RUN = """() => {
  const prompts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
  return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""
_IDLE = """() => {
  const bar = document.querySelector('#jp-main-statusbar');
  return !!bar && /Idle/.test(bar.textContent);
}"""
_RUNNING_WHILE_IDLE = """() => {
  const running = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-InputPrompt')]
    .some(p => /\\[\\*\\]/.test(p.textContent));
  const bar = document.querySelector('#jp-main-statusbar');
  return running && !!bar && /Idle/.test(bar.textContent);
}"""


def _run_all_watching_the_status_bar(page, timeout_s: float) -> int:
    """Wait for Run All to finish; return how many 1-s samples saw "Idle" while a cell was ``[*]``."""
    deadline, wrong = time.monotonic() + timeout_s, 0
    while not page.evaluate(_ALL_RUN):
        assert time.monotonic() < deadline, f"Run All did not finish in {timeout_s:.0f} s"
        wrong += bool(page.evaluate(_RUNNING_WHILE_IDLE))
        page.wait_for_timeout(1000)
    return wrong


_AUDIO_LOADED = """() => {
  const a = [...document.querySelectorAll('audio')];
  return a.length > 0 && a.every(e => e.readyState >= 1 && e.duration > 0);
}"""

#: Content that sticks out of its cell: each rendered equation, table, code block, image and widget
#: box of a cell (``cells``) must end inside the cell, or inside an ancestor (below the cell) that
#: scrolls it (overflow-x auto/scroll). Cut off by an ancestor that hides its overflow counts too.
#: Returns one line per offender. The same check reads the HTML book's pages (``cells`` = article).
_OVERFLOW = """(cells) => {
  const parts = 'mjx-container, .MathJax, table, pre, img, .widget-box, .widget-html-content';
  const bad = [];
  for (const cell of document.querySelectorAll(cells)) {
    const cellRight = cell.getBoundingClientRect().right;
    for (const el of cell.querySelectorAll(parts)) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const own = getComputedStyle(el).overflowX;
      if (own === 'auto' || own === 'scroll') continue;  // scrolls its own content
      const what = el.tagName.toLowerCase();
      const text = (el.textContent || el.getAttribute('src') || '').trim().slice(0, 80);
      if ((own === 'hidden' || own === 'clip') && el.scrollWidth > el.clientWidth + 2) {
        bad.push(`${what} cuts off ${el.scrollWidth - el.clientWidth} px of its content: ${text}`);
        continue;
      }
      // a block's box stays the width of its column while its content runs on: scrollWidth sees that;
      // a formula is measured by its drawn glyphs (MathJax's hidden assistive copy inflates scrollWidth)
      const math = what === 'mjx-container' ? el.querySelector('mjx-math') : null;
      const right = math ? math.getBoundingClientRect().right : r.left + Math.max(r.width, el.scrollWidth);
      let limit = cellRight, scrolls = false;
      // a widget that only fits because the notebook's output area scrolls sticks out all the same
      // (chapter 6's ablation table, 1051 px in a 964 px cell); a scroller inside the output counts
      const widget = !!el.closest('.jupyter-widgets');
      for (let e = el.parentElement; e && e !== cell; e = e.parentElement) {
        const o = getComputedStyle(e).overflowX;
        if ((o === 'auto' || o === 'scroll') && !(widget && e.matches('.jp-OutputArea-output, .output, .cell_output'))) {
          scrolls = true; break;
        }
        if (o === 'hidden' || o === 'clip') { limit = e.getBoundingClientRect().right; break; }
      }
      if (!scrolls && right > limit + 2) bad.push(`${what} ends ${Math.round(right - limit)} px past its cell: ${text}`);
    }
  }
  return bad;
}"""


class ConsoleLog:
    """Everything a page reports as wrong: console errors, uncaught exceptions, requests that fail.

    Warnings are not counted: the widget embedder (``@jupyter-widgets/html-manager``) validates its
    own state schema with ajv in strict mode and logs "strict mode: use allowUnionTypes ..." twice
    on every page with widgets; that is its own schema, not ours, and harmless.
    """

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console: {m.text[:200]}") if m.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url[-120:]} ({r.failure})"))

    def take(self) -> list[str]:
        found, self.errors[:] = list(self.errors), []
        return found


def _check_feature_explorer(page, artifacts: Path) -> None:
    """Chapter 5: unticking a feature type's check box rebuilds the matrix (new image, D = 20)."""
    widget = page.locator(".jp-OutputArea-output .widget-vbox", has=page.locator(".widget-image")).first
    widget.scroll_into_view_if_needed()
    widget.screenshot(path=str(artifacts / "05_features-lab-widget-before.png"))
    dims = widget.locator(".widget-html", has_text="D = ")
    assert "D = 33" in dims.inner_text(), dims.inner_text()
    image = widget.locator("img.widget-image").first
    before = image.get_attribute("src")
    widget.locator(".widget-checkbox", has_text="mfcc (13)").locator("input").click()
    page.wait_for_function(
        "([sel, old]) => { const i = document.querySelector(sel); return i && i.getAttribute('src') !== old; }",
        arg=[".jp-OutputArea-output img.widget-image", before], timeout=120_000,
    )
    page.wait_for_function("() => [...document.querySelectorAll('.widget-html')].some(e => /D = 20\\b/.test(e.textContent))",
                           timeout=120_000)
    widget.screenshot(path=str(artifacts / "05_features-lab-widget-after.png"))


def _check_attention_viewer(page, artifacts: Path) -> None:
    """Chapter 8: the viewer's three players load; picking another target redraws the bars and reloads them."""
    viewer = page.locator(".jp-OutputArea-output .widget-vbox", has=page.locator("audio")).first
    viewer.scroll_into_view_if_needed()
    assert viewer.locator("audio").count() == 3, "expected three players (previous, target, next)"
    page.wait_for_function(_AUDIO_LOADED, timeout=120_000)
    viewer.screenshot(path=str(artifacts / "08_fusion_attention-lab-viewer-before.png"))
    bars = viewer.locator("img.widget-image").first
    bars.wait_for()
    before = bars.get_attribute("src")
    players = [a.get_attribute("src") for a in viewer.locator("audio").all()]
    target = viewer.locator(".widget-dropdown", has=page.locator("label", has_text=re.compile(r"^target$"))).locator("select")
    assert target.locator("option").count() >= 2
    target.select_option(index=1 if target.evaluate("s => s.selectedIndex") != 1 else 0)
    page.wait_for_function(
        "([old]) => { const i = document.querySelector('.widget-vbox img.widget-image'); return i && i.getAttribute('src') !== old; }",
        arg=[before], timeout=120_000,
    )
    page.wait_for_function(_AUDIO_LOADED, timeout=120_000)
    assert [a.get_attribute("src") for a in viewer.locator("audio").all()] != players, "the players did not change"
    viewer.screenshot(path=str(artifacts / "08_fusion_attention-lab-viewer-after.png"))


def _check_ablation(page, artifacts: Path) -> None:
    """Chapter 6: untick a feature type, double-click *retrain*: one new run (the second click is ignored)."""
    widget = page.locator(".jp-OutputArea-output .widget-vbox", has=page.locator("button", has_text="retrain")).first
    widget.scroll_into_view_if_needed()
    rows = widget.locator(".widget-html table tbody tr")
    before = rows.count()
    widget.locator(".widget-checkbox", has_text="mfcc (13)").locator("input").click()
    page.wait_for_function("() => [...document.querySelectorAll('.widget-html')].some(e => /D = 20: press/.test(e.textContent))",
                           timeout=60_000)
    widget.locator("button", has_text="retrain").dblclick()
    page.wait_for_function("() => [...document.querySelectorAll('.widget-html')].some(e => /\\(D = 20\\): validation/.test(e.textContent))",
                           timeout=240_000)
    page.wait_for_timeout(3000)  # a second run, had the double-click started one, would show by now
    assert rows.count() == before + 1, f"expected one new run, table has {rows.count()} rows (was {before})"
    assert not widget.locator("button", has_text="retrain").is_disabled()
    widget.screenshot(path=str(artifacts / "06_ub_bilstm-lab-ablation.png"))


def _check_saved_state(page, lab: dict, chapter: str, artifacts: Path) -> None:
    """Save, stop the kernel, reopen: the widgets come back from the state saved in the notebook."""
    page.keyboard.press("Control+s")
    page.wait_for_function("() => !document.querySelector('.jp-mod-current.jp-mod-dirty')", timeout=60_000)
    page.wait_for_timeout(1500)
    saved = json.loads((lab["root"] / f"{chapter}.ipynb").read_text())
    state = saved["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    assert state, "saving the notebook kept no widget state (is saveState on? see affacrnn.book.build.LAB_OVERRIDES)"
    sessions = json.loads(urllib.request.urlopen(f"{lab['url']}/api/sessions?token={lab['token']}").read())
    for session in sessions:  # no kernel: what shows next comes from the file
        req = urllib.request.Request(f"{lab['url']}/api/sessions/{session['id']}?token={lab['token']}", method="DELETE")
        urllib.request.urlopen(req)
    page.goto(f"{lab['url']}/lab/workspaces/{chapter}-reopened/tree/{chapter}.ipynb?reset&token={lab['token']}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", state="attached")
    page.wait_for_selector(".jp-OutputArea-output .widget-dropdown select", timeout=120_000)
    text = page.locator(".jp-Notebook").inner_text()
    assert "Error displaying widget" not in text, "a widget did not come back after reopening"
    page.screenshot(path=str(artifacts / f"{chapter}-lab-reopened.png"))


def _check_microphone(page, artifacts: Path) -> None:
    """Chapter 11: record 4 s from the fake microphone; the samples reach the kernel and a prediction appears."""
    button = page.locator("button.affacrnn-record").first
    button.scroll_into_view_if_needed()
    before = page.locator(".affacrnn-voice-sentiment").count()
    button.click()
    page.wait_for_function("() => /Recording/.test(document.querySelector('.affacrnn-mic-status').textContent)",
                           timeout=30_000)
    page.wait_for_timeout(4000)
    button.click()
    page.wait_for_function("() => /Sent \\d+\\.\\d s at \\d+ Hz/.test(document.querySelector('.affacrnn-mic-status').textContent)",
                           timeout=30_000)
    try:
        page.wait_for_function(
            "() => [...document.querySelectorAll('.widget-html')].some(e => /from microphone: .*utterance/.test(e.textContent))",
            timeout=120_000)
    except Exception:
        page.screenshot(path=str(artifacts / "11_inference-lab-microphone-failed.png"), full_page=True)
        raise
    info = page.locator(".widget-html", has_text="from microphone").first.inner_text()
    seconds = float(re.search(r"Received (\d+\.\d) s", info).group(1))
    assert 3.0 <= seconds <= 6.0, info  # about the 4 s recorded
    assert page.locator(".affacrnn-voice-sentiment").count() >= max(before, 1)
    page.locator(".affacrnn-microphone").first.locator("xpath=ancestor::div[contains(@class,'widget-vbox')][1]").screenshot(
        path=str(artifacts / "11_inference-lab-microphone.png"))


@pytest.mark.slow
@pytest.mark.parametrize("chapter", BROWSER_CHAPTERS)
def test_chapter_in_jupyterlab(chapter, lab, browser_context, artifacts):
    page = browser_context.new_page()
    page.set_default_timeout(180_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    start = time.monotonic()
    # A workspace of its own, reset: otherwise JupyterLab restores the notebooks of earlier pages
    # into this one, and "Run All" and the checks below could act on the wrong notebook.
    page.goto(f"{lab['url']}/lab/workspaces/{chapter}/tree/{chapter}.ipynb?reset&token={lab['token']}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", state="attached")
    assert page.locator(".jp-NotebookPanel").count() == 1, "another notebook was restored into this page"
    page.wait_for_function(_IDLE, timeout=240_000)  # the status bar names the kernel once it exists
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-item:visible", has_text="Run All Cells").first.click()
    idle_while_running = _run_all_watching_the_status_bar(page, RUN_ALL_TIMEOUT_S)
    # one sample may fall between two cells (idle for a moment); the fault showed Idle for 19-23 s
    assert idle_while_running <= 1, (f"{chapter}: the status bar said Idle for {idle_while_running} s while cells "
                                     "ran (is affacrnn.book.kernel.server_config_dir on JUPYTER_CONFIG_PATH?)")
    page.wait_for_function(_IDLE, timeout=180_000)
    ran_s = time.monotonic() - start
    page.screenshot(path=str(artifacts / f"{chapter}-lab-run-all.png"), full_page=True)

    failed = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')
    texts = page.locator(".jp-OutputArea-output").all_inner_texts()
    tracebacks = [t[:500] for t in texts if "Traceback (most recent call last)" in t or re.search(r"\w+Error: ", t)]
    assert failed.count() == 0 and not tracebacks, f"{chapter}: error outputs:\n" + "\n---\n".join(tracebacks)
    stderr = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').all_inner_texts()
    noisy = [line for text in stderr for line in text.splitlines() if TF_LOG_LINE.search(line)]
    assert not noisy, f"{chapter}: TensorFlow/absl/CUDA log lines in the notebook:\n" + "\n".join(noisy[:5])
    crowded = [line for text in stderr for line in text.splitlines() if line.startswith(FIGURE_PREFIX)]
    assert not crowded, f"{chapter}: figures with text on text:\n" + "\n".join(crowded)
    overflow = page.evaluate(_OVERFLOW, ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell")
    assert not overflow, f"{chapter}: content sticks out of its cell in JupyterLab:\n" + "\n".join(overflow[:10])

    if chapter == "05_features":  # the feature explorer instead of the utterance browser
        _check_feature_explorer(page, artifacts)
        assert not errors, f"JavaScript errors: {errors}"
        page.close()
        return

    if chapter == "08_fusion_attention":  # the attention viewer: three players, bars redrawn
        _check_attention_viewer(page, artifacts)
        assert not errors, f"JavaScript errors: {errors}"
        page.close()
        return

    if chapter == "11_inference":  # your own voice, through Chromium's fake microphone
        _check_microphone(page, artifacts)
        assert not errors, f"JavaScript errors: {errors}"
        page.close()
        return

    if chapter == "06_ub_bilstm":  # the ablation widget: retrain once, whatever the clicks
        _check_ablation(page, artifacts)
        assert not errors, f"JavaScript errors: {errors}"
        page.close()
        return

    if chapter != "02_listen":  # no widget to exercise: running every cell without an error is the check
        assert not errors, f"JavaScript errors: {errors}"
        print(f"{chapter}: run all in JupyterLab {ran_s:.1f} s")
        page.close()
        return

    # audio players exist and their audio loads (IPython Audio and the widget's player)
    assert page.locator("audio").count() >= 2, "expected the IPython player and the browser widget's player"
    page.wait_for_function(_AUDIO_LOADED, timeout=120_000)

    # changing a drop-down redraws the plot
    widget = page.locator(".jp-OutputArea-output .widget-vbox").first
    widget.scroll_into_view_if_needed()
    widget.screenshot(path=str(artifacts / f"{chapter}-lab-widget-before.png"))
    output_img = page.locator(".widget-vbox img.widget-image").first
    output_img.wait_for()
    before = output_img.get_attribute("src")
    label = page.locator(".widget-dropdown", has=page.locator("label", has_text=re.compile(r"^label$"))).locator("select")
    options = label.locator("option").all_inner_texts()
    assert len(options) >= 2, options
    current = label.input_value()
    label.select_option(next(o for o in options if o != current))
    page.wait_for_function(
        "([sel, old]) => { const i = document.querySelector(sel); return i && i.getAttribute('src') !== old; }",
        arg=[".widget-vbox img.widget-image", before], timeout=120_000,
    )
    page.wait_for_function(_AUDIO_LOADED, timeout=120_000)
    widget.screenshot(path=str(artifacts / f"{chapter}-lab-widget-after.png"))
    _check_saved_state(page, lab, chapter, artifacts)
    assert not errors, f"JavaScript errors: {errors}"
    print(f"{chapter}: run all + checks in JupyterLab {time.monotonic() - start:.1f} s (run all {ran_s:.1f} s)")
    page.close()


@pytest.mark.slow
def test_overflow_check_finds_what_sticks_out(browser_context, tmp_path):
    """The layout check is not vacuous: a wide table and a cut-off formula are found, a scrolled one is not."""
    wide = "<table><tr>" + "<td>column&nbsp;of&nbsp;a&nbsp;wide&nbsp;table</td>" * 12 + "</tr></table>"
    page_html = tmp_path / "overflow.html"
    page_html.write_text(
        "<html><body style='width: 600px'>"
        f"<article id='a'>{wide}</article>"
        f"<article id='b'><div style='overflow-x: auto'>{wide}</div></article>"
        "<article id='c'><div style='overflow: hidden'><pre>" + "x = " * 80 + "</pre></div></article>"
        f"<article id='d'><div class='jp-OutputArea-output' style='overflow-x: auto'><div class='jupyter-widgets'>"
        f"{wide}</div></div></article>"
        f"<article id='e'><div class='jp-OutputArea-output' style='overflow-x: auto'><div class='jupyter-widgets'>"
        f"<div style='overflow-x: auto'>{wide}</div></div></div></article>"
        "</body></html>")
    page = browser_context.new_page()
    page.goto(page_html.as_uri())
    assert len(page.evaluate(_OVERFLOW, "#a")) == 1
    assert page.evaluate(_OVERFLOW, "#b") == []
    assert [p.split(" ")[0] for p in page.evaluate(_OVERFLOW, "#c")] == ["pre"]
    # a widget's table as chapter 6 had it: only the output area's own scrolling held it
    assert [p.split(" ")[0] for p in page.evaluate(_OVERFLOW, "#d")] == ["table"]
    assert page.evaluate(_OVERFLOW, "#e") == []  # the same table in a scroller of its own
    page.close()


def _pages_with(page, html: Path, names, check, artifacts: Path, what: str) -> dict[str, list[str]]:
    """Open each built page ``names``; ``{name: what check() found}`` for the pages where it found something
    (a full-page screenshot of each is kept as ``NAME-html-WHAT.png``)."""
    problems = {}
    for name in names:
        page.goto((html / f"{name}.html").as_uri())
        page.wait_for_load_state("load")
        page.wait_for_timeout(800)  # widgets render and MathJax typesets after load
        found = check()
        if found:
            problems[name] = found
            page.screenshot(path=str(artifacts / f"{name}-html-{what}.png"), full_page=True)
    return problems


@pytest.mark.slow
def test_html_pages_keep_content_inside_the_column(tmp_path_factory, browser_context, artifacts):
    """Every page of the HTML book: no equation, table, image or widget sticks out of the text column."""
    html = ensure_html(tmp_path_factory)
    page = browser_context.new_page()
    problems = _pages_with(page, html, BROWSER_CHAPTERS, lambda: page.evaluate(_OVERFLOW, "article")[:5],
                           artifacts, "overflow")
    page.close()
    assert not problems, "content sticks out of the text column:\n" + json.dumps(problems, indent=1)


@pytest.mark.slow
def test_html_widgets_render_offline(tmp_path_factory, browser_context, artifacts):
    """The built page of chapter 2 renders its widgets with every non-local request blocked."""
    html = ensure_html(tmp_path_factory)
    page = browser_context.new_page()
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith(("file:", "data:", "blob:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((html / "02_listen.html").as_uri())
    page.wait_for_selector(".widget-dropdown select", timeout=180_000)
    page.wait_for_selector(".widget-vbox img.widget-image", timeout=120_000)
    assert page.locator(".widget-dropdown select").count() >= 4
    page.wait_for_function(_AUDIO_LOADED, timeout=120_000)
    widget = page.locator(".widget-vbox").first
    widget.scroll_into_view_if_needed()
    widget.screenshot(path=str(artifacts / "02_listen-html-widget.png"))
    assert not blocked, f"the page tried to reach the network: {blocked}"
    assert not errors, f"JavaScript errors: {errors}"
    page.close()


def _open_quietly(page, url: str, log: ConsoleLog) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(800)  # widgets render and MathJax typesets after load
    return log.take()


@pytest.mark.slow
def test_html_pages_have_no_console_errors(tmp_path_factory, browser_context, artifacts):
    """Every page of the HTML book loads without a console error, an uncaught exception or a failed request."""
    html = ensure_html(tmp_path_factory)
    page = browser_context.new_page()
    log = ConsoleLog(page)
    log.take()
    problems = _pages_with(page, html, [*BROWSER_CHAPTERS, "index", "search", "genindex"], lambda: log.take()[:6],
                           artifacts, "console")
    page.close()
    assert not problems, "the HTML book's pages log errors:\n" + json.dumps(problems, indent=1)


@pytest.mark.slow
def test_console_check_finds_each_fault(browser_context, tmp_path):
    """The console check is not vacuous: a script declared twice, a missing font and a thrown error are each found."""
    page_html = tmp_path / "faults.html"
    page_html.write_text(
        "<html><head><style>@font-face { font-family: gone; src: url(missing-font.woff2) format('woff2'); }"
        "body { font-family: gone; }</style>"
        "<script>const THEBE_JS_URL = 1</script><script>const THEBE_JS_URL = 1</script>"
        "<script>console.error('a logged error')</script></head><body>text</body></html>")
    quiet = tmp_path / "quiet.html"
    quiet.write_text("<html><body><script>console.warn('only a warning')</script>text</body></html>")
    page = browser_context.new_page()
    log = ConsoleLog(page)
    found = _open_quietly(page, page_html.as_uri(), log)
    assert any("THEBE_JS_URL" in e and e.startswith("uncaught") for e in found), found
    assert any("missing-font.woff2" in e for e in found), found
    assert any("a logged error" in e for e in found), found
    assert _open_quietly(page, quiet.as_uri(), log) == []
    page.close()
