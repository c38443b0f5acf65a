"""YAML read with the line of every key and item, so each problem can name its line.

PyYAML composes the file into nodes (which know their lines) and its safe constructor builds
each scalar; ``1e-3`` reads as a float, as YAML 1.2 and every user expect (YAML 1.1, PyYAML's
default, wants a dot).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput

if TYPE_CHECKING:
    import yaml

_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+$")
Path_ = tuple[Any, ...]


def _loader_class() -> type[yaml.SafeLoader]:
    """PyYAML's safe loader, also reading ``1e-3`` as a float (YAML 1.2 does; 1.1 wants a dot)."""
    import yaml

    global _LOADER
    if _LOADER is None:
        class Loader(yaml.SafeLoader):
            pass

        Loader.yaml_implicit_resolvers = {
            key: list(value) for key, value in yaml.SafeLoader.yaml_implicit_resolvers.items()}
        Loader.add_implicit_resolver("tag:yaml.org,2002:float", _NUMBER, list("-+0123456789."))
        _LOADER = Loader
    return _LOADER


_LOADER: Any = None


class Located:
    """YAML values plus the line of every key and item, found by path."""

    def __init__(self, text: str) -> None:

        self.lines: dict[Path_, int] = {}
        self.duplicates: list[tuple[int, str]] = []
        loader = _loader_class()(text)
        try:
            node = loader.get_single_node()
            self.value = None if node is None else self._build(loader, node, ())
        finally:
            loader.dispose()

    def _build(self, loader: Any, node: Any, path: Path_) -> Any:
        import yaml

        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            loader.flatten_mapping(node)
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = loader.construct_object(key_node, deep=True)
                if isinstance(key, (list, dict)):
                    key = str(key)
                if key in result:
                    self.duplicates.append((key_node.start_mark.line + 1, str(key)))
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                result[key] = self._build(loader, value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self._build(loader, item, (*path, i)) for i, item in enumerate(node.value)]
        return loader.construct_object(node, deep=True)

    def line(self, *path: Any) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


def parse_value(text: str) -> Any:
    """A ``-p`` value typed as YAML types it: ``0.5`` a float, ``true`` a bool, ``[1]`` a list."""
    import yaml

    try:
        value = yaml.load(text, Loader=_loader_class())
    except yaml.YAMLError:
        return text
    return text if value is None and text.strip() not in ("null", "~", "None") else value


def parse_assignments(pairs: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """``["C=0.5", "train.seed=1"]`` as ``{"C": 0.5, "train.seed": 1}``."""
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"Param {pair!r} is not key=value: write e.g. -p C=0.5.")
        values[key.strip()] = None if text.strip() == "None" else parse_value(text)
    return values
