"""docs/architecture.md names real files, and the package has no two-file import circles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"


def _named_files() -> list[str]:
    table = DOC.read_text().split("## Where to change what", 1)[1]
    return sorted(set(re.findall(r"`((?:jupyter_mlops|tests)/[\w/]+\.(?:py|yaml))`", table)))


def test_the_where_to_change_what_table_names_at_least_the_plugin_homes():
    named = _named_files()
    for home in ("monitor/statistics", "server/routes", "models/flavors", "store/dialects",
                 "pipeline/executors", "notebook/magics"):
        assert any(home in path for path in named), home


@pytest.mark.parametrize("path", _named_files())
def test_each_file_the_architecture_names_exists(path: str):
    assert (ROOT / path).is_file(), f"docs/architecture.md names {path}, which does not exist"


# Left to break (each needs a helper moved, see the issue note): no new pair may join them.
KNOWN_CIRCLES: set[str] = set()


def test_no_two_modules_import_each_other():
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("jupyter_mlops", cache_dir=None, exclude_type_checking_imports=True)
    circles = sorted(
        f"{a} <-> {b}"
        for a in graph.modules
        for b in graph.find_modules_directly_imported_by(a)
        if a < b and a in graph.find_modules_directly_imported_by(b)
    )
    assert set(circles) <= KNOWN_CIRCLES, sorted(set(circles) - KNOWN_CIRCLES)
