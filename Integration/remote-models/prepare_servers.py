"""Lays out the models the remote-models suite serves, under WORK (its first argument):
WORK/mlserver/adult-pipeline (scikit-learn runtime, pandas codec, predict_proba),
WORK/mlserver/adult-xgboost (XGBoost runtime, models/adult-xgboost.json as it is) and
WORK/mlflow-model (the pipeline as an MLflow model answering predict_proba)."""
import json
import pathlib
import shutil
import sys

import joblib
import mlflow.sklearn

work = pathlib.Path(sys.argv[1])
pipeline = joblib.load("examples/models/adult-pipeline.joblib")["pipeline"]
for name, settings in {
    "adult-pipeline": {"implementation": "mlserver_sklearn.SKLearnModel",
                       "parameters": {"uri": "./model.joblib", "content_type": "pd",
                                      "extra": {"predict_fn": "predict_proba"}}},
    "adult-xgboost": {"implementation": "mlserver_xgboost.XGBoostModel", "parameters": {"uri": "./model.json"}},
}.items():
    folder = work / "mlserver" / name
    folder.mkdir(parents=True)
    (folder / "model-settings.json").write_text(json.dumps({"name": name, **settings}))
joblib.dump(pipeline, work / "mlserver" / "adult-pipeline" / "model.joblib")
shutil.copy("models/adult-xgboost.json", work / "mlserver" / "adult-xgboost" / "model.json")
mlflow.sklearn.save_model(pipeline, str(work / "mlflow-model"), pyfunc_predict_fn="predict_proba",
                         serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_CLOUDPICKLE)
