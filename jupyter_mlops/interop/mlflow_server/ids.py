"""MLflow's ids for our records, both ways, stably.

- An experiment's MLflow id is its integer id as text, except the workspace's default
  experiment, which is ``"0"`` as in every MLflow store (the fluent API logs there when no
  experiment is set).
- Run ids are ours unchanged: 32 hex digits, which is what MLflow's run ids are too.
- Artifact URIs are ``mlflow-artifacts:/<experiment>/<run>/artifacts`` for runs and
  ``mlflow-artifacts:/<experiment>/models/<model id>/artifacts`` for logged models, which the
  client resolves against the tracking URI to this server's proxied artifact routes.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ...errors import NotFound
from ...session import current
from ...store import schema
from .protocol import invalid, missing

if TYPE_CHECKING:
    from ...store import Store

DEFAULT_ID = "0"
RUN_ID = re.compile(r"[0-9a-f]{32}")
MODEL_ID = re.compile(r"m-[0-9a-f]{32}")


def store() -> Store:
    return current().store


def default_experiment() -> str:
    return str(current().settings.experiment)


def experiment_key(name: str) -> str:
    """The MLflow id of experiment ``name`` (which must exist)."""
    if name == default_experiment():
        return DEFAULT_ID
    return str(store().runs.experiment_id(name, time.time(), create=False))


def experiment_number(experiment_id: Any) -> int:
    """Our integer id for an MLflow experiment id; ``"0"`` makes the default on first use."""
    if not isinstance(experiment_id, (str, int)) or isinstance(experiment_id, bool) or \
            not re.fullmatch(r"\d{1,18}", str(experiment_id)):
        raise invalid(f"Invalid experiment id {str(experiment_id)[:40]!r}: MLflow experiment "
                      "ids are numbers, such as '0' for the default experiment.")
    if str(experiment_id) == DEFAULT_ID:
        return int(store().runs.experiment_id(default_experiment(), time.time()))
    number = int(experiment_id)
    _name_of(number, experiment_id)
    return number


def _name_of(number: int, asked: Any) -> str:
    # One indexed lookup: listing experiments counts every run, too slow for each call.
    e = schema.experiments
    with store().engine.connect() as connection:
        name = connection.execute(select(e.c.name).where(e.c.id == number)).scalar()
    if name is None:
        raise missing(f"No experiment with id={asked}. List them with "
                      "`jupyter mlops experiments list`.")
    return str(name)


def experiment_name(experiment_id: Any) -> str:
    if str(experiment_id) == DEFAULT_ID:
        experiment_number(experiment_id)
        return default_experiment()
    return _name_of(experiment_number(experiment_id), experiment_id)


def live_run(value: Any) -> str:
    """A run id that names an existing, not deleted run."""
    if not isinstance(value, str) or not RUN_ID.fullmatch(value.lower()):
        raise invalid(f"Invalid run id {str(value)[:40]!r}: run ids are 32 hexadecimal "
                      "digits.")
    r = schema.runs
    with store().engine.connect() as connection:
        row = connection.execute(select(r.c.deleted_at).where(r.c.id == value.lower())).first()
    if row is None:
        raise missing(f"Run '{value}' not found.")
    if row.deleted_at is not None:
        raise invalid(f"The run {value} must be in the 'active' state. Current state is "
                      "deleted.")
    return value.lower()


def run_id(value: Any) -> str:
    """A run id as MLflow sends it (``run_id`` or the older ``run_uuid``), checked."""
    if not isinstance(value, str) or not RUN_ID.fullmatch(value.lower()):
        raise invalid(f"Invalid run id {str(value)[:40]!r}: run ids are 32 hexadecimal "
                      "digits.")
    try:
        return str(store().runs.resolve_id(value.lower()))
    except NotFound:
        raise missing(f"Run '{value}' not found.") from None


def model_id(value: Any) -> str:
    if not isinstance(value, str) or not MODEL_ID.fullmatch(value):
        raise invalid(f"Invalid logged model id {str(value)[:40]!r}: expected m-<32 hex>.")
    return value


def run_artifact_uri(experiment: str, run: str) -> str:
    return f"mlflow-artifacts:/{experiment}/{run}/artifacts"


def model_artifact_uri(experiment: str, model: str) -> str:
    return f"mlflow-artifacts:/{experiment}/models/{model}/artifacts"
