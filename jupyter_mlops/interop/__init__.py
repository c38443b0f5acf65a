"""Open doors to the systems teams already run: MLflow (a tracking server its clients log to,
and its stores moved in and out), Kubeflow (KFP specs, KServe manifests) and TFX's formats.

Each bridge is one module or subpackage here, above every capability it translates to, and
imports its peer's library (when it needs one) lazily, behind an extra.
"""
