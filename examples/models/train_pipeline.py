"""Train the example scikit-learn Pipeline on the shipped Adult data and write its card.

    python examples/models/train_pipeline.py

writes examples/models/adult-pipeline.joblib (the fitted pipeline and its numeric column
names) and examples/models/adult-pipeline.card.json (the features glassbox sends, with
the labels of the categorical ones, taken from models/adult-xgboost.card.json).
The pipeline: median imputation and scaling for numbers, most-frequent imputation and
one-hot encoding for categories, then a HistGradientBoosting classifier.
"""
import json
import pathlib

import joblib
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

root = pathlib.Path(__file__).resolve().parents[2]
here = root / "examples" / "models"
train = pd.read_csv(root / "datasets" / "adult.csv")
test = pd.read_csv(root / "datasets" / "adult-test.csv")
target = "income"
features = [c for c in train.columns if c != target]
numeric = [c for c in features if pd.api.types.is_numeric_dtype(train[c])]
categorical = [c for c in features if c not in numeric]

pipeline = Pipeline([
    ("prepare", ColumnTransformer([
        ("numbers", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("categories", make_pipeline(
            SimpleImputer(strategy="most_frequent"),
            OneHotEncoder(handle_unknown="ignore", sparse_output=False)), categorical),
    ])),
    ("classify", HistGradientBoostingClassifier(max_iter=150, learning_rate=0.1, random_state=0)),
])
pipeline.fit(train[features], train[target])
joblib.dump({"pipeline": pipeline, "numeric": numeric}, here / "adult-pipeline.joblib")

p = pipeline.predict_proba(test[features])[:, list(pipeline.classes_).index(">50K")]
y = test[target] == ">50K"
card = json.loads((root / "models" / "adult-xgboost.card.json").read_text())
card.update({
    "name": "adult-pipeline",
    "description": "scikit-learn Pipeline (median imputation and scaling, most-frequent imputation and "
                   "one-hot encoding, HistGradientBoostingClassifier with 150 iterations) predicting whether "
                   "income exceeds USD 50K; served by examples/models/predict.py.",
    "metrics": {"evaluated_on": "datasets/adult-test.csv",
                "accuracy": round(float(accuracy_score(y, p > 0.5)), 6),
                "roc_auc": round(float(roc_auc_score(y, p)), 6)},
    "missing_values": "imputed inside the pipeline (median for numbers, most frequent category otherwise)",
})
(here / "adult-pipeline.card.json").write_text(json.dumps(card, indent=2) + "\n")
print(f"trained: accuracy {card['metrics']['accuracy']}, ROC AUC {card['metrics']['roc_auc']} on adult-test.csv")
