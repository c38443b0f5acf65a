"""Integer arguments accept every value up to their documented bound, and nothing above it."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

API = ("jupyter-mlops", "api")


async def test_the_largest_documented_offset_is_accepted(jp_fetch, tracking):
    answer = await jp_fetch(*API, "runs", params={"offset": str(10**9)})
    assert json.loads(answer.body)["offset"] == 10**9
    for too_big in (str(10**9 + 1), "9" * 40):
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch(*API, "runs", params={"offset": too_big})
        assert info.value.code == 400
        assert json.loads(info.value.response.body)["error"]["status"] == 400


async def test_deep_and_huge_filters_are_a_400_naming_the_limit(jp_fetch, tracking):
    """A filter the parser refuses by its bounds, never a 500 or a 'cannot be reached'."""
    from jupyter_mlops.store.query import MAX_DEPTH, MAX_TERMS

    deep = "(" * 500 + "metrics.a > 1" + ")" * 500
    wide = " or ".join(["metrics.a > 1"] * 2000)
    for query, limit in ((deep, f"deeper than {MAX_DEPTH}"),
                         (wide, f"more than {MAX_TERMS} comparisons")):
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch(*API, "runs", params={"filter": query})
        assert info.value.code == 400
        error = json.loads(info.value.response.body)["error"]
        assert error["type"] == "QuerySyntaxError" and error["status"] == 400
        assert limit in error["message"]
        assert "\n" not in error["message"], error["message"]
