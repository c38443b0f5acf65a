"""The exception tree of jupyter-mlops.

Every error the library raises on purpose is an ``MlopsError``; each says what went wrong
and how to fix it in one line, so the faces can show it as it is::

    MlopsError
    ├── NotFound            a run, experiment, artifact, model or dataset that does not exist
    ├── AlreadyExists       a name that must be new is taken
    ├── InvalidInput        bad names, values, filters or options (also a ValueError)
    │   └── QuerySyntaxError  a filter or order-by expression that does not parse
    ├── Conflict            the stored state forbids the change (e.g. a deleted run)
    ├── IntegrityError      stored bytes do not match their digest
    ├── SchemaOutOfDate     the workspace was made by a newer release
    ├── MissingDependency   an optional extra is not installed
    └── StepFailed          a pipeline step's notebook raised
"""

from __future__ import annotations


class MlopsError(Exception):
    """Root of every error jupyter-mlops raises on purpose."""


class NotFound(MlopsError, LookupError):
    """A named thing does not exist in the workspace."""


class AlreadyExists(MlopsError):
    """A thing that must be new already exists."""


class InvalidInput(MlopsError, ValueError):
    """Input the library cannot accept: a bad name, value, filter or option."""


class QuerySyntaxError(InvalidInput):
    """A filter or order-by expression that does not parse.

    Carries the offending ``text`` and the character ``position`` so a face can point at it.
    """

    def __init__(self, message: str, text: str, position: int) -> None:
        pointer = f"\n  {text}\n  {' ' * position}^"
        super().__init__(message + pointer)
        self.text = text
        self.position = position


class Conflict(MlopsError):
    """The stored state forbids the requested change."""


class IntegrityError(MlopsError):
    """Stored bytes do not match the digest they were stored under."""


class SchemaOutOfDate(MlopsError):
    """The workspace schema is newer than this release understands."""


class MissingDependency(MlopsError, ImportError):
    """An optional dependency is not installed."""


class StepFailed(MlopsError):
    """A pipeline step's notebook raised an exception in one of its cells."""

    def __init__(
        self, step: str, cell_index: int, ename: str, evalue: str, traceback: str = ""
    ) -> None:
        super().__init__(f"Step '{step}' failed in cell {cell_index}: {ename}: {evalue}")
        self.step = step
        self.cell_index = cell_index
        self.ename = ename
        self.evalue = evalue
        self.traceback = traceback
