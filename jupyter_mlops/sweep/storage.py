"""The study lives in the workspace's own database, in Optuna's tables beside ours.

Optuna's tables (studies, trials, trial_params, ...) share no name with the store's, so the
same SQLAlchemy URL holds both: a team on PostgreSQL shares its sweeps as it shares its runs,
and several processes or Dask workers optimise one study.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from ..config import Workspace

if TYPE_CHECKING:
    import optuna

# A trial whose process stopped beating for this long is marked failed and its slot reused.
HEARTBEAT_SECONDS = 5
GRACE_SECONDS = 15


def storage(workspace: Workspace) -> optuna.storages.RDBStorage:
    """Optuna's RDB storage on the workspace's metadata URL."""
    import optuna

    engine_kwargs: dict[str, Any] = {}
    if workspace.uri.startswith("sqlite"):
        # Our writer and Optuna write the same file; wait for each other's locks.
        engine_kwargs["connect_args"] = {"timeout": 60}
    else:
        engine_kwargs["pool_pre_ping"] = True
    with warnings.catch_warnings():
        # Heartbeats are what let a killed sweep's trial be found; Optuna calls them experimental.
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.storages.RDBStorage(
            workspace.uri, engine_kwargs=engine_kwargs,
            heartbeat_interval=HEARTBEAT_SECONDS, grace_period=GRACE_SECONDS,
        )


def counted(study: Any) -> int:
    """Trials that count towards the budget: complete and pruned ones (failed ones are retried)."""
    import optuna

    states = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    return len(study.get_trials(deepcopy=False, states=states))
