"""Sending alerts: notifiers by URL scheme, the built-in JSON webhook with signature and retries.

The webhook POSTs the payload as JSON (its ``text`` field is what Slack, Mattermost and Teams
show). With a secret, ``X-Mlops-Signature-256: sha256=<hex>`` is the HMAC-SHA256 of the exact
body bytes, GitHub's convention, so a receiver checks it with three lines of standard library.
A 5xx, a 429 or a connection error is retried with exponential backoff; any other status is
final (retrying a 400 or a 404 cannot succeed). Redirects are not followed: a webhook that
moved is a configuration to fix, and following one would send the body somewhere unchecked.

Another transport registers like the built-in, under its URL scheme::

    from jupyter_mlops.monitor.notify import NOTIFIERS
    NOTIFIERS.register("smtp", MyMailer())
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from ..plugins import Registry

SECRET_ENV = "JUPYTER_MLOPS_ALERT_SECRET"
SIGNATURE_HEADER = "X-Mlops-Signature-256"
RETRIES = 3
BACKOFF = 1.0
TIMEOUT = 10.0
# Retry-After beyond this is not waited for: the next check sends the event again.
MAX_WAIT = 60.0


@dataclass(frozen=True)
class Delivery:
    """How sending one notification ended."""

    ok: bool
    attempts: int
    response_code: int | None = None
    error: str | None = None


class Notifier(Protocol):
    """Sends one payload to ``target``; never raises for a failed delivery."""

    def send(self, target: str, payload: dict[str, Any], headers: dict[str, str],
             secret: bytes | None, retries: int, backoff: float) -> Delivery: ...


def signature(body: bytes, secret: bytes) -> str:
    """The value of the signature header for ``body``: ``sha256=`` and the hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(body: bytes, header: str | None, secret: bytes) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` (a receiver's check, constant time)."""
    return header is not None and hmac.compare_digest(signature(body, secret), header)


def secret_from_env(name: str | None = None) -> bytes | None:
    """The signing secret from ``$name`` (default ``$JUPYTER_MLOPS_ALERT_SECRET``), if set."""
    value = os.environ.get(name or SECRET_ENV)
    return value.encode() if value else None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Webhook:
    """JSON over HTTP(S) POST, signed when a secret is set, retried on 5xx and 429."""

    def __init__(self, timeout: float = TIMEOUT) -> None:
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect())

    def send(self, target: str, payload: dict[str, Any], headers: dict[str, str],
             secret: bytes | None, retries: int = RETRIES,
             backoff: float = BACKOFF) -> Delivery:
        from .._version import __version__

        body = json.dumps(payload, sort_keys=True, default=str).encode()
        sent = {"Content-Type": "application/json",
                "User-Agent": f"jupyter-mlops/{__version__}", **headers}
        if secret:
            sent[SIGNATURE_HEADER] = signature(body, secret)
        code: int | None = None
        error: str | None = None
        attempts = 0
        for attempt in range(retries + 1):
            attempts = attempt + 1
            wait = backoff * 2 ** attempt
            request = urllib.request.Request(target, data=body, headers=sent, method="POST")
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    code = response.status
                if 200 <= code < 300:
                    return Delivery(True, attempts, code)
                error = f"HTTP {code}"
                retry = False
            except urllib.error.HTTPError as exc:
                code, error = exc.code, f"HTTP {exc.code} {exc.reason}".strip()
                retry = exc.code >= 500 or exc.code == 429
                after = exc.headers.get("Retry-After") if exc.headers else None
                if after is not None and after.strip().isdigit():
                    wait = max(wait, float(after))
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                code, error, retry = None, f"{type(exc).__name__}: {reason}", True
            if not retry or attempt == retries or wait > MAX_WAIT:
                break
            time.sleep(wait)
        return Delivery(False, attempts, code, error)


NOTIFIERS: Registry[Notifier] = Registry(
    "jupyter_mlops.notifiers", "alert notifier",
    "Webhooks use http:// or https:// URLs.")
NOTIFIERS.register("http", Webhook())
NOTIFIERS.register("https", Webhook())
