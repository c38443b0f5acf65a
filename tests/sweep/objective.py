"""The objective the sweep tests share: an SGD classifier on sklearn's bundled breast cancer data.

It logs the validation AUC after each epoch with a step, so the median pruner has curves to
compare, and a trial with a poor learning rate is stopped early.
"""

from __future__ import annotations

from typing import Any

import jupyter_mlops as mlops


def objective(trial: Any) -> float:
    import numpy as np
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import SGDClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    alpha = trial.suggest_float("alpha", 1e-6, 10.0, log=True)
    eta0 = trial.suggest_float("eta0", 1e-5, 1.0, log=True)
    model = SGDClassifier(loss="log_loss", alpha=alpha, learning_rate="constant", eta0=eta0,
                          random_state=0)
    classes = np.unique(y_train)
    auc = 0.0
    for epoch in range(8):
        model.partial_fit(X_train, y_train, classes=classes)
        auc = float(roc_auc_score(y_test, model.decision_function(X_test)))
        mlops.log_metric("auc", auc, step=epoch)
    return auc
