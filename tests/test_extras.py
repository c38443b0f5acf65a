"""Each `pip install 'jupyter-mlops[extra]'` an error message suggests names a real extra."""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def test_every_extra_named_in_the_code_exists():
    extras = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
                 ["optional-dependencies"])
    named: dict[str, set[str]] = {}
    for path in (ROOT / "jupyter_mlops").rglob("*.py"):
        for extra in re.findall(r"jupyter-mlops\[([\w,{}]+)\]", path.read_text()):
            if "{" not in extra:  # built from a variable; its values are checked where set
                for one in extra.split(","):
                    named.setdefault(one, set()).add(str(path.relative_to(ROOT)))
    missing = {extra: sorted(paths) for extra, paths in named.items() if extra not in extras}
    assert missing == {}
