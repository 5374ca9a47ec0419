"""The journey report renders in headless Chromium, offline, and a full-page screenshot shows every section.

Needs Debian's `chromium` (/usr/bin/chromium). Locally the test is skipped without it; under
CI (`CI` set) a missing browser fails the test instead, so the check can never be skipped there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from journeysync.analytics import analyse
from journeysync.analytics.render import SECTIONS, render_html
from tests.analytics_dataset import JOURNEYS, NOW, customers

CHROMIUM = os.environ.get("JOURNEYSYNC_CHROMIUM", "/usr/bin/chromium")
WIDTH = 1280

# Appended to a copy of the report: measures each section once the page has loaded.
_PROBE = """<script>
window.addEventListener('load', () => {
  const out = {height: document.documentElement.scrollHeight, viewport: window.innerHeight, sections: {}};
  for (const s of document.querySelectorAll('section[data-section]')) {
    const r = s.getBoundingClientRect();
    const svgs = [...s.querySelectorAll('svg')].filter(v => v.getBoundingClientRect().height > 20).length;
    out.sections[s.dataset.section] = {top: r.top, bottom: r.bottom, height: r.height, svgs: svgs,
                                       tables: s.querySelectorAll('table').length};
  }
  const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def _chromium() -> str:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is not installed: CI must install Debian's chromium (see the Makefile)")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")


def _run(browser: str, profile: Path, height: int, *args: str) -> str:
    cmd = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={WIDTH},{height}", *args,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _probe(browser: str, profile: Path, page: Path, height: int) -> dict:
    dom = _run(browser, profile, height, "--dump-dom", page.as_uri())
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found, "the probe did not run"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_report_is_self_contained() -> None:
    html = render_html(analyse(customers(), JOURNEYS, NOW, destinations=["ses", "mailchimp"]))
    assert "<script src" not in html and "<link" not in html
    assert not re.search(r"""(src|href)=["']?https?:""", html)
    for sid, _ in SECTIONS:
        assert f"data-section='{sid}'" in html


def test_report_renders_in_headless_chromium_and_the_screenshot_shows_every_section(tmp_path: Path) -> None:
    browser = _chromium()
    report = analyse(customers(), JOURNEYS, NOW, destinations=["ses", "mailchimp"])
    html = render_html(report)
    page = tmp_path / "report.html"
    probe_page = tmp_path / "probe.html"
    page.write_text(html, encoding="utf-8")
    probe_page.write_text(html.replace("</body>", _PROBE + "</body>"), encoding="utf-8")

    first = _probe(browser, tmp_path / "profile", probe_page, 900)
    height = int(first["height"]) + 10
    measured = _probe(browser, tmp_path / "profile", probe_page, height)
    shot = tmp_path / "report.png"
    _run(browser, tmp_path / "profile", height, f"--screenshot={shot}", page.as_uri())

    assert _png_size(shot) == (WIDTH, height)
    assert shot.stat().st_size > 30_000  # charts and tables, not a blank page
    sections = measured["sections"]
    assert list(sections) == [sid for sid, _ in SECTIONS]
    for sid, box in sections.items():
        assert box["height"] > 40, sid
        assert box["top"] >= 0 and box["bottom"] <= height, f"{sid} is outside the screenshot"
        assert box["svgs"] + box["tables"] >= 1, f"{sid} drew nothing"
    charted = {"funnel", "stalled", "no-journey", "abandonment", "hotspots", "overlap", "freshness"}
    assert all(sections[s]["svgs"] >= 1 for s in charted)
    keep = os.environ.get("JOURNEYSYNC_REPORT_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)
