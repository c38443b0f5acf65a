"""Running a cell body as IPython would run it without the magic around it.

The body runs in the user's namespace, IPython syntax in it (``%magics``, ``!shell``) is
transformed as usual, and the value of a final expression is returned so that the magic's
caller displays it as ``Out[n]``. Exceptions leave as they came, carrying a
``_render_traceback_`` (IPython's hook for custom tracebacks) that starts at the user's cell:
the magic's frames and IPython's ``run_cell_magic`` call stay out of what the user sees.
"""

from __future__ import annotations

import ast
import contextlib
from types import TracebackType
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
    try:
        if tree.body:
            code = shell.compile(tree, filename, "exec")
            exec(code, shell.user_global_ns, namespace)
        if last is None or _quiet(shell, source):
            return None
        expression = ast.Expression(last)
        return eval(shell.compile(expression, filename, "eval"), shell.user_global_ns, namespace)
    except BaseException as error:
        _render_from_cell(shell, error, filename)
        raise


def _render_from_cell(shell: Any, error: BaseException, filename: str) -> None:
    """Make IPython show ``error``'s traceback from the cell's first frame on, as a plain cell's.

    Frames added while the error leaves (this module, the magic, ``run_cell_magic``, the
    ``get_ipython().run_cell_magic(...)`` line) cannot be kept off the traceback object itself,
    so the rendering IPython asks the exception for is given the traceback cut here instead.
    """
    if hasattr(error, "_render_traceback_"):
        return  # the exception renders itself already (ipyparallel's, the user's own)
    tb: TracebackType | None = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    if tb is None:
        return

    def render() -> list[str]:
        return list(shell.InteractiveTB.structured_traceback(type(error), error, tb))

    # An exception type without a __dict__ keeps IPython's usual traceback.
    with contextlib.suppress(AttributeError, TypeError):
        error._render_traceback_ = render  # type: ignore[attr-defined]


def _quiet(shell: Any, source: str) -> bool:
    """Whether the body ends in ``;``, which silences its value (IPython's own rule)."""
    try:
        return bool(shell.displayhook.semicolon_at_end_of_expression(source))
    except Exception:  # tokenising failed: show the value, as IPython would
        return False
