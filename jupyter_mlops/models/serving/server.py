"""Running the scoring app with uvicorn: in the foreground (``serve``) or in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ...errors import MissingDependency
from .app import create_app

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import ModuleType

    import uvicorn

STARTUP_TIMEOUT = 30.0


def _uvicorn() -> ModuleType:
    try:
        import uvicorn
    except ImportError as exc:
        raise MissingDependency(
            "Serving models needs Starlette and uvicorn: pip install starlette 'uvicorn[standard]'."
        ) from exc
    return uvicorn


def _config(app: Any, host: str, port: int, access_log: bool) -> uvicorn.Config:
    # uvicorn picks uvloop and httptools when installed (the [serve] extra brings them).
    return _uvicorn().Config(app, host=host, port=port, log_level="warning",
                             access_log=access_log, lifespan="on")


def serve(uri: str, host: str = "127.0.0.1", port: int = 5001, access_log: bool = False,
          on_ready: Callable[[], None] | None = None, **options: Any) -> None:
    """Serve ``uri`` over HTTP until interrupted.

    Parameters
    ----------
    uri:
        ``churn@champion``, ``churn/3``, ``churn`` or ``runs:/<run id>/model``.
    host, port:
        Where to listen (loopback by default: put a proxy in front to expose it).
    access_log:
        Print one line per request (the prediction log already records each one).
    on_ready:
        Called once the model has loaded, before the server listens.
    **options:
        ``create_app``'s options: trust, log_predictions, sample, poll_interval, ...
    """
    app = create_app(uri, **options)
    if on_ready is not None:
        on_ready()
    _server_class()(_config(app, host, port, access_log)).run()


def _server_class() -> type[uvicorn.Server]:
    import contextlib

    uvicorn = _uvicorn()

    class QuietExit(uvicorn.Server):  # type: ignore[misc, name-defined]
        """uvicorn's server that, once a signal shut it down gracefully, does not raise the
        signal again: the prediction log is flushed by then, so Ctrl-C is a clean exit 0."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                yield
                self._captured_signals.clear()

    return QuietExit


class BackgroundServer:
    """The scoring app on a free loopback port in a thread: ``with BackgroundServer(uri) as s``.

    ``url`` is its base URL once started; leaving the block stops it and flushes the
    prediction log.
    """

    def __init__(self, uri: str, host: str = "127.0.0.1", port: int = 0,
                 **options: Any) -> None:
        self.app = create_app(uri, **options)
        self._server = _uvicorn().Server(_config(self.app, host, port, False))
        # uvicorn installs signal handlers only in the main thread, so Ctrl-C stays ours.
        self._thread = threading.Thread(target=self._server.run, name="mlops-serve",
                                        daemon=True)
        self.host = host
        self.port = port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"The model server did not start on {self.host}.")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(STARTUP_TIMEOUT)

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
