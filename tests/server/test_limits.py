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
