"""sklearn autolog: every estimator fitted inside a tracked cell is recorded, then unpatched.

While a ``SklearnAutolog`` scope is open, ``fit``, ``fit_transform`` and ``fit_predict`` of
every scikit-learn estimator class are wrapped; classes defined (or first imported) during the
scope are wrapped as they appear. Only the outermost fit is recorded (a Pipeline's steps and a
search's candidate fits run inside it). Leaving the scope restores every class attribute it
changed, whether the cell finished or raised. Recording never breaks the user's fit: a failure
to record is reported on stderr and the fit's result is returned as is.

The first fit of a cell is recorded in the cell's run; any further fit in the same cell gets a
child run of its own, so two models never mix their params.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import inspect
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from ..errors import MlopsError
from ..tracking import autolog_support
from ..tracking.run import ActiveRun, start_run

METHODS = ("fit", "fit_transform", "fit_predict")
_NO_DICT_ENTRY = object()

_wrappers: dict[Any, Callable[..., Any]] = {}  # original function -> its wrapper, reused
_scope: SklearnAutolog | None = None
_depth = 0
_depth_lock = threading.Lock()


class SklearnAutolog:
    """A context manager within which sklearn fits are logged to ``run``."""

    def __init__(self, run: ActiveRun) -> None:
        self.run = run
        self.fits = 0
        self.errors: list[str] = []
        self._patched: list[tuple[type, str, Any]] = []
        self._base: type | None = None
        self._finder: _AfterImport | None = None

    def __enter__(self) -> SklearnAutolog:
        global _scope
        _scope = self
        base_module = sys.modules.get("sklearn.base")
        if base_module is not None:
            self._patch_all(base_module.BaseEstimator)
        else:
            # sklearn imported inside the cell: patch the moment its base module exists.
            self._finder = _AfterImport(self)
            sys.meta_path.insert(0, self._finder)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        global _scope
        if self._finder is not None and self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)
        for cls, name, original in reversed(self._patched):
            if original is _NO_DICT_ENTRY:
                delattr(cls, name)
            else:
                setattr(cls, name, original)
        self._patched.clear()
        if _scope is self:
            _scope = None

    # -- patching --------------------------------------------------------------------------

    def _patch_all(self, base: type) -> None:
        self._base = base
        for cls in _subclasses(base):
            self._patch_class(cls)
        self._hook_subclassing(base)

    def _patch_class(self, cls: type) -> None:
        for name in METHODS:
            raw = cls.__dict__.get(name)
            if inspect.isfunction(raw):
                self._patched.append((cls, name, raw))
                setattr(cls, name, _wrapper(raw))

    def _hook_subclassing(self, base: type) -> None:
        own = base.__dict__.get("__init_subclass__", _NO_DICT_ENTRY)
        scope = self

        def init_subclass(cls: type, **kwargs: Any) -> None:
            # Chain to what the class had before (sklearn's metadata-routing hook).
            if own is _NO_DICT_ENTRY:
                super(base, cls).__init_subclass__(**kwargs)
            else:
                own.__func__(cls, **kwargs)
            scope._patch_class(cls)

        self._patched.append((base, "__init_subclass__", own))
        base.__init_subclass__ = classmethod(init_subclass)  # type: ignore[assignment]

    # -- recording -------------------------------------------------------------------------

    def record(self, estimator: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
               elapsed: float) -> None:
        """Log one completed outermost fit; failures are reported, never raised."""
        self.fits += 1
        X = args[0] if args else kwargs.get("X")
        y = args[1] if len(args) > 1 else kwargs.get("y")
        try:
            if self.fits == 1:
                self._log(self.run, estimator, X, y, elapsed)
            else:
                name = f"{self.run.name}-{type(estimator).__name__}-{self.fits}"
                with start_run(name=name, nested=True) as child:
                    self._log(child, estimator, X, y, elapsed)
        except Exception as exc:  # the user's fit succeeded; a logging problem must not hide it
            message = f"{type(estimator).__name__}: {exc}"
            self.errors.append(message)
            print(f"jupyter-mlops autolog could not record {message}", file=sys.stderr)

    def _log(self, run: ActiveRun, estimator: Any, X: Any, y: Any, elapsed: float) -> None:
        run.set_tag("mlops.autolog.estimator",
                    f"{type(estimator).__module__}.{type(estimator).__name__}")
        try:
            run.log_params(autolog_support.flatten_params(estimator))
        except MlopsError as exc:
            print(f"jupyter-mlops autolog: params not logged ({exc})", file=sys.stderr)
        metrics = {"fit_time": elapsed}
        score = _training_score(estimator, X, y)
        if score is not None:
            metrics["training_score"] = score
        run.log_metrics(metrics)
        if hasattr(estimator, "cv_results_"):
            autolog_support.log_search(run, estimator)
        _log_model(run, estimator, X)


def _log_model(run: ActiveRun, estimator: Any, X: Any) -> None:
    """The fitted model, stored the one way every model is (``models.log_model``)."""
    from ..models.logging import log_model

    # The signature is inferred from the training data; no rows of it are stored (as MLflow's
    # autolog, input examples are the user's choice).
    data = _training_input(X)
    logged = log_model(estimator, run=run, signature="infer" if data is None else data)
    run.set_tags({"mlops.model.digest": logged.model_digest,
                  "mlops.model.flavor": logged.flavor,
                  "mlops.model.class":
                      f"{type(estimator).__module__}.{type(estimator).__name__}"})


# Any: the user's own X (a frame, an array, a sparse matrix ...), passed through.
def _training_input(X: Any) -> Any:
    """The training input when a signature can be inferred from it (a frame or array)."""
    if X is None or not (hasattr(X, "iloc") or hasattr(X, "shape")):
        return None
    return X


def _training_score(estimator: Any, X: Any, y: Any) -> float | None:
    if X is None or y is None or not hasattr(estimator, "score"):
        return None
    try:
        return float(estimator.score(X, y))
    except Exception:  # an estimator whose score needs more than (X, y): no training score
        return None


def _subclasses(base: type) -> list[type]:
    seen: dict[type, None] = {}
    todo = [base]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen[cls] = None
        todo.extend(cls.__subclasses__())
    return list(seen)


def _wrapper(raw: Callable[..., Any]) -> Callable[..., Any]:
    wrapped = _wrappers.get(raw)
    if wrapped is not None:
        return wrapped

    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        global _depth
        scope = _scope
        with _depth_lock:
            outer = _depth == 0
            _depth += 1
        try:
            start = time.perf_counter()
            result = raw(self, *args, **kwargs)
            elapsed = time.perf_counter() - start
        finally:
            with _depth_lock:
                _depth -= 1
        if outer and scope is not None and scope is _scope:
            scope.record(self, args, kwargs, elapsed)
        return result

    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(fit, attribute, getattr(raw, attribute))
    fit.__wrapped__ = raw  # type: ignore[attr-defined]
    fit.__signature__ = inspect.signature(raw)  # type: ignore[attr-defined]
    _wrappers[raw] = fit
    return fit


class _AfterImport(importlib.abc.MetaPathFinder):
    """Patches sklearn as soon as ``sklearn.base`` has executed, when imported in a scope."""

    def __init__(self, scope: SklearnAutolog) -> None:
        self.scope = scope

    def find_spec(self, fullname: str, path: Any,
                  target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != "sklearn.base":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        loader = spec.loader
        original = loader.exec_module
        scope = self.scope

        def exec_module(module: Any) -> None:
            original(module)
            if _scope is scope:
                scope._patch_all(module.BaseEstimator)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec
