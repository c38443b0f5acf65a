"""Running a cell body as IPython would run it without the magic around it.

The body runs in the user's namespace, IPython syntax in it (``%magics``, ``!shell``) is
transformed as usual, and the value of a final expression is returned so that the magic's
caller displays it as ``Out[n]``. Exceptions are not caught here: they leave as they came, and
the frames of this module are hidden from IPython's traceback with ``__tracebackhide__``.
"""

from __future__ import annotations

import ast
from typing import Any


def cell_number(shell: Any) -> int:
    """The execution count of the cell now running (``In[n]``).

    IPython counts up before it runs a cell it stores in history, so during that cell the
    shell's counter is one ahead; a cell run without history leaves it as it was.
    """
    count = int(shell.execution_count)
    history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
    stored = history is not None and len(history) == count and count > 0
    return count - 1 if stored else count


def run_body(shell: Any, body: str) -> Any:
    """Execute ``body`` in ``shell``'s user namespace; returns its last expression's value.

    Parameters
    ----------
    shell:
        The running ``InteractiveShell``.
    body:
        The source of the cell below the magic line.

    Returns
    -------
    object
        The value of the final expression statement, or None when the body ends otherwise.
    """
    __tracebackhide__ = True
    source = shell.transform_cell(body)
    # Registering the source under a cache name lets tracebacks show the user's lines.
    filename = shell.compile.cache(source, cell_number(shell), raw_code=body)
    tree = ast.parse(source, filename=filename)
    last: ast.expr | None = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body.pop().value  # type: ignore[union-attr]
    namespace = shell.user_ns
    if tree.body:
        code = shell.compile(tree, filename, "exec")
        exec(code, shell.user_global_ns, namespace)
    if last is None or _quiet(shell, source):
        return None
    expression = ast.Expression(last)
    value = eval(shell.compile(expression, filename, "eval"), shell.user_global_ns, namespace)
    return value


def _quiet(shell: Any, source: str) -> bool:
    """Whether the body ends in ``;``, which silences its value (IPython's own rule)."""
    try:
        return bool(shell.displayhook.semicolon_at_end_of_expression(source))
    except Exception:  # tokenising failed: show the value, as IPython would
        return False
