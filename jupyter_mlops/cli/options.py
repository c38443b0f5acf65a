"""Options the commands share: the workspace choice, ``--json`` and durations like ``7d``.

The global ``--workspace``, ``--uri`` and ``--artifacts`` are applied (``set_workspace``) by
``use_workspace()`` (or ``tracking()``) when a command first needs the store, not when the group
parses them, so ``--help`` of any command never imports the tracking layer and its database
driver. A new command group calls one of them before its capability, adds ``@json_option`` to
what it lists or shows, and prints through ``render``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")


@dataclass
class WorkspaceChoice:
    """The workspace the global options named; empty when they named none."""

    path: str | None = None
    uri: str | None = None
    artifacts: str | None = None
    applied: bool = False

    @property
    def given(self) -> bool:
        return any(value is not None for value in (self.path, self.uri, self.artifacts))


def use_workspace() -> None:
    """Point this process at the workspace the global options chose, once per invocation.

    Every command calls it (directly or through ``tracking()``) before its capability.
    """
    context = click.get_current_context(silent=True)
    choice = context.find_object(WorkspaceChoice) if context is not None else None
    if choice is not None and choice.given and not choice.applied:
        from ..tracking import set_workspace

        set_workspace(choice.path, uri=choice.uri, artifacts=choice.artifacts)
        choice.applied = True


def tracking() -> ModuleType:
    """The tracking capability, pointed at the workspace chosen by the global options.

    Returns
    -------
    module
        ``jupyter_mlops.tracking``, after ``set_workspace`` when ``--workspace``, ``--uri`` or
        ``--artifacts`` was given (otherwise the usual walk-up and settings decide).
    """
    from .. import tracking as api

    use_workspace()
    return api


def json_option(func: F) -> F:
    """Add ``--json``: print the full records as JSON instead of a table."""
    return click.option(
        "--json", "as_json", is_flag=True,
        help="Print JSON instead of a table (NaN and infinities as strings).",
    )(func)


class NamesOption(click.Option):
    """An option whose help lists a registry's names, looked up only when its help is shown.

    ``help`` holds ``{names}``, filled from ``names()``: the registry (and its entry points)
    loads for this command's ``--help`` only, never for another command's.
    """

    def __init__(self, *args: Any, names: Callable[[], list[str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._template = self.help or ""
        self._names = names

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        self.help = self._template.format(names=", ".join(self._names()))
        return super().get_help_record(ctx)


def _executor_names() -> list[str]:
    from ..pipeline.executors import names

    return names()


def executor_options(what: str) -> Callable[[F], F]:
    """``--jobs``, ``--executor`` and ``--address``: where and how widely ``what`` run."""

    def decorate(func: F) -> F:
        func = click.option("--address", metavar="URL",
                            help="The Dask scheduler (tcp://host:8786); default: a local "
                                 "cluster.")(func)
        func = click.option("--executor", default="local", show_default=True, metavar="NAME",
                            cls=NamesOption, names=_executor_names,
                            help=f"Where {what} run: {{names}} (the registered "
                                 "executors).")(func)
        return click.option("-j", "--jobs", type=click.IntRange(min=1), default=1,
                            show_default=True,
                            help=f"How many independent {what} may run at once.")(func)

    return decorate


def parse_duration(text: str) -> float:
    """Seconds in a duration such as ``90``, ``45s``, ``30m``, ``12h``, ``7d``, ``2w`` or ``1d12h``.

    Parameters
    ----------
    text:
        A number of seconds, or numbers each followed by a unit s, m, h, d or w.

    Returns
    -------
    float
        The duration in seconds.
    """
    cleaned = text.strip().lower()
    try:
        seconds = float(cleaned)
    except ValueError:
        seconds = None
    if seconds is None:
        parts = _PART.findall(cleaned)
        if not parts or _PART.sub("", cleaned).strip():
            raise ValueError(
                f"{text!r} is not a duration: use a number of seconds or units s, m, h, d, w "
                "(e.g. 7d, 12h, 1d12h)."
            )
        seconds = sum(float(amount) * _UNITS[unit] for amount, unit in parts)
    if seconds < 0 or seconds != seconds:
        raise ValueError(f"{text!r} is not a duration: it must not be negative.")
    return seconds


class Duration(click.ParamType):
    """A click parameter for durations like ``7d`` or ``12h``, converted to seconds."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        try:
            return parse_duration(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DURATION = Duration()
