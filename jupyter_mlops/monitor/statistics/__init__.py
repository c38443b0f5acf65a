"""Drift statistics: plugins of one ``Registry``, one file per built-in statistic or family.

``base.py`` says what a statistic is (``Statistic``: a label, a kind, a default threshold and
up to three implementations, for sorted numbers, category counts and profile histograms) and
holds the helpers the built-ins share. ``ks.py``, ``wasserstein.py``, ``chi2.py``, ``z.py`` and
``distributions.py`` (Jensen-Shannon, PSI, KL divergence, Hellinger) register below exactly as
a third party's would: ``register("energy", Statistic(...))``, or from a package through the
``jupyter_mlops.statistics`` entry point group::

    [project.entry-points."jupyter_mlops.statistics"]
    energy = "their_pkg.drift:ENERGY"     # a Statistic

Every name importable from this module before it became a package still is.
"""

from __future__ import annotations

from ...errors import InvalidInput
from ...plugins import Registry
from .base import (
    NUMERIC_BINS,
    CountsFn,
    HistogramFn,
    Statistic,
    ValuesFn,
    binned,
    histogram_edges,
    proportions,
)
from .chi2 import chi_squared
from .distributions import hellinger, jensen_shannon, kl_divergence, psi
from .ks import ks_pvalue, ks_statistic
from .wasserstein import wasserstein, wasserstein_normed
from .z import z_test

__all__ = [
    "ENTRY_POINT_GROUP", "NUMERIC_BINS", "STATISTICS", "CountsFn", "HistogramFn", "Statistic",
    "ValuesFn", "binned", "chi_squared", "get", "hellinger", "histogram_edges",
    "jensen_shannon", "kl_divergence", "ks_pvalue", "ks_statistic", "listing", "names",
    "proportions", "psi", "register", "unregister", "wasserstein", "wasserstein_normed",
    "z_test",
]

ENTRY_POINT_GROUP = "jupyter_mlops.statistics"

STATISTICS: Registry[Statistic] = Registry(
    ENTRY_POINT_GROUP, "drift statistic",
    hint="Register one with jupyter_mlops.monitor.register(name, Statistic(...)).",
)

_INPUTS = ("values", "counts", "histogram")


def register(name: str, impl: Statistic) -> None:
    """Make ``impl`` available as ``method=name`` in drift reports (replacing any of that name).

    Parameters
    ----------
    name:
        The name users pass, e.g. ``"ks"``.
    impl:
        The statistic.
    """
    if not isinstance(impl, Statistic):
        raise InvalidInput(f"register({name!r}, ...) takes a Statistic, not {type(impl).__name__}.")
    if impl.kind not in ("p_value", "distance"):
        raise InvalidInput(f"Statistic kind must be 'p_value' or 'distance', not {impl.kind!r}.")
    STATISTICS.register(name, impl, replace=True)


def unregister(name: str) -> None:
    """Remove the statistic ``name`` (a test's or a notebook's temporary one)."""
    STATISTICS.unregister(name)


def get(name: str) -> Statistic:
    """The statistic registered as ``name``.

    Raises
    ------
    InvalidInput
        Naming the known statistics when ``name`` is not one of them.
    """
    if name not in STATISTICS:
        raise InvalidInput(
            f"No drift statistic named {name!r}. Known statistics: {', '.join(names())}."
        )
    return STATISTICS.get(name)


def names(on: str | None = None) -> list[str]:
    """The registered statistic names, sorted; with ``on``, those implementing that input.

    Parameters
    ----------
    on:
        ``"values"`` (numbers), ``"counts"`` (categories) or ``"histogram"`` (a profile's).
    """
    if on is not None and on not in _INPUTS:
        raise InvalidInput(f"on must be one of {', '.join(_INPUTS)}, not {on!r}.")
    known = STATISTICS.names()
    if on is None:
        return known
    return [name for name in known if getattr(STATISTICS.get(name), on) is not None]


def listing(on: str) -> str:
    """``names(on)`` as a hint reads them: ``"a, b or c"``."""
    found = names(on)
    return " or ".join([", ".join(found[:-1]), found[-1]]) if len(found) > 1 else \
        "".join(found) or "none"


def _builtins() -> None:
    # Imported here, not at the top, so each built-in reads as a third party's plugin file.
    # (By constant: the package's ``wasserstein`` is the function, not its module.)
    from .chi2 import CHI2
    from .distributions import FAMILY
    from .ks import KS
    from .wasserstein import WASSERSTEIN
    from .z import Z

    register("ks", KS)
    register("chi2", CHI2)
    register("z", Z)
    register("wasserstein", WASSERSTEIN)
    for name, statistic in FAMILY.items():
        register(name, statistic)


_builtins()
