"""The lab with a large store: the Runs list, a Run view and a Compare view in a real browser.

Targets (issues 8 and 16), measured in JupyterLab driven by Debian's Chromium through Playwright:

- the REST runs page over 100,000 runs answers with p50 under 50 ms, and the Runs tab shows its
  first rows within 1 s of opening the panel;
- a Run view (``mlops:open-run``) of a run with 100 metrics x 10,000 steps draws the charts of
  its first screen with p50 under 300 ms (its charts are lazy: only those in view are drawn);
- a Compare view (``mlops:compare-runs``) of 10 such runs draws its first screen (the tables and
  the charts in view) in under 1 s; its charts are lazy too, so the bench also scrolls down to
  the parallel coordinates and the scatter and reports when that screen is drawn (no target).

A cold open is the first in a fresh lab page, ``--settle`` ms after the lab has restored (1000 by
default, as before a user's first click; several values measure the cold open once each). The
lab loads plotly.js's basic bundle in idle time once restored, so whether it is in by then
depends on the wait: 0 gives it no head start, and each cold line says which plotly bundles the
page had fetched before the open. A warm open follows another view's open in the same page.
PEERS.md has no figure for the MLflow UI, so no ratio is printed.

    python benchmarks/bench_sidebar.py [--runs 100000] [--requests 50] [--metrics 100]
        [--steps 10000] [--compare 10] [--tries 5] [--compare-tries 3] [--settle 0,1000,2000]
        [--skip-list]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

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


def fill_heavy(root: Path, count: int, metrics: int, steps: int) -> list[str]:
    """Write ``count`` finished runs of ``metrics`` metrics x ``steps`` steps; their ids."""
    from jupyter_mlops.config import resolve_workspace
    from jupyter_mlops.store import Store, schema
    from jupyter_mlops.store.engine import write
    from jupyter_mlops.tracking.ids import new_run_id

    store = Store.open(resolve_workspace(root), cache=False)
    rng = random.Random(16)
    now = time.time() - count * steps
    experiment = store.runs.experiment_id("heavy", now)
    ids = [new_run_id() for _ in range(count)]
    with write(store.engine) as connection:
        connection.execute(schema.runs.insert(), [
            {"id": run_id, "experiment_id": experiment, "name": f"heavy-{i}",
             "status": "FINISHED", "start_time": now + i * steps,
             "end_time": now + (i + 1) * steps} for i, run_id in enumerate(ids)])
        connection.execute(schema.params.insert(), [
            {"run_id": run_id, "key": key, "value": value} for i, run_id in enumerate(ids)
            for key, value in (("lr", str(10 ** -(1 + i % 4))), ("batch", str(32 << i % 3)))])
    # A flush of 10 metrics at a time: the store's batch insert, 100,000 values per transaction.
    per_flush = max(1, 100_000 // steps)
    for i, run_id in enumerate(ids):
        start = now + i * steps
        for first in range(0, metrics, per_flush):
            rows = []
            for k in range(first, min(first + per_flush, metrics)):
                key, scale = f"metric_{k:03d}", 1 + k % 7
                rows.extend((run_id, key, scale * math.exp(-s / 3000) + rng.random() * 0.05, s,
                             start + s) for s in range(steps))
            store.runs.insert_metrics(rows)
    store.engine.dispose()
    return ids


# In the page: run a lab command that opens a view, then wait frame by frame until the view's
# charts that a user sees are drawn. A lazy view (the Run and Compare views) draws only the chart
# cells in the visible part of the view; every one of those must hold a drawn plot, and so must
# every plot the view made. Otherwise every plot the view made must be drawn. `scroll` names the
# element a user then scrolls to (null: none); that screen is timed the same way. Resource
# timings say when the server's answers arrived.
MEASURE_JS = """
async ({command, args, root, lazy, scroll}) => {
  const app = window.jupyterapp;
  const visible = (node, clip) => {
    const r = node.getBoundingClientRect();
    return r.bottom > clip.top && r.top < clip.bottom && r.right > clip.left
      && r.left < clip.right;
  };
  const settle = (widget, t0) => new Promise((resolve, reject) => {
    let content = null;
    let first = null;
    const deadline = t0 + 300000;
    const tick = () => {
      const now = performance.now();
      const view = widget.node.querySelector(root);
      if (view) {
        content ??= now - t0;
        const plots = Array.from(view.querySelectorAll('.jp-mlops-plot'));
        const drawn = plots.filter(p => p.dataset.rendered === 'true');
        if (drawn.length) {
          first ??= now - t0;
        }
        const clip = widget.node.querySelector('.jp-mlops-view-content').getBoundingClientRect();
        const cells = Array.from(view.querySelectorAll('.jp-mlops-chart-cell, .jp-mlops-lazy'));
        const inView = cells.filter(c => visible(c, clip));
        const ready = lazy
          ? inView.length > 0 && inView.every(
              c => c.querySelector(".jp-mlops-plot[data-rendered='true']"))
            && drawn.length === plots.length
          : plots.length > 0 && drawn.length === plots.length;
        if (ready) {
          resolve({ms: now - t0, content, first, drawn: drawn.length, cells: cells.length,
                   inView: inView.length});
          return;
        }
      }
      if (now > deadline) {
        reject(new Error(`${command}: charts not drawn within 300 s`));
        return;
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  if (window.__benchWidget) {
    window.__benchWidget.dispose();
    window.__benchWidget = null;
    await new Promise(r => setTimeout(r, 300));
  }
  // The plotly bundles this page had fetched before the open (the idle-time preload's, in a
  // fresh page): their names up to the content hash.
  const preloaded = performance.getEntriesByType('resource')
    .map(e => e.name.split('/').pop())
    .filter(name => name.includes('plotly') && name.endsWith('.js'))
    .map(name => name.replace(/^vendors-node_modules_/, '').replace(/_plotly.*$/, ''));
  performance.clearResourceTimings();
  const t0 = performance.now();
  const widget = await app.commands.execute(command, args);
  window.__benchWidget = widget;
  const result = await settle(widget, t0);
  result.preloaded = preloaded;
  result.api = performance.getEntriesByType('resource')
    .filter(e => e.name.includes('/jupyter-mlops/api/'))
    .map(e => [new URL(e.name).pathname.split('/api/')[1].split('/').pop()
                 .replace(/^[0-9a-f]{32}$/, 'run'), e.responseEnd - t0]);
  result.js = performance.getEntriesByType('resource')
    .filter(e => e.initiatorType === 'script')
    .map(e => [e.name.split('/').pop(), e.responseEnd - t0]);
  if (scroll) {
    // A user scrolls down to the charts: the screen holding the target's top must be drawn.
    const target = widget.node.querySelector(scroll);
    const s0 = performance.now();
    target.scrollIntoView({block: 'start'});
    const after = await settle(widget, s0);
    result.scroll = after.ms;
    result.scrollDrawn = after.drawn;
  }
  return result;
}
"""


def open_lab(browser: Any, base: str, workspace: str, settle_ms: int = 1000) -> Any:
    """A fresh lab page on its own workspace (so no view of an earlier try is restored),
    ``settle_ms`` after the lab has restored."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{base}/lab/workspaces/{workspace}?token={TOKEN}")
    page.wait_for_selector("#jp-main-dock-panel", timeout=90_000)
    page.wait_for_function(
        "window.jupyterapp && window.jupyterapp.commands.hasCommand('mlops:open-run')",
        timeout=90_000)
    page.evaluate("window.jupyterapp.restored")
    if settle_ms:
        page.wait_for_timeout(settle_ms)  # the launcher and sidebar settle, as before a click
    return page


def hot_spots(profile: dict[str, Any], top: int = 6) -> str:
    """The functions (and scripts) where a CPU profile spent most of its own time."""
    nodes = {node["id"]: node["callFrame"] for node in profile["nodes"]}
    spent: dict[str, float] = {}
    files: dict[str, float] = {}
    for node_id, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        frame = nodes[node_id]
        url = frame["url"].split("?")[0]
        script = ("plotly.js" if "plotly" in url else url.rsplit("/", 1)[-1][:40]) or "(native)"
        name = f"{frame['functionName'] or '(anonymous)'} [{script}]"
        spent[name] = spent.get(name, 0) + delta / 1000
        files[script] = files.get(script, 0) + delta / 1000
    total = sum(spent.values()) or 1
    ranked = sorted(spent.items(), key=lambda kv: -kv[1])[:top]
    by_file = sorted(files.items(), key=lambda kv: -kv[1])[:4]
    return ("by script: " + ", ".join(f"{k} {v / total:.0%}" for k, v in by_file)
            + "\n    top functions: " + ", ".join(f"{k} {v:.0f} ms" for k, v in ranked))


def view_times(base: str, command: str, args: list[dict[str, Any]], root: str, lazy: bool,
               tries: int, scroll: str | None, settles: list[int]
               ) -> tuple[dict[int, list[dict[str, Any]]], list[dict[str, Any]]]:
    """Cold opens (each in a fresh page, once for each wait in ``settles``, by ms after the
    lab restored) and warm opens (one page, one view after another); the warm ones then scroll
    to ``scroll`` (a CSS selector) when it is given."""
    from playwright.sync_api import sync_playwright

    cold: dict[int, list[dict[str, Any]]] = {settle: [] for settle in settles}
    warm = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        spec = {"command": command, "root": root, "lazy": lazy}
        # The waits in turn, try by try, so that a change of the machine's load falls on all.
        for n in range(tries):
            for settle in settles:
                page = open_lab(browser, base, f"bench-cold-{command[6:]}-{settle}-{n}", settle)
                cold[settle].append(page.evaluate(MEASURE_JS, dict(
                    spec, args=args[n % len(args)], scroll=None)))
                page.close()
        page = open_lab(browser, base, f"bench-warm-{command[6:]}")
        # The page's first open loads plotly.js and is not counted; a CPU profile of it says
        # where the page's time goes.
        cdp = page.context.new_cdp_session(page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 500})
        cdp.send("Profiler.start")
        page.evaluate(MEASURE_JS, dict(spec, args=args[-1], scroll=None))
        profile = hot_spots(cdp.send("Profiler.stop")["profile"])
        for n in range(tries):
            warm.append(page.evaluate(MEASURE_JS, dict(spec, args=args[n % len(args)],
                                                       scroll=scroll)))
        warm[-1]["profile"] = profile
        page.close()
        browser.close()
    return cold, warm


def rest_view(base: str, paths: list[str], requests: int) -> dict[str, float]:
    """Median latency of each REST route a view calls, in ms (after one warm-up each)."""
    headers = {"Authorization": f"token {TOKEN}"}
    times: dict[str, list[float]] = {path: [] for path in paths}
    for n in range(requests + 1):
        for path in paths:
            url = f"{base}/jupyter-mlops/api/{path}"
            start = time.perf_counter()
            urllib.request.urlopen(urllib.request.Request(url, headers=headers)).read()
            if n:
                times[path].append(time.perf_counter() - start)
    return {path: statistics.median(t) * 1000 for path, t in times.items()}


def report(label: str, results: list[dict[str, Any]], target_ms: float,
           scrolled_to: str = "the chart grid") -> None:
    """One case's p50, the parts of it, the target and the verdict."""
    total = statistics.median(r["ms"] for r in results)
    content = statistics.median(r["content"] for r in results)
    first = statistics.median(r["first"] for r in results)
    api: dict[str, list[float]] = {}
    for r in results:
        for name, end in r["api"]:
            api.setdefault(name, []).append(end)
    answered = ", ".join(f"{name} {statistics.median(ends):.0f} ms"
                         for name, ends in sorted(api.items(), key=lambda kv: kv[1]))
    last = results[-1]
    verdict = "PASS" if total < target_ms else f"MISS by {total - target_ms:.0f} ms"
    print(f"{label}: p50 {total:.0f} ms over {len(results)} tries "
          f"(min {min(r['ms'] for r in results):.0f}, max {max(r['ms'] for r in results):.0f}) "
          f"[target < {target_ms:.0f} ms: {verdict}]")
    print(f"    {last['drawn']} charts drawn ({last['inView']} of {last['cells']} chart cells in "
          f"view)")
    print(f"    p50 parts: server answers in at {answered or 'none'}; view painted at "
          f"{content:.0f} ms; first chart drawn at {first:.0f} ms")
    scripts = [f"{name} {end:.0f} ms" for name, end in last["js"]]
    if scripts:
        print(f"    scripts loaded (last try): {', '.join(scripts)}")
    preloaded = [", ".join(r["preloaded"]) or "none" for r in results]
    print(f"    plotly bundles fetched before the open, by try: {'; '.join(preloaded)}")
    if "scroll" in last:
        scrolled = statistics.median(r["scroll"] for r in results)
        print(f"    scrolled to {scrolled_to} -> that screen drawn: p50 {scrolled:.0f} ms, "
              f"{last['scrollDrawn']} charts drawn in all (no target)")
    if "profile" in last:
        print(f"    CPU profile of the page's first (uncounted) open, {last['profile']}")
    print("    peer: PEERS.md gives no MLflow UI figure, so no ratio")


def list_case(args: argparse.Namespace) -> None:
    """The Runs list over ``args.runs`` runs: REST pages and first rows in the browser."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".mlops").mkdir()
        start = time.perf_counter()
        fill(root, args.runs)
        print(f"filled {args.runs:,} runs in {time.perf_counter() - start:.1f} s")
        base, proc = start_lab(root)
        try:
            for label, latency in rest_latency(base, args.requests).items():
                latency.sort()
                p50 = statistics.median(latency) * 1000
                p99 = latency[int(len(latency) * 0.99) - 1] * 1000
                verdict = "PASS" if p50 < 50 else "MISS"
                print(f"REST runs page, {label} (50 of {args.runs:,} runs): p50 {p50:.1f} ms, "
                      f"p99 {p99:.1f} ms  [target p50 < 50 ms: {verdict}]")
            shown = first_rows(base, args.tries)
            median = statistics.median(shown)
            verdict = "PASS" if median < 1 else f"MISS by {(median - 1) * 1000:.0f} ms"
            print(f"panel open -> first rows visible: median {median * 1000:.0f} ms over "
                  f"{len(shown)} opens (min {min(shown) * 1000:.0f} ms)  "
                  f"[target < 1 s: {verdict}]")
            print("    peer: PEERS.md gives no MLflow UI figure, so no ratio")
        finally:
            stop_lab(proc)


def view_cases(args: argparse.Namespace) -> None:
    """The Run view of one heavy run and the Compare view of ``args.compare`` heavy runs."""
    count = max(args.compare, 1)
    values = args.metrics * args.steps
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".mlops").mkdir()
        start = time.perf_counter()
        ids = fill_heavy(root, count, args.metrics, args.steps)
        print(f"filled {count} runs x {args.metrics} metrics x {args.steps:,} steps "
              f"({count * values:,} metric values) in {time.perf_counter() - start:.1f} s")
        base, proc = start_lab(root)
        try:
            view, histories = rest_view(base, [f"runs/{ids[0]}/view",
                                               f"runs/{ids[0]}/histories?max_points=400"],
                                        max(args.requests // 10, 3)).values()
            print(f"REST routes of the Run view ({values:,} values): runs/{{id}}/view p50 "
                  f"{view:.0f} ms, runs/{{id}}/histories (400 points a metric) p50 "
                  f"{histories:.0f} ms (no target; the view waits for both)")
            cold, warm = view_times(base, "mlops:open-run", [{"id": i} for i in ids],
                                    ".jp-mlops-runview", True, args.tries, ".jp-mlops-chart-grid",
                                    args.settle)
            for settle, results in cold.items():
                report(f"Run view, {args.metrics} metrics x {args.steps:,} steps -> first "
                       f"screen of charts drawn, cold (fresh page, opened {settle} ms after the "
                       "lab restored)", results, 300)
            report("Run view, the same, warm (another run's view opened before)", warm, 300)
            if args.compare < 2:
                return
            # The compare route's time is read from the browser's resource timings: on its own
            # it costs about ten histories routes a request.
            cold, warm = view_times(base, "mlops:compare-runs", [{"ids": ids}],
                                    ".jp-mlops-compareview", True, args.compare_tries,
                                    ".jp-mlops-parcoords-cell", args.settle)
            for settle, results in cold.items():
                report(f"Compare view, {args.compare} runs x {args.metrics} metrics x "
                       f"{args.steps:,} steps -> first screen (tables + the charts in view) "
                       f"drawn, cold (fresh page, opened {settle} ms after the lab restored)",
                       results, 1000)
            report("Compare view, the same, warm (opened again in the same page)", warm, 1000,
                   "the parallel coordinates and the scatter")
        finally:
            stop_lab(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=100_000, help="runs in the Runs list case")
    parser.add_argument("--requests", type=int, default=50, help="REST requests per page kind")
    parser.add_argument("--metrics", type=int, default=100, help="metrics of each heavy run")
    parser.add_argument("--steps", type=int, default=10_000, help="steps of each metric")
    parser.add_argument("--compare", type=int, default=10,
                        help="heavy runs in the Compare view (below 2: no Compare case)")
    parser.add_argument("--tries", type=int, default=5, help="browser opens per case")
    parser.add_argument("--compare-tries", type=int, default=3,
                        help="browser opens of the Compare view, cold and warm each")
    parser.add_argument("--settle", type=lambda text: [int(ms) for ms in text.split(",")],
                        default=[1000],
                        help="ms between the lab's restore and a cold open; a comma-separated "
                             "list measures the cold opens once for each (default 1000)")
    parser.add_argument("--skip-list", action="store_true", help="no Runs list case")
    parser.add_argument("--skip-views", action="store_true", help="no Run or Compare case")
    args = parser.parse_args()
    for key in [k for k in os.environ if k.startswith("JUPYTER_MLOPS_")]:
        del os.environ[key]
    print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f} on {os.cpu_count()} CPUs")
    if not args.skip_list:
        list_case(args)
    if not args.skip_views:
        view_cases(args)
    print(f"load average after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
