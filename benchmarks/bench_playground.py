"""Speed of the playground in a real browser: from a click on Play to the epoch counter at its
target, with every redraw on the way (the seed's app took about 20 s for its 2,000 epochs).

    python benchmarks/bench_playground.py              # the defaults and a 2-8-8-1 spiral, 3 runs each
    python benchmarks/bench_playground.py --runs 5 --json out.json
    python benchmarks/bench_playground.py --screenshots docs/images   # also the README's two pictures

Each run loads the page afresh in Debian's Chromium (driven by Playwright, see
demos/playground/driver.py) against ``python -m demos.playground`` on a loopback port, lets it
settle for a second, clicks Play and waits for the counter to read the target (the page load is
timed apart). "training alone" is the same number of epochs through the playground's Run without
a page: the floor the page adds its redraws to.
The machine's load average is printed with the figures: on a shared machine they move with it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from demos.playground import driver  # noqa: E402
from demos.playground.data import make_dataset  # noqa: E402
from demos.playground.settings import settings_from_query  # noqa: E402
from demos.playground.training import Run  # noqa: E402

SCENARIOS = {
    "defaults: XOR (4 points), 2-3-1 tanh, SGD, batch 1, 2,000 epochs, redraw every 100": "",
    "spiral (200 points, 100 train), 2-8-8-1 tanh, SGD, batch 10, 2,000 epochs, redraw every 100":
        "?data=spiral&hidden=8,8&batch=10",
}


def training_alone(query: str) -> float:
    params = dict(p.split("=") for p in query.lstrip("?").split("&") if p)
    settings = settings_from_query(params)[0]
    run = Run(settings, make_dataset(settings))
    start = time.perf_counter()
    run.advance(settings.epochs)
    return time.perf_counter() - start


def browser_run(browser, url: str, query: str) -> tuple[float, float]:
    """(seconds from asking for the page to its first chart, seconds from Play to the last epoch).
    Play is clicked once the page has settled for a second, as a person would."""
    page = browser.new_page()
    try:
        start = time.perf_counter()
        driver.open_page(page, url + "/" + query)
        load = time.perf_counter() - start
        target = int(page.url.split("epochs=")[1].split("&")[0])
        page.wait_for_timeout(1000)
        start = time.perf_counter()
        driver.play(page)
        driver.wait_for_epoch(page, target, timeout=300)
        return load, time.perf_counter() - start
    finally:
        page.close()


def screenshots(browser, url: str, folder: str) -> list[str]:
    """The README's two pictures: the spiral learning (decision tab) and the graph of a step."""
    os.makedirs(folder, exist_ok=True)
    page = browser.new_page()
    page.set_viewport_size({"width": 1400, "height": 1050})
    paths = []
    try:
        driver.open_page(page, url + "/?data=spiral&hidden=8,8&batch=10&opt=adam&lr=0.03&features=x1,x2,sinx1,sinx2"
                         "&epochs=500")
        driver.play(page)
        driver.wait_for_epoch(page, 500, timeout=300)
        page.wait_for_timeout(2000)
        paths.append(os.path.join(folder, "playground.png"))
        page.screenshot(path=paths[-1])
        driver.open_page(page, url + "/?batch=4&lr=1&epochs=200")  # mid-way, all 4 points in the step
        driver.play(page)
        driver.wait_for_epoch(page, 200, timeout=300)
        page.set_viewport_size({"width": 1400, "height": 1500})
        page.get_by_role("tab", name="Computation graph").click()
        page.wait_for_selector('[data-testid="stGraphVizChart"] svg', timeout=60_000)
        page.wait_for_timeout(3000)
        paths.append(os.path.join(folder, "playground_graph.png"))
        page.screenshot(path=paths[-1])
    finally:
        page.close()
    return paths


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    p.add_argument("--runs", type=int, default=3, help="page runs per scenario (default: %(default)s)")
    p.add_argument("--json", help="also write the figures to this file")
    p.add_argument("--screenshots", metavar="DIR", help="also write the README's two screenshots there")
    args = p.parse_args(argv)
    if driver.find_chromium() is None:
        print("no Chromium: apt-get install chromium (or set PLAYGROUND_CHROMIUM)", file=sys.stderr)
        return 1
    results = {}
    load_before = os.getloadavg()
    with driver.server() as url, driver.chromium() as browser:
        browser_run(browser, url, "?epochs=100")  # warm-up: the first page load compiles the app's modules
        for name, query in SCENARIOS.items():
            loads, times = zip(*(browser_run(browser, url, query) for _ in range(args.runs)))
            alone = training_alone(query)
            results[name] = {"query": query, "seconds": times, "median": statistics.median(times),
                             "page_load": loads, "training_alone": alone}
            print(f"{name}\n  Play to the last epoch: median {statistics.median(times):.2f} s "
                  f"(runs: {', '.join(f'{t:.2f}' for t in times)}); training alone {alone:.2f} s; "
                  f"page load to the first chart: median {statistics.median(loads):.2f} s", flush=True)
        if args.screenshots:
            print("screenshots:", *screenshots(browser, url, args.screenshots))
    load_after = os.getloadavg()
    print(f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}; {os.cpu_count()} cores; "
          f"Python {platform.python_version()}; {platform.machine()}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "load_average": [load_before[0], load_after[0]],
                       "cores": os.cpu_count(), "python": platform.python_version()}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
