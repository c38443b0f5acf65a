"""Library errors become one line and a documented exit code; bugs keep their traceback."""

from __future__ import annotations

import pytest

from jupyter_mlops import errors
from jupyter_mlops.cli import exits


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.NotFound("no run"), exits.NOT_FOUND),
        (errors.Conflict("run is deleted"), exits.CONFLICT),
        (errors.AlreadyExists("taken"), exits.CONFLICT),
        (errors.InvalidInput("bad"), exits.USAGE),
        (errors.QuerySyntaxError("Expected a field at 'x' (position 0)", "x", 0), exits.USAGE),
        (errors.IntegrityError("corrupt"), exits.GENERAL),
        (errors.MissingDependency("pip install it"), exits.GENERAL),
        (errors.SchemaOutOfDate("newer"), exits.GENERAL),
        (errors.StepFailed("train", 3, "ValueError", "boom"), exits.GENERAL),
        (PermissionError(13, "Permission denied", "/somewhere"), exits.GENERAL),
    ],
)
def test_codes_and_one_line(error, code):
    translated = exits.translate(error)
    assert translated is not None
    assert translated.exit_code == code
    assert "\n" not in translated.format_message() and translated.format_message()


def test_query_error_keeps_the_text_on_one_line():
    error = errors.QuerySyntaxError("Expected a field at 'colour' (position 4)", "a = colour", 4)
    assert "\n" in str(error)
    message = exits.one_line(error)
    assert message == "Expected a field at 'colour' (position 4) in: a = colour"


def test_multi_line_messages_are_joined():
    assert exits.one_line(errors.MlopsError("first\n  second\n")) == "first second"


def test_os_error_names_the_file():
    message = exits.translate(PermissionError(13, "Permission denied", "/x/y")).format_message()
    assert message == "Permission denied: /x/y"


def test_bugs_are_not_translated():
    assert exits.translate(RuntimeError("a bug")) is None
    assert exits.translate(KeyError("a bug")) is None
    # A ValueError outside the settings table is a bug, not a bad setting.
    try:
        int("x")
    except ValueError as error:
        assert exits.translate(error) is None


def test_conflict_through_the_cli(populated, invoke):
    """The stored state forbids the read: the history of a metric of a deleted run."""
    invoke("runs", "delete", populated.low)
    message = invoke.fails("runs", "metric", populated.low, "no-such-metric", code=4)
    assert "is deleted" in message and "runs restore" in message
