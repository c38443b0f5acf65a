"""What ``%mlops_data NAME VAR_OR_PATH [--validate]`` calls: versioning by variable or path.

The magic (a face) parses its line and calls ``version_from_magic`` with the notebook's
namespace; this module decides whether the target is a variable or a path and versions it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidInput, NotFound
from ..records import DatasetVersion
from .versions import version_data


def version_from_magic(name: str, target: str, namespace: Mapping[str, Any],
                       validate: bool = False, description: str | None = None
                       ) -> DatasetVersion:
    """Version the variable ``target`` of ``namespace``, or else the file or folder it names.

    Parameters
    ----------
    name:
        The dataset's name.
    target:
        A variable of the notebook holding a DataFrame, or a path.
    namespace:
        The notebook's user namespace (``shell.user_ns``).
    validate:
        Check the data against the dataset's schema first (DataFrames).
    description:
        What this version is.

    Returns
    -------
    DatasetVersion
        The new version, or the existing one with the same content.
    """
    if target.isidentifier() and target in namespace:
        obj: Any = namespace[target]
    else:
        path = os.path.expanduser(target.strip("'\""))
        if not os.path.exists(path):
            raise NotFound(
                f"{target!r} is neither a variable of this notebook nor an existing file or "
                "folder: pass a DataFrame's variable name or a path."
            )
        obj = path
        if validate:
            raise InvalidInput("--validate applies to DataFrames: pass the DataFrame's "
                               "variable instead of a path.")
    return version_data(obj, name, description=description, validate=validate)
