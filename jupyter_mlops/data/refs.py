"""Dataset names and version references: ``customers``, ``customers@3``, ``customers@latest``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InvalidInput

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")


@dataclass(frozen=True)
class Ref:
    """A parsed reference: a dataset name and a version number (None for the newest)."""

    name: str
    version: int | None = None

    def __str__(self) -> str:
        return self.name if self.version is None else f"{self.name}@{self.version}"


def check_name(name: object) -> str:
    """Return ``name`` if it is a valid dataset name, else raise ``InvalidInput``."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidInput(
            f"Invalid dataset name {name!r}: use letters, digits, '.', '_' and '-' "
            "(at most 255, starting with a letter or digit), e.g. 'customers'."
        )
    return name


def parse_ref(ref: object) -> Ref:
    """Parse ``name``, ``name@N`` or ``name@latest`` into a ``Ref``.

    Parameters
    ----------
    ref:
        The reference text.

    Returns
    -------
    Ref
        The name and the version number, None meaning the newest version.
    """
    if not isinstance(ref, str):
        raise InvalidInput(
            f"A dataset reference must be text like 'customers@3', not {type(ref).__name__}."
        )
    name, at, version = ref.strip().partition("@")
    check_name(name)
    if not at or version == "latest":
        return Ref(name)
    if not version.isdigit() or int(version) < 1:
        raise InvalidInput(
            f"Invalid dataset version in {ref!r}: use a number from 1 or 'latest', "
            f"e.g. '{name}@3' or '{name}@latest'."
        )
    return Ref(name, int(version))
