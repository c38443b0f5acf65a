"""Exit codes of `jupyter mlops` and the translation of library errors into them.

Every error the library raises on purpose becomes one line, ``Error: <message>``, on stderr
and one of these exit codes; anything else is a bug and keeps its traceback.

====  =====================================================================================
code  meaning
====  =====================================================================================
0     success
1     general error: a corrupt artifact, a missing optional dependency, a store that cannot
      be reached, a workspace newer than this release, a bad setting, a file system error
2     usage error: click's own (unknown option, missing argument) and invalid input such as
      a filter expression that does not parse or a run id that is too short or ambiguous
3     not found: no such run, experiment or artifact
4     conflict: the stored state forbids the change (a deleted run), or a name is taken
====  =====================================================================================
"""

from __future__ import annotations

import sys

import click

from ..errors import AlreadyExists, Conflict, InvalidInput, MlopsError, NotFound, QuerySyntaxError

OK = 0
GENERAL = 1
USAGE = 2
NOT_FOUND = 3
CONFLICT = 4

EPILOG = (
    "Exit codes: 0 success, 1 error, 2 usage error or invalid input, 3 not found, 4 conflict."
)


class CommandError(click.ClickException):
    """A one-line error with the exit code its cause calls for."""

    def __init__(self, message: str, exit_code: int = GENERAL) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def exit_code(error: BaseException) -> int:
    """The exit code for a library error (see the module's table)."""
    if isinstance(error, NotFound):
        return NOT_FOUND
    if isinstance(error, (Conflict, AlreadyExists)):
        return CONFLICT
    if isinstance(error, InvalidInput):
        return USAGE
    return GENERAL


def one_line(error: BaseException) -> str:
    """The error's message on one line, whatever line breaks it carried."""
    text = str(error)
    if isinstance(error, QuerySyntaxError):
        # The library adds a caret under the offending token on extra lines; the first line
        # already names the token and its position.
        first = text.splitlines()[0] if text else ""
        return f"{first} in: {error.text}"
    return " ".join(line.strip() for line in text.splitlines() if line.strip()) or repr(error)


def _raised_in(error: BaseException, module: str) -> bool:
    """Whether ``error`` was raised by code of ``module`` (its innermost frame)."""
    tb = error.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return bool(tb.tb_frame.f_globals.get("__name__") == module)


def _database_error(error: BaseException) -> str | None:
    """The message for a SQLAlchemy error that means the store is unreachable, else None.

    Checked by module name: importing SQLAlchemy here would slow every command's start, and an
    error of it can only exist once it has been imported.
    """
    exc_module = sys.modules.get("sqlalchemy.exc")
    if exc_module is None or not isinstance(error, exc_module.OperationalError):
        return None
    cause = getattr(error, "orig", None) or error
    detail = one_line(cause)
    return (
        f"The metadata store cannot be reached: {detail}. Check --uri or $JUPYTER_MLOPS_URI."
    )


def translate(error: Exception) -> CommandError | None:
    """The CLI error for ``error``, or None when it is a bug that should keep its traceback.

    Parameters
    ----------
    error:
        An exception raised while a command ran.

    Returns
    -------
    CommandError or None
        Shown by click as ``Error: <message>`` with the exit code of the module's table.
    """
    if isinstance(error, MlopsError):
        return CommandError(one_line(error), exit_code(error))
    if isinstance(error, ValueError) and _raised_in(error, "jupyter_mlops.config"):
        # The settings table's bad environment variable or pyproject value; any other
        # ValueError is a bug and keeps its traceback.
        return CommandError(one_line(error), GENERAL)
    if isinstance(error, OSError):
        where = f": {error.filename}" if error.filename else ""
        return CommandError(f"{error.strerror or one_line(error)}{where}", GENERAL)
    database = _database_error(error)
    if database is not None:
        return CommandError(database, GENERAL)
    return None
