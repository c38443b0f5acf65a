"""Flavors are plugins: built-ins registered like anyone's, chosen by explicit precedence."""

from __future__ import annotations

from typing import Any

import pytest

from jupyter_mlops.errors import NotFound
from jupyter_mlops.models import flavors


class _BoostedFlavor:
    """A stand-in for an XGBoost/LightGBM flavor: one library's models, inside sklearn's API."""

    name = "boosted"
    file_name = "model.bin"

    def matches(self, model: Any) -> bool:
        return type(model).__name__ == "GradientBoostingClassifier"

    def save(self, model: Any) -> bytes:
        return b"boosted"

    def load(self, data: bytes, trust: Any) -> Any:
        return data

    def predict(self, model: Any, data: Any) -> Any:
        return data

    def describe(self, model: Any) -> dict[str, Any]:
        return {"class": type(model).__name__}


@pytest.fixture
def boosted() -> Any:
    flavors.register("boosted", _BoostedFlavor(), priority=flavors.SPECIFIC)
    yield
    flavors.FLAVORS.unregister("boosted")


def test_builtins_are_files_registered_in_one_registry():
    from jupyter_mlops.models.flavors import python, sklearn

    assert {"python", "sklearn"} <= set(flavors.names())
    assert isinstance(flavors.get("sklearn"), sklearn.SklearnFlavor)
    assert isinstance(flavors.get("python"), python.PythonFlavor)
    with pytest.raises(NotFound, match=r"Unknown model flavor 'onnx'. Known: .*python, sklearn"):
        flavors.get("onnx")


def test_specific_flavor_wins_over_the_sklearn_catch_all_which_wins_over_pickle(boosted):
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier

    assert flavors.for_model(GradientBoostingClassifier()).name == "boosted"
    assert flavors.for_model(RandomForestClassifier()).name == "sklearn"
    assert flavors.for_model(lambda rows: rows).name == "python"
    order = [entry.name for entry in flavors.FLAVORS.ordered()]
    assert order.index("boosted") < order.index("sklearn") < order.index("python")


def test_an_object_no_flavor_accepts_is_refused_naming_the_flavors():
    from jupyter_mlops.errors import InvalidInput

    with pytest.raises(InvalidInput, match=r"No flavor can save a int \(flavors: .*sklearn"):
        flavors.for_model(3)
