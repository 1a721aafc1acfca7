"""The playground in a real browser: Debian's Chromium, driven by Playwright, against the server
started as a person starts it (``python -m demos.playground``) on a free loopback port."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.image import imread, imsave

from demos.playground import driver


def tinted(png: bytes, warm: bool) -> int:
    """How many pixels of a PNG are clearly orange (red well above blue) or clearly blue (the reverse):
    the playground's two colours, in any shade."""
    rgb = imread(io.BytesIO(png), format="png")[..., :3] * 255
    difference = rgb[..., 0] - rgb[..., 2]
    return int((difference > 80).sum() if warm else (difference < -80).sum())


def distinct_colours(png: bytes) -> int:
    rgb = (imread(io.BytesIO(png), format="png")[..., :3] * 255).astype(np.uint8).reshape(-1, 3)
    return len(np.unique(rgb, axis=0))


def test_a_blank_screenshot_is_told_apart():
    """The screenshot checks below can fail: a white page has neither colour nor variety."""
    blank = io.BytesIO()
    imsave(blank, np.ones((50, 80, 3)), format="png")
    png = blank.getvalue()
    assert tinted(png, warm=True) == 0 and tinted(png, warm=False) == 0
    assert distinct_colours(png) == 1


@pytest.mark.slow
def test_play_in_chromium_moves_the_counter_draws_the_charts_and_pauses(tmp_path):
    executable = driver.find_chromium()
    if executable is None:
        pytest.skip("no Chromium on this machine: apt-get install chromium (CI installs it)")
    pytest.importorskip("playwright", reason="pip install -e '.[dev]' brings Playwright")
    with driver.server() as url, driver.chromium(executable) as browser:
        page = browser.new_page()
        driver.open_page(page, url + "/?epochs=10000")
        assert driver.epoch(page) == 0
        assert "data=xor4" in page.url and "hidden=3" in page.url  # the state is in the address
        driver.play(page)
        driver.wait_for_epoch(page, 300, timeout=60)
        # the network, the loss curve and the boundary, each drawn (a redraw may be replacing one
        # at any given instant: wait for the three, up to 10 s)
        page.wait_for_function("""() => {
            const charts = document.querySelectorAll('[data-testid="stVegaLiteChart"]');
            return charts.length === 3 && Array.from(charts).every(c => c.querySelector('.marks'));
        }""", timeout=10_000)
        driver.pause(page)
        page.get_by_role("button", name="Play").wait_for(timeout=30_000)
        page.wait_for_timeout(1000)  # the counter's last redraw may land just after the button's
        paused_at = driver.epoch(page)
        page.wait_for_timeout(1500)
        assert driver.epoch(page) == paused_at >= 300
        png = page.screenshot(path=str(tmp_path / "playground.png"))
    # the network's weights, the neurons and the boundary (a paler shade) are drawn in both colours
    assert tinted(png, warm=True) > 10_000 and tinted(png, warm=False) > 10_000
    assert distinct_colours(png) > 500
