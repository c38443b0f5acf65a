"""The sidebar with 100,000 runs in the store: REST page latency and time to first rows.

Targets (issue 8): the REST runs page answers with p50 under 50 ms, and the Runs tab shows its
first rows within 1 s of opening the panel in a real browser (Debian's Chromium).

    python benchmarks/bench_sidebar.py [--runs 100000] [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser.conftest import CHROME_ARGS, CHROMIUM, TOKEN, start_lab, stop_lab


def fill(root: Path, count: int) -> None:
    """Write ``count`` finished runs with params, metrics and tags in bulk."""
    from jupyter_mlops.config import resolve_workspace
    from jupyter_mlops.store import Store, schema
    from jupyter_mlops.store.engine import write
    from jupyter_mlops.tracking.ids import new_run_id

    store = Store.open(resolve_workspace(root), cache=False)
    now = time.time() - count
    experiment = store.runs.experiment_id("bench", now)
    runs, params, metrics = [], [], []
    for i in range(count):
        run_id = new_run_id()
        runs.append({"id": run_id, "experiment_id": experiment, "name": f"run-{i}",
                     "status": "FINISHED", "start_time": now + i, "end_time": now + i + 1})
        params.append({"run_id": run_id, "key": "C", "value": str(random.choice([0.1, 1, 10]))})
        metrics.append({"run_id": run_id, "key": "auc", "value": random.random(), "step": 0,
                        "timestamp": now + i})
    with write(store.engine) as connection:
        connection.execute(schema.runs.insert(), runs)
        connection.execute(schema.params.insert(), params)
        connection.execute(schema.latest_metrics.insert(), metrics)
    store.engine.dispose()


PAGES = {
    "first page": "runs?limit=50",
    "page at offset 50,000": "runs?limit=50&offset=50000",
    "sorted by metrics.auc": "runs?limit=50&order_by=metrics.auc%20DESC",
    "filtered params.C = '1'": "runs?limit=50&filter=params.C%20%3D%20%271%27",
}


def rest_latency(base: str, requests: int) -> dict[str, list[float]]:
    """Latency of each kind of runs page, ``requests`` requests each."""
    headers = {"Authorization": f"token {TOKEN}"}
    times: dict[str, list[float]] = {}
    for label, path in PAGES.items():
        url = f"{base}/jupyter-mlops/api/{path}"
        urllib.request.urlopen(urllib.request.Request(url, headers=headers)).read()  # warm up
        times[label] = []
        for _ in range(requests):
            start = time.perf_counter()
            urllib.request.urlopen(urllib.request.Request(url, headers=headers)).read()
            times[label].append(time.perf_counter() - start)
    return times


def first_rows(base: str, tries: int = 5) -> list[float]:
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        for _ in range(tries):
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{base}/lab?token={TOKEN}")
            page.wait_for_selector("#jp-main-dock-panel", timeout=90_000)
            tab = page.locator(
                '.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="jupyter-mlops-sidebar"]'
            )
            start = time.perf_counter()
            tab.click()
            page.locator("#jupyter-mlops-sidebar .jp-mlops-run-row").first.wait_for(
                timeout=30_000
            )
            results.append(time.perf_counter() - start)
            page.close()
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".mlops").mkdir()
        start = time.perf_counter()
        fill(root, args.runs)
        print(f"filled {args.runs:,} runs in {time.perf_counter() - start:.1f} s")
        for key in [k for k in os.environ if k.startswith("JUPYTER_MLOPS_")]:
            del os.environ[key]
        base, proc = start_lab(root)
        try:
            for label, latency in rest_latency(base, args.requests).items():
                latency.sort()
                p50 = statistics.median(latency) * 1000
                p99 = latency[int(len(latency) * 0.99) - 1] * 1000
                verdict = "PASS" if p50 < 50 else "MISS"
                print(f"REST runs page, {label} (50 of {args.runs:,} runs): p50 {p50:.1f} ms, "
                      f"p99 {p99:.1f} ms  [target p50 < 50 ms: {verdict}]")
            shown = first_rows(base)
            median = statistics.median(shown)
            verdict = "PASS" if median < 1 else "MISS"
            print(f"panel open -> first rows visible: median {median * 1000:.0f} ms over "
                  f"{len(shown)} opens (min {min(shown) * 1000:.0f} ms)  "
                  f"[target < 1 s: {verdict}]")
        finally:
            stop_lab(proc)


if __name__ == "__main__":
    main()
