"""The release of this package: a leaf, so no capability or face imports the package root."""

__version__ = "0.1.0"
