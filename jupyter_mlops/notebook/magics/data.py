"""``%mlops_data``: version a DataFrame variable, a file or a folder."""

from __future__ import annotations

from typing import TYPE_CHECKING

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ...errors import MlopsError
from .common import NamespaceMagics, print_help, unquote, wants_help

if TYPE_CHECKING:
    from ...records import DatasetVersion


@magics_class
class DataMagics(NamespaceMagics):
    """Magics that version data."""

    # -- %mlops_data ------------------------------------------------------------------------

    @magic_arguments()
    @argument("name", help="The dataset's name, e.g. customers.")
    @argument("target", metavar="VAR_OR_PATH",
              help="A variable holding a DataFrame, or a file or folder to version.")
    @argument("--validate", action="store_true",
              help="Check the DataFrame against the dataset's schema first.")
    @argument("-d", "--description", help="What this version is.")
    @line_magic
    def mlops_data(self, line: str) -> DatasetVersion | None:
        """Version a DataFrame variable, a file or a folder as the next version of NAME.

        Content already stored gives back the existing version. Returns the DatasetVersion.
        """
        if wants_help(line):
            print_help(self.mlops_data)
            return None
        args = parse_argstring(self.mlops_data, line)
        from ...data.magic import version_from_magic

        try:
            version = version_from_magic(args.name, args.target, self.shell.user_ns,
                                         validate=args.validate,
                                         description=unquote(args.description))
        except MlopsError as exc:
            raise UsageError(str(exc)) from None
        # The record displays itself (one line, or a table in a notebook): shown once.
        return version
