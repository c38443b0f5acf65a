"""A path under the API that no route matches gets the JSON error, behind authentication."""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

API = ("jupyter-mlops", "api")


@pytest.mark.parametrize(("method", "path"), [("GET", ("nope",)), ("GET", ("runs", "x", "y")),
                                              ("POST", ("models", "a", "b", "c")),
                                              ("DELETE", ("nope",))])
async def test_an_unknown_path_is_a_json_404(jp_fetch, tracking, method, path):
    body = b"{}" if method == "POST" else None
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(*API, *path, method=method, body=body)
    assert info.value.code == 404
    error = json.loads(info.value.response.body)["error"]
    assert error["status"] == 404 and "/".join(path) in error["message"]


async def test_an_unknown_path_without_the_token_is_refused(jp_fetch, tracking):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch(*API, "nope", headers={"Authorization": ""})
    assert info.value.code == 403
