"""Model references and names: ``churn@champion``, ``churn/3``, ``models:/churn@champion``,
``churn`` (its newest READY version) and ``runs:/<run id>/<path>`` (a logged, unregistered
model)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InvalidInput

LATEST = "latest"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,254}$")
_ALIAS = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,254}$")


@dataclass(frozen=True)
class ModelRef:
    """A registered model and which of its versions: a number, an alias, or the latest."""

    name: str
    version: int | None = None
    alias: str | None = None

    def __str__(self) -> str:
        if self.version is not None:
            return f"{self.name}/{self.version}"
        return f"{self.name}@{self.alias or LATEST}"

    @property
    def moves(self) -> bool:
        """Whether the version it names can change (an alias or the latest)."""
        return self.version is None


@dataclass(frozen=True)
class RunModelRef:
    """A model logged in a run but perhaps never registered."""

    run_id: str
    path: str

    def __str__(self) -> str:
        return f"runs:/{self.run_id}/{self.path}"


def check_model_name(name: object) -> str:
    """Return ``name`` if it can name a registered model, else raise ``InvalidInput``."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidInput(
            f"Invalid model name {name!r}: use 1-255 letters, digits and _ . - "
            "(starting with a letter or digit)."
        )
    return name


def check_alias(alias: object) -> str:
    """Return ``alias`` if it can name an alias, else raise ``InvalidInput``."""
    if not isinstance(alias, str) or not _ALIAS.match(alias) or alias == LATEST:
        raise InvalidInput(
            f"Invalid alias {alias!r}: use letters, digits, _ and - starting with a letter "
            f"('{LATEST}' is reserved for the newest version)."
        )
    return alias


def parse(uri: str) -> ModelRef | RunModelRef:
    """The model ``uri`` names.

    Parameters
    ----------
    uri:
        ``name@alias``, ``name/version``, ``name`` (newest READY version), any of those after
        ``models:/``, or ``runs:/<run id>/<path>``.

    Returns
    -------
    ModelRef or RunModelRef
    """
    if not isinstance(uri, str) or not uri.strip():
        raise InvalidInput(f"Invalid model URI {uri!r}: use churn@champion or churn/3.")
    text = uri.strip()
    if text.startswith("runs:/"):
        run_id, _, path = text[len("runs:/"):].strip("/").partition("/")
        if not run_id or not path:
            raise InvalidInput(f"Invalid model URI {uri!r}: use runs:/<run id>/<model name>.")
        return RunModelRef(run_id, path)
    if text.startswith("models:/"):
        text = text[len("models:/"):].strip("/")
    elif ":/" in text:
        raise InvalidInput(
            f"Invalid model URI {uri!r}: use churn@champion, churn/3, models:/churn@champion or "
            "runs:/<run id>/model."
        )
    if "@" in text:
        name, _, alias = text.partition("@")
        check_model_name(name)
        if alias == LATEST:
            return ModelRef(name)
        return ModelRef(name, alias=check_alias(alias))
    if "/" in text:
        name, _, version = text.partition("/")
        check_model_name(name)
        if version == LATEST:
            return ModelRef(name)
        if not version.isdigit() or int(version) < 1:
            raise InvalidInput(
                f"Invalid model version {version!r} in {uri!r}: versions count 1, 2, 3 ..."
            )
        return ModelRef(name, int(version))
    return ModelRef(check_model_name(text))
