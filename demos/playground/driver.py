"""The playground in a real browser, for the browser test, the speed benchmark and the README's
screenshots: its server on a free loopback port, and Debian's Chromium driven by Playwright.

>>> with server() as url, chromium() as browser:
...     page = browser.new_page()
...     open_page(page, url + "/?data=spiral&hidden=8,8&batch=10")
...     play(page); wait_for_epoch(page, 2000)

Playwright's own browser downloads are not used: ``chromium()`` launches the system's Chromium
(``/usr/bin/chromium``, or ``$PLAYGROUND_CHROMIUM``) with a fresh profile and no background
networking, so the page talks to its own server only.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

from .__main__ import command

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def find_chromium() -> str | None:
    """The Chromium to drive: ``$PLAYGROUND_CHROMIUM``, else ``chromium`` on PATH, else None."""
    return os.environ.get("PLAYGROUND_CHROMIUM") or shutil.which("chromium")


def free_port() -> int:
    """A TCP port nothing listens on now, on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(timeout: float = 60.0) -> Iterator[str]:
    """Start ``python -m demos.playground`` on a free loopback port; yield its URL once its health
    endpoint answers "ok"; stop it (that process only) afterwards. Its output goes to a log file
    whose path is in the error if it does not come up."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="playground-server-", suffix=".log", delete=False)
    options = ["--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true"]
    process = subprocess.Popen(command(options), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the playground server exited with status {process.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the playground server did not answer on {url} within {timeout:.0f} s; "
                                   f"see {log.name}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextlib.contextmanager
def chromium(executable: str | None = None, width: int = 1500, height: int = 1000) -> Iterator[Any]:
    """A Playwright browser context in the system's Chromium, with a fresh profile folder."""
    from playwright.sync_api import sync_playwright

    executable = executable or find_chromium()
    if executable is None:
        raise FileNotFoundError("no Chromium: install Debian's package (apt-get install chromium) "
                                "or set PLAYGROUND_CHROMIUM to its path")
    with tempfile.TemporaryDirectory(prefix="playground-chromium-") as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=executable, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": width, "height": height})
        try:
            yield context
        finally:
            context.close()


def open_page(page: Any, url: str, timeout: float = 60.0) -> None:
    """Load the page and wait until the epoch counter and the first chart are drawn."""
    page.goto(url, timeout=timeout * 1000)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=timeout * 1000)
    page.wait_for_selector('[data-testid="stVegaLiteChart"] .marks', timeout=timeout * 1000)


def epoch(page: Any) -> int:
    """The epoch the page's counter shows."""
    text = page.locator('[data-testid="stMetric"]').first.locator('[data-testid="stMetricValue"]').inner_text()
    match = re.match(r"\s*([\d,]+)", text)
    if match is None:
        raise ValueError(f"the epoch counter reads {text!r}")
    return int(match.group(1).replace(",", ""))


def play(page: Any) -> None:
    """Click Play, then move the mouse away from its tooltip."""
    page.locator(".st-key-play button").first.click()
    page.mouse.move(1, 1)


def pause(page: Any) -> None:
    """Click Pause (Play's place while playing)."""
    page.locator(".st-key-pause button").first.click()
    page.mouse.move(1, 1)


def wait_for_epoch(page: Any, target: int, timeout: float = 120.0) -> float:
    """Wait until the counter reaches ``target``; returns the seconds waited."""
    start = time.perf_counter()
    page.wait_for_function(
        """target => {
            const v = document.querySelector('[data-testid="stMetric"] [data-testid="stMetricValue"]');
            return v && parseInt(v.innerText.replace(/,/g, '')) >= target;
        }""", arg=target, timeout=timeout * 1000, polling=10)
    return time.perf_counter() - start


if __name__ == "__main__":  # python -m demos.playground.driver URL-QUERY OUT.png: one screenshot
    query, out = (sys.argv[1:] + ["", "playground.png"])[:2]
    with server() as url, chromium() as browser:
        page = browser.new_page()
        open_page(page, f"{url}/{query}")
        page.screenshot(path=out, full_page=True)
        print(out)
