"""Driving Label Studio's editor in headless Chromium as a person would, counting the actions.

Debian's ``chromium`` and the Python ``playwright`` package; Playwright's own browser
download is never used. :func:`chromium_executable` installs the Debian package when it
is missing and the tests run as root (as on CI), and skips with the reason otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1600, "height": 1000}
EDITOR = ".lsf-main-view"
TEXT = f"{EDITOR} .lsf-htx-richtext"
APT_TIMEOUT = 900


def _apt_get(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(["apt-get", *args], capture_output=True, text=True, env=env, timeout=APT_TIMEOUT, check=False)


def chromium_executable() -> str:
    """Debian's Chromium, installed with apt-get when missing and running as root; else a skip."""
    if CHROMIUM.exists():
        return str(CHROMIUM)
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip(f"{CHROMIUM} is missing and cannot be installed here (needs root and apt-get): apt-get install chromium")
    done = _apt_get("install", "-y", "chromium")
    if done.returncode != 0:
        _apt_get("update")
        done = _apt_get("install", "-y", "chromium")
    if done.returncode != 0 or not CHROMIUM.exists():
        pytest.skip(f"apt-get install chromium failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return str(CHROMIUM)


_RANGE_BOX = """([selector, start, end]) => {
  const root = document.querySelector(selector);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let seen = 0, node, found = 0;
  while ((node = walker.nextNode())) {
    const points = Array.from(node.data);
    const here = (offset) => points.slice(0, offset - seen).join("").length;
    if (!(found & 1) && start < seen + points.length) { range.setStart(node, here(start)); found |= 1; }
    if ((found & 1) && end <= seen + points.length) { range.setEnd(node, here(end)); found |= 2; break; }
    seen += points.length;
  }
  if (found !== 3) return null;
  const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
  const first = rects[0], last = rects[rects.length - 1];
  return {x0: first.left, y0: first.top + first.height / 2, x1: last.right, y1: last.top + last.height / 2};
}"""


@dataclass
class Person:
    """A page used only through these actions; ``actions`` counts clicks, drags, scrolls and key presses."""

    page: object
    actions: int = 0
    log: list[str] = field(default_factory=list)

    def _count(self, what: str, n: int = 1) -> None:
        self.actions += n
        self.log.append(what)

    def _in_view(self, locator) -> bool:
        box = locator.bounding_box()
        height = self.page.viewport_size["height"]
        return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height

    def click(self, locator, what: str) -> None:
        """One click; a scroll first (one more action) when the target is out of view."""
        locator.wait_for(state="visible")
        if not self._in_view(locator):
            locator.scroll_into_view_if_needed()
            self._count(f"scroll to {what}")
        locator.click()
        self._count(f"click {what}")

    def chip(self, label: str) -> None:
        self.click(self.page.locator(f"{EDITOR} .lsf-label", has_text=label).first, f"label {label}")

    def region(self, region_id: str) -> None:
        self.click(self.page.locator(f'{TEXT} [class*="htx-highlight-{region_id}-"]').first, f"region {region_id}")

    def click_text(self, start: int, end: int) -> None:
        """Click the middle of the characters start:end (on one line), e.g. a word of a region."""
        box = self._box(start, end)
        assert box["y0"] == box["y1"], f"text {start}:{end} runs over two lines"
        self.page.mouse.click((box["x0"] + box["x1"]) / 2, box["y0"])
        self._count(f"click text {start}:{end}")

    def _box(self, start: int, end: int) -> dict:
        box = self.page.evaluate(_RANGE_BOX, [TEXT, start, end])
        assert box is not None, f"no text {start}:{end} in the editor"
        return box

    def drag(self, start: int, end: int) -> None:
        """Select the characters start:end (code points) with the mouse."""
        box = self._box(start, end)
        mouse = self.page.mouse
        mouse.move(box["x0"] + 1, box["y0"])
        mouse.down()
        mouse.move(box["x1"] - 1, box["y1"], steps=4)
        mouse.up()
        self._count(f"drag {start}:{end}")

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self._count(f"press {key}")

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self._count(f"type {text!r}", len(text))


def log_in(page, url: str, email: str, password: str) -> None:
    page.goto(f"{url}/user/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def open_task(page, url: str, project_id: int, task_id: int) -> None:
    page.goto(f"{url}/projects/{project_id}/data?task={task_id}")
    page.wait_for_selector(TEXT)
