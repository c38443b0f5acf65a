"""Run ids: full, by a unique prefix or suffix, and the errors of the other cases."""

from __future__ import annotations

import pytest

from jupyter_mlops.errors import InvalidInput, NotFound
from jupyter_mlops.store.runs import short_id

FIRST = "0123456789ab" + "1" * 12 + "9f8e7d6c"
SECOND = "0123456789ab" + "2" * 12 + "5a4b3c2d"
THIRD = "fedcba987654" + "3" * 4 + "0123456789ab1111"  # ends like FIRST begins
NOT_HEX = ["", "run-123456", "0123456789ag", "01234%", "0123_5", "0123456789ab ", None, 123]


def test_resolving_ids(store, add_run):
    for run_id in (FIRST, SECOND, THIRD):
        add_run(run_id=run_id)
    runs = store.runs
    assert runs.resolve_id(FIRST) == FIRST
    assert runs.resolve_id(FIRST.upper()) == FIRST
    assert runs.resolve_id("0123456789ab1") == FIRST
    assert runs.resolve_id("0123456789ab2222") == SECOND
    assert runs.resolve_id(short_id(FIRST)) == FIRST
    assert runs.resolve_id(short_id(SECOND).upper()) == SECOND
    assert runs.resolve_id("fedcba") == THIRD
    assert runs.get(short_id(THIRD)).id == THIRD

    with pytest.raises(InvalidInput, match="'0123456789ab' is ambiguous"):
        runs.resolve_id("0123456789ab")
    with pytest.raises(InvalidInput, match="ambiguous"):
        runs.resolve_id("0123456789ab1111")  # the prefix of one run, the suffix of another
    with pytest.raises(InvalidInput, match="too short: give at least 6"):
        runs.resolve_id("01234")
    with pytest.raises(NotFound, match="No run id starts or ends with abcdefabcd"):
        runs.resolve_id("abcdefabcd")
    with pytest.raises(NotFound, match="No run"):
        runs.resolve_id("f" * 32)
    with pytest.raises(NotFound):
        runs.resolve_id(FIRST + "0")
    for bad in NOT_HEX:
        with pytest.raises(InvalidInput, match="hexadecimal"):
            runs.resolve_id(bad)
