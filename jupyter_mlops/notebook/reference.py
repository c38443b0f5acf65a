"""The magics reference in Markdown, generated from the magics' own ``--help``."""

from __future__ import annotations

import textwrap
from typing import Any


def markdown(shell: Any = None) -> str:
    """Every ``%mlops_*`` magic's help text, as one Markdown page (docs/magics.md)."""
    if shell is None:
        from IPython.core.interactiveshell import InteractiveShell

        shell = InteractiveShell.instance()
    if "mlops_track" not in shell.magics_manager.magics["line"]:
        shell.run_line_magic("load_ext", "jupyter_mlops")
    lines = [
        "# Magics reference",
        "",
        "Generated from the magics' own `--help` (`python -m jupyter_mlops.notebook.reference`);",
        "a test keeps this file equal to that output. Load them with `%load_ext jupyter_mlops`.",
        "",
    ]
    for kind, prefix in (("cell", "%%"), ("line", "%")):
        for name in sorted(shell.magics_manager.magics[kind]):
            if not name.startswith("mlops"):
                continue
            func = shell.magics_manager.magics[kind][name]
            doc = textwrap.dedent(func.__doc__ or "").strip()
            doc = doc.removeprefix("::").strip("\n")
            lines += [f"## `{prefix}{name}`", "", "```text", textwrap.dedent(doc), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(), end="")
