"""Pipelines against plain papermill: cached reruns, per-step overhead, and --jobs 2.

    .venv/bin/python benchmarks/bench_pipeline.py [--repeat 5]

1. A fully cached rerun of a 10-step pipeline (target: under 1 s), in-process and as the
   `jupyter mlops pipeline run` command (interpreter start included).
2. The per-step overhead above plain papermill on the same 3-cell notebook (target: under 10%):
   `run_pipeline(force=True)` of a one-step pipeline against `papermill.execute_notebook`,
   interleaved, medians compared.
3. The speed-up of `--jobs 2` on four independent steps that each sleep one second.
4. Kernel start hidden: a chain of 10 small notebook steps (each needs the one before), run by
   `run_pipeline(force=True)` against `papermill.execute_notebook` on the same ten notebooks
   one after another (target: at least 1.5x faster), and the same chain with the kernel pool
   off (`executor_options={"warm_kernels": 0}`), interleaved.

Everything runs in a temporary workspace on SQLite. The machine is noisy: compare the ratios,
which are measured side by side, rather than the absolute times.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path


def notebook(path: Path, parameters: str, *cells: str) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    first = new_code_cell(parameters)
    first.metadata["tags"] = ["parameters"]
    book = new_notebook(cells=[first, *(new_code_cell(c) for c in cells)], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(book, str(path))


def make_project(root: Path) -> None:
    notebook(root / "notebooks" / "step.ipynb", "i = 0\nsize = 1000",
             "import os\nvalues = [i * k for k in range(size)]",
             "os.makedirs('out', exist_ok=True)\n"
             "with open(f'out/step{i}.txt', 'w') as handle:\n"
             "    handle.write(str(sum(values)))")
    notebook(root / "notebooks" / "sleep.ipynb", "seconds = 1.0",
             "import time", "time.sleep(seconds)")
    chain = ["name: ten", "steps:"]
    for i in range(10):
        chain += [f"  s{i}:", "    notebook: notebooks/step.ipynb",
                  f"    params: {{i: {i}}}", f"    outputs: [out/step{i}.txt]"]
        if i % 3:
            chain.append(f"    needs: [s{i - 1}]")
    (root / "ten.yaml").write_text("\n".join(chain) + "\n")
    (root / "one.yaml").write_text(textwrap.dedent("""\
        name: one
        steps:
          only:
            notebook: notebooks/step.ipynb
            params: {i: 7}
            outputs: [out/step7.txt]
        """))
    wide = ["name: wide", "steps:"]
    for i in range(4):
        wide += [f"  nap{i}:", "    notebook: notebooks/sleep.ipynb", "    params: {seconds: 1}"]
    (root / "wide.yaml").write_text("\n".join(wide) + "\n")
    line = ["name: line", "steps:"]
    for i in range(10):
        line += [f"  c{i}:", "    notebook: notebooks/step.ipynb",
                 f"    params: {{i: {i}}}", f"    outputs: [out/step{i}.txt]"]
        if i:
            line.append(f"    needs: [c{i - 1}]")
    (root / "line.yaml").write_text("\n".join(line) + "\n")


def timed(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def chain(root: Path, repeat: int) -> None:
    """Case 4: ten chained steps against papermill running the ten notebooks in turn."""
    import papermill

    from jupyter_mlops.pipeline import run_pipeline

    source = str(root / "notebooks" / "step.ipynb")

    def plain() -> None:
        for i in range(10):
            papermill.execute_notebook(source, str(root / f"plain-{i}.ipynb"),
                                       parameters={"i": i}, progress_bar=False)

    def ours(**options: int) -> None:
        result = run_pipeline("line.yaml", force=True, executor_options=options)
        assert result.ok and set(result.states().values()) == {"ran"}

    pooled, unpooled, papermills = [], [], []
    for _ in range(repeat):
        papermills.append(timed(plain))
        pooled.append(timed(ours))
        unpooled.append(timed(lambda: ours(warm_kernels=0)))
    best = statistics.median(papermills) / statistics.median(pooled)
    print("4. a chain of 10 small steps (target >= 1.5x faster than papermill in turn)")
    print("   papermill.execute_notebook x 10, in turn      "
          f"{statistics.median(papermills):7.2f} s")
    print(f"   run_pipeline, kernels started ahead            {statistics.median(pooled):7.2f} s"
          f"   speed-up {best:.2f}x")
    print(f"   run_pipeline, warm_kernels=0                   {statistics.median(unpooled):7.2f} s"
          f"   speed-up {statistics.median(papermills) / statistics.median(unpooled):.2f}x")
    print(f"   rounds: papermill {', '.join(f'{t:.2f}' for t in papermills)}; ours "
          f"{', '.join(f'{t:.2f}' for t in pooled)}; unpooled "
          f"{', '.join(f'{t:.2f}' for t in unpooled)}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="measurements per figure")
    parser.add_argument("--cases", default="1,2,3,4", help="which cases to run, e.g. 4 or 1,4")
    args = parser.parse_args()
    cases = set(args.cases.split(","))

    root = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    (root / ".mlops").mkdir()
    make_project(root)
    os.chdir(root)
    import papermill

    from jupyter_mlops.pipeline import run_pipeline

    print(f"workspace {root} on {os.cpu_count()} cores; {args.repeat} repeats; medians\n")

    if "1" in cases:
        # 1. Fully cached rerun of a 10-step pipeline.
        first = timed(lambda: run_pipeline("ten.yaml", jobs=2))
        cached = [timed(lambda: run_pipeline("ten.yaml")) for _ in range(args.repeat)]
        assert set(run_pipeline("ten.yaml").states().values()) == {"cached"}
        command = [sys.executable, "-c", "from jupyter_mlops.cli import main; main()",
                   "pipeline", "run", "ten.yaml", "--no-progress"]
        cli = [timed(lambda: subprocess.run(command, check=True, capture_output=True))
               for _ in range(args.repeat)]
        quiet = {**os.environ, "JUPYTER_MLOPS_CAPTURE_PACKAGES": "false"}
        cli_quiet = [timed(lambda: subprocess.run(command, check=True, capture_output=True,
                                                  env=quiet)) for _ in range(args.repeat)]
        bare = [timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
                for _ in range(args.repeat)]
        print("1. fully cached rerun, 10 steps (target < 1 s)")
        print(f"   first run (executes 10 notebooks, --jobs 2)  {first:7.2f} s")
        print("   cached rerun, in-process                      "
              f"{statistics.median(cached):7.3f} s")
        print(f"   cached rerun, `jupyter mlops pipeline run`    {statistics.median(cli):7.3f} s "
              f"(bare interpreter {statistics.median(bare):.3f} s)")
        print("   the same without the package-version capture  "
              f"{statistics.median(cli_quiet):7.3f} s "
              "(JUPYTER_MLOPS_CAPTURE_PACKAGES=false)\n")

    if "2" in cases:
        # 2. Per-step overhead above plain papermill, interleaved so both see the same load.
        source = str(root / "notebooks" / "step.ipynb")
        output = str(root / "plain-out.ipynb")
        run_pipeline("one.yaml", force=True)  # warm both paths: imports, kernel spec lookup
        papermill.execute_notebook(source, output, parameters={"i": 7}, progress_bar=False)
        ours, plain, own = [], [], []
        for _ in range(args.repeat):
            plain.append(timed(lambda: papermill.execute_notebook(
                source, output, parameters={"i": 7}, progress_bar=False)))
            start = time.perf_counter()
            result = run_pipeline("one.yaml", force=True)
            ours.append(time.perf_counter() - start)
            # The runner's own work: everything but the notebook's execution in its thread.
            own.append(ours[-1] - result.steps[0].duration)
        ratio = statistics.median(ours) / statistics.median(plain)
        print("2. one step against plain papermill, same notebook (target overhead < 10%)")
        print(f"   papermill.execute_notebook                    {statistics.median(plain):7.3f} s")
        print(f"   run_pipeline (tracked child run, cache, lineage, artifacts) "
              f"{statistics.median(ours):7.3f} s")
        print(f"   ratio {ratio:.3f}  overhead {100 * (ratio - 1):+.1f}% "
              f"({1000 * (statistics.median(ours) - statistics.median(plain)):+.0f} ms)")
        own_ms = 1000 * statistics.median(own)
        print(f"   runner's own time per run (total - execution) {own_ms:5.0f} ms "
              f"= {100 * statistics.median(own) / statistics.median(plain):.1f}% "
              "of papermill's time\n")

    if "3" in cases:
        # 3. --jobs 2 on four independent steps of one second each.
        serial = [timed(lambda: run_pipeline("wide.yaml", force=True, jobs=1))
                  for _ in range(max(1, args.repeat // 2))]
        parallel = [timed(lambda: run_pipeline("wide.yaml", force=True, jobs=2))
                    for _ in range(max(1, args.repeat // 2))]
        print("3. four independent 1-second steps")
        print(f"   --jobs 1  {statistics.median(serial):7.2f} s")
        print(f"   --jobs 2  {statistics.median(parallel):7.2f} s   speed-up "
              f"{statistics.median(serial) / statistics.median(parallel):.2f}x")

    if "4" in cases:
        chain(root, args.repeat)


if __name__ == "__main__":
    main()
