"""A model's answers on a frame, shaped for the metrics: truth, labels, scores, classes.

The model is asked once per kind of answer: ``predict`` for the labels it would serve and,
for classifiers that have it, ``predict_proba`` for the scores the AUC, the log loss and the
calibration need. Both see the frame after one signature check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InvalidInput

if TYPE_CHECKING:
    import pandas as pd

TASKS = ("classification", "regression")


@dataclass(frozen=True)
class Predictions:
    """What a model answered for each row, beside the truth.

    ``score`` is the positive class's probability (binary), the probability matrix
    (multiclass, columns in ``classes`` order) or None when the model has no probabilities.
    """

    truth: np.ndarray
    predicted: np.ndarray
    score: np.ndarray | None = None
    classes: np.ndarray | None = None
    positive: Any = None

    def take(self, rows: np.ndarray) -> Predictions:
        """The same answers for ``rows`` only (a boolean mask or positions)."""
        return Predictions(self.truth[rows], self.predicted[rows],
                           None if self.score is None else self.score[rows],
                           self.classes, self.positive)


def features(loaded: Any, frame: Any, label: str | None) -> pd.DataFrame:
    """The columns of ``frame`` the model reads: its signature's, else all but the label."""
    if loaded.signature is not None and not loaded.signature.is_tensor:
        return frame
    names = getattr(loaded.model, "feature_names_in_", None)
    if names is not None:
        return frame[list(names)]
    return frame.drop(columns=[label]) if label is not None and label in frame else frame


def infer_task(loaded: Any, truth: np.ndarray | None) -> str:
    """Classification when the model gives probabilities or the label is not a number."""
    if hasattr(loaded.model, "predict_proba") or hasattr(loaded.model, "classes_"):
        return "classification"
    if truth is not None and truth.dtype.kind in "fc":
        return "regression"
    if truth is not None and truth.dtype.kind in "iu" and len(np.unique(truth)) > 20:
        return "regression"
    return "regression" if truth is None else "classification"


def check_task(task: str | None) -> str | None:
    if task is not None and task not in TASKS:
        raise InvalidInput(f"Unknown task {task!r}: use one of {', '.join(TASKS)} (or leave it "
                           "out to infer it from the model and the label).")
    return task


def answers(loaded: Any, frame: Any, task: str) -> tuple[np.ndarray, np.ndarray | None,
                                                          np.ndarray | None]:
    """The model's labels, probabilities (classification, when it has them) and classes."""
    prepared = loaded.prepare(features(loaded, frame, None))
    predicted = np.asarray(loaded.predict_prepared(prepared))
    if predicted.ndim > 1 and predicted.shape[1] == 1:
        predicted = predicted[:, 0]
    if task == "regression":
        return predicted, None, None
    proba = None
    method = getattr(loaded.model, "predict_proba", None)
    if method is not None:
        proba = np.asarray(method(prepared), dtype=np.float64)
    classes = getattr(loaded.model, "classes_", None)
    return predicted, proba, None if classes is None else np.asarray(classes)


def predictions(loaded: Any, frame: Any, truth: np.ndarray, task: str,
                positive: Any = None) -> Predictions:
    """``loaded``'s answers on ``frame`` beside ``truth`` for the metrics of ``task``."""
    predicted, proba, classes = answers(loaded, frame, task)
    if task == "regression":
        if truth.dtype.kind not in "iufb":
            raise InvalidInput("A regression evaluation needs a numeric label column; this "
                               f"one holds {truth.dtype} values. Pass task='classification'.")
        return Predictions(truth, predicted)
    return shaped(truth, predicted, proba, classes, positive)


def shaped(truth: np.ndarray, predicted: np.ndarray, proba: np.ndarray | None,
           classes: np.ndarray | None, positive: Any = None) -> Predictions:
    """Classification answers with their classes and, for two classes, the positive one."""
    if classes is None:
        classes = np.unique(np.concatenate([truth, predicted]).astype(object).astype(str)) \
            if truth.dtype.kind == "O" else np.unique(np.concatenate([truth, predicted]))
    if proba is not None and proba.shape[1] != len(classes):
        proba = None
    if len(classes) > 2:
        return Predictions(truth, predicted, proba, classes, None)
    # scikit-learn's convention: the greater of two labels is the positive one.
    chosen = classes[-1] if positive is None else positive
    where = [i for i, c in enumerate(classes.tolist()) if c == chosen]
    if positive is not None and not where:
        raise InvalidInput(f"positive={positive!r} is not one of the classes "
                           f"{classes.tolist()}.")
    score = None if proba is None or not where else proba[:, where[0]]
    return Predictions(truth, predicted, score, classes, chosen)
