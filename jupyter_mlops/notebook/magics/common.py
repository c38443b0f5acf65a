"""What the notebook magics share: help handling, option parsing and plain/HTML output.

``NamespaceMagics`` is the base of the magics that take notebook variables by name.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics

_HELP = {"-h", "--help"}


def wants_help(line: str) -> bool:
    return any(token in _HELP for token in line.split())


def print_help(method: Any) -> None:
    # magic_arguments put the usage in the docstring, in `%magic?` layout after a "::" line.
    text = (method.__doc__ or "").strip()
    text = text[2:].lstrip("\n") if text.startswith("::") else text
    print("Usage:\n" + text)


def split_names(groups: list[str] | None) -> list[str] | None:
    """``["a,b", "c"]`` as ``["a", "b", "c"]``; None when the option was not given."""
    if groups is None:
        return None
    names = [name.strip() for group in groups for name in group.split(",") if name.strip()]
    if not names:
        raise UsageError("Name at least one column, e.g. --columns age,income.")
    return names


def unquote(text: str | None) -> str | None:
    """``text`` without the quotes around it: IPython's argument split keeps them."""
    if text is not None and len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def show(text: str, markup: str) -> None:
    from IPython.display import display

    display({"text/plain": text, "text/html": markup}, raw=True)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> tuple[str, str]:
    """The rows as aligned plain text and as an HTML table."""
    lines = [tuple(str(cell) for cell in row) for row in (headers, *rows)]
    widths = [max(len(cell) for cell in column) for column in zip(*lines, strict=True)]
    text = "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
                     .rstrip() for row in lines)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row)
                   + "</tr>" for row in rows)
    return text, f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class NamespaceMagics(Magics):
    """Magics whose arguments may name variables of the notebook."""

    def _value(self, target: str) -> Any:
        """The notebook variable ``target`` names, else ``target`` unquoted (a path or ref)."""
        if target.isidentifier() and target in self.shell.user_ns:
            return self.shell.user_ns[target]
        return unquote(target)

    def _labelled(self, target: str) -> Any:
        value = self._value(target)
        attrs = getattr(value, "attrs", None)
        if isinstance(value, str) or not isinstance(attrs, dict) or "mlops_ref" in attrs:
            return value
        # The report names each side by the frame's label: the variable's name says more than
        # "DataFrame", and a shallow copy keeps the user's frame untouched.
        labelled = value.copy(deep=False)
        labelled.attrs = {**attrs, "mlops_ref": target}
        return labelled
