"""Reading a table from a CSV, Parquet, Feather or JSON file, with one-line errors.

``drift``, ``data validate`` and schema inference all read user files through ``read_table``,
so a missing, empty or corrupt file says so in one line instead of a pandas or pyarrow traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InvalidInput, NotFound

if TYPE_CHECKING:
    import pandas as pd

READERS = {".csv": "read_csv", ".parquet": "read_parquet", ".pq": "read_parquet",
           ".feather": "read_feather", ".json": "read_json"}
_KINDS = {"read_csv": "CSV", "read_parquet": "Parquet", "read_feather": "Feather",
          "read_json": "JSON"}


def is_table_file(name: str) -> bool:
    """Whether ``name`` ends like a file ``read_table`` reads."""
    return Path(name).suffix.lower() in READERS


def read_table(path: str | Path) -> pd.DataFrame:
    """The DataFrame in ``path``; NotFound when it is missing, InvalidInput when unreadable."""
    import pandas as pd

    path = Path(path).expanduser()
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise InvalidInput(f"Cannot read {str(path)!r}: use a {', '.join(sorted(READERS))} file.")
    if not path.is_file():
        raise NotFound(f"No file {str(path)!r}: check the path.")
    if path.stat().st_size == 0:
        raise InvalidInput(f"{str(path)!r} is empty: it holds no table to read.")
    try:
        return getattr(pd, reader)(path)
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        # pandas and pyarrow raise their own subclasses of these for a corrupt or foreign file.
        kind = _KINDS[reader]
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidInput(f"Cannot read {str(path)!r} as {kind}: {first}") from None
