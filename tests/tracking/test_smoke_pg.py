import math

import jupyter_mlops as mlops


def test_round_trip(tracking):
    with mlops.start_run(experiment="e1", tags={"owner": "ana"}) as run:
        mlops.log_param("C", 0.5)
        for i in range(5):
            mlops.log_metric("loss", 1 / (i + 1))
        mlops.log_metric("nan", float("nan"))
        mlops.log_metric("inf", float("-inf"))
    got = mlops.get_run(run.id)
    assert got.params == {"C": "0.5"}
    assert math.isnan(got.metrics["nan"])
    assert got.metrics["inf"] == float("-inf")
    frame = mlops.runs(filter="metrics.loss < 0.3 and params.C = '0.5' and tags.owner = 'ana'",
                       order_by=["metrics.loss DESC"])
    assert list(frame.run_id) == [run.id]
