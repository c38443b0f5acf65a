"""What changed between two versions: schema, row counts, column profiles, or files.

For DataFrame versions the stored profiles are compared, so no data is loaded; for file and
folder versions, the files' sizes and digests.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..records import DatasetVersion

if TYPE_CHECKING:
    import pandas as pd

STATS = ("count", "nulls", "distinct", "min", "max", "mean", "std")
COLUMNS = ["column", "change", "a", "b", "delta"]


@dataclass(frozen=True)
class DataDiff:
    """The changes from ``a`` to ``b``; ``changes`` has one row per change (see ``COLUMNS``)."""

    a: str
    b: str
    kind: str
    rows: tuple[int | None, int | None]
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    retyped: tuple[tuple[str, str, str], ...] = ()
    changes: tuple[tuple[Any, ...], ...] = field(default_factory=tuple)

    @property
    def same(self) -> bool:
        return not self.changes

    def to_frame(self) -> pd.DataFrame:
        """The changes as a DataFrame: column (or file), change, a, b, delta."""
        import pandas as pd

        return pd.DataFrame(list(self.changes), columns=COLUMNS)

    def summary(self) -> str:
        """One line saying what changed."""
        if self.same:
            return f"{self.a} and {self.b} hold the same data."
        parts = []
        if self.rows[0] != self.rows[1] and None not in self.rows:
            parts.append(f"rows {self.rows[0]} -> {self.rows[1]}")
        noun = "files" if self.kind != "dataframe" else "columns"
        if self.added:
            parts.append(f"{noun} added: {', '.join(self.added)}")
        if self.removed:
            parts.append(f"{noun} removed: {', '.join(self.removed)}")
        if self.retyped:
            parts.append("retyped: " + ", ".join(f"{c} {x} -> {y}" for c, x, y in self.retyped))
        changed = sorted({str(c[0]) for c in self.changes
                          if c[1] not in ("added", "removed", "retyped", "rows")})
        if changed:
            parts.append(f"changed: {', '.join(changed)}")
        return f"{self.a} -> {self.b}: " + "; ".join(parts) + "."

    def __str__(self) -> str:
        return self.summary()

    # Departure from issue 14 (HTML in the notebook face): IPython's display protocol asks the
    # object itself, so this renders in any notebook, extension loaded or not. See
    # docs/architecture.md, "Displays".
    def _repr_html_(self) -> str:
        head = f"<p><b>{html.escape(self.a)} &rarr; {html.escape(self.b)}</b>: " \
            f"{html.escape(self.summary().split(': ', 1)[-1])}</p>"
        if self.same:
            return head
        return head + self.to_frame().to_html(index=False, na_rep="", escape=True)


def diff_versions(a: DatasetVersion, b: DatasetVersion, profile_a: dict[str, Any] | None,
                  profile_b: dict[str, Any] | None,
                  files: tuple[dict[str, tuple[str, int]], dict[str, tuple[str, int]]] | None,
                  ) -> DataDiff:
    """The diff of two stored versions, given their profiles (DataFrames) or files (folders)."""
    if a.kind == b.kind == "dataframe" and profile_a is not None and profile_b is not None:
        return diff_profiles(a.ref, b.ref, a.columns, b.columns, profile_a, profile_b)
    left, right = files or ({}, {})
    return diff_files(a.ref, b.ref, a.kind if a.kind == b.kind else f"{a.kind}/{b.kind}",
                      left, right, (a.rows, b.rows))


def diff_profiles(a: str, b: str, types_a: dict[str, str], types_b: dict[str, str],
                  profile_a: dict[str, Any], profile_b: dict[str, Any]) -> DataDiff:
    """The diff of two DataFrames from their column types and profiles."""
    rows = (int(profile_a["rows"]), int(profile_b["rows"]))
    changes: list[tuple[Any, ...]] = []
    if rows[0] != rows[1]:
        changes.append(("", "rows", rows[0], rows[1], rows[1] - rows[0]))
    added = tuple(c for c in types_b if c not in types_a)
    removed = tuple(c for c in types_a if c not in types_b)
    retyped = tuple((c, types_a[c], types_b[c]) for c in types_a
                    if c in types_b and types_a[c] != types_b[c])
    changes += [(c, "added", None, types_b[c], None) for c in added]
    changes += [(c, "removed", types_a[c], None, None) for c in removed]
    changes += [(c, "retyped", x, y, None) for c, x, y in retyped]
    for column in (c for c in types_a if c in types_b):
        left = profile_a["columns"].get(column, {})
        right = profile_b["columns"].get(column, {})
        for stat in STATS:
            x, y = left.get(stat), right.get(stat)
            if _differs(x, y):
                changes.append((column, stat, x, y, _delta(x, y)))
        top_x = {str(v) for v, _ in left.get("top", [])}
        top_y = {str(v) for v, _ in right.get("top", [])}
        if left.get("type") == "categorical" and top_x != top_y:
            changes.append((column, "top values", ", ".join(sorted(top_x - top_y)) or None,
                            ", ".join(sorted(top_y - top_x)) or None, None))
    return DataDiff(a, b, "dataframe", rows, added, removed, retyped, tuple(changes))


def diff_files(a: str, b: str, kind: str, left: dict[str, tuple[str, int]],
               right: dict[str, tuple[str, int]], rows: tuple[int | None, int | None]
               ) -> DataDiff:
    """The diff of two file lists (path -> (digest, size))."""
    added = tuple(p for p in right if p not in left)
    removed = tuple(p for p in left if p not in right)
    changes: list[tuple[Any, ...]] = []
    if rows[0] != rows[1] and None not in rows:
        changes.append(("", "rows", rows[0], rows[1], _delta(rows[0], rows[1])))
    changes += [(p, "added", None, right[p][1], None) for p in added]
    changes += [(p, "removed", left[p][1], None, None) for p in removed]
    for path in (p for p in left if p in right and left[p][0] != right[p][0]):
        changes.append((path, "changed", left[path][1], right[path][1],
                        right[path][1] - left[path][1]))
    return DataDiff(a, b, kind, rows, added, removed, (), tuple(changes))


def _differs(x: Any, y: Any) -> bool:
    if x is None or y is None:
        return x is not y
    if isinstance(x, float) or isinstance(y, float):
        try:
            return not math.isclose(float(x), float(y), rel_tol=1e-12, abs_tol=0.0)
        except (TypeError, ValueError):
            return x != y
    return bool(x != y)


def _delta(x: Any, y: Any) -> float | None:
    if isinstance(x, (int, float)) and isinstance(y, (int, float)) \
            and not isinstance(x, bool) and not isinstance(y, bool):
        return y - x
    return None
