"""Train the genrecast favourite-genre model and write what the Rust build reads.

Each MxMH survey respondent becomes a signup: age, primary streaming service
and the genres they listen to often. The script compares a popularity rule,
multinomial logistic regression and LightGBM on the same repeated stratified
folds, fits LightGBM on every row, and writes `model.txt`, `schema.json`,
`metrics.json` and `golden.jsonl`. The mental-health answers (Anxiety,
Depression, Insomnia, OCD, Music effects) and every other column are never
turned into features. Rendering the model as Rust is left to build.rs.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2]
    / "shared/data/mxmh-survey/mxmh_survey_results.csv"
)
DEFAULT_OUT = Path(__file__).resolve().parent
DEFAULT_SEED = 7

AGE_COLUMN = "Age"
SERVICE_COLUMN = "Primary streaming service"
TARGET_COLUMN = "Fav genre"

# Genre vocabulary in the survey's column order; class i is genre i.
GENRES = (
    "Classical",
    "Country",
    "EDM",
    "Folk",
    "Gospel",
    "Hip hop",
    "Jazz",
    "K pop",
    "Latin",
    "Lofi",
    "Metal",
    "Pop",
    "R&B",
    "Rap",
    "Rock",
    "Video game music",
)
FREQUENCY_VALUES = ("Never", "Rarely", "Sometimes", "Very frequently")
TICK_LEVELS = {
    "sometimes": ("Sometimes", "Very frequently"),
    "very": ("Very frequently",),
}
DEFAULT_TICK_LEVEL = "sometimes"

AGE_MIN = 0
AGE_MAX = 120
NUM_CLASSES = len(GENRES)
AGE_INDEX = 0
SERVICE_INDEX = 1
GENRE_OFFSET = 2
GENRE_FEATURES = tuple(
    "genre_" + re.sub(r"[^a-z0-9]+", "_", genre.lower()) for genre in GENRES
)
FEATURES = ("age", "service", *GENRE_FEATURES)

# 3 folds keep at least one Latin row (3 in total) in every test fold and two
# in every training fold; 5 repeats give 15 evaluations per model.
CV_SPLITS = 3
CV_REPEATS = 5
Z_95 = 1.96
TOP_K = (1, 3)

# Chosen by hand from cross-validation: 2-8 leaves with 15-80 rounds all scored
# within about 0.01 top-1 of each other, so the smallest good setting wins.
# 30 rounds x 16 classes x 3 leaves caps the model at 1440 leaves for the
# browser.
NUM_BOOST_ROUND = 30
LGB_PARAMS: dict[str, Any] = {
    "objective": "multiclass",
    "num_class": NUM_CLASSES,
    "num_leaves": 3,
    "learning_rate": 0.1,
    "min_data_in_leaf": 10,
    "lambda_l2": 1.0,
    "deterministic": True,
    "force_col_wise": True,
    "num_threads": 1,
    "verbose": -1,
}
LOGREG_MAX_ITER = 5000

# Inputs for the hand-made golden rows.
EDGE_AGE = 25.0
EDGE_SERVICE = "Spotify"
EDGE_GENRE_SETS = {
    "none": (),
    "rock": ("Rock",),
    "pop-rap": ("Hip hop", "Pop", "Rap"),
}


def load_survey(path: Path) -> pd.DataFrame:
    """Read the survey as strings, keeping empty cells as empty strings."""
    if not path.is_file():
        raise ValueError(f"survey file not found: {path}")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    needed = [AGE_COLUMN, SERVICE_COLUMN, TARGET_COLUMN]
    needed += [f"Frequency [{genre}]" for genre in GENRES]
    missing = [column for column in needed if column not in frame.columns]
    if missing:
        raise ValueError(f"survey is missing columns: {missing}")
    if frame.empty:
        raise ValueError(f"survey has no rows: {path}")
    return frame[needed].apply(lambda column: column.str.strip())


def service_vocabulary(frame: pd.DataFrame) -> list[str]:
    """Return the sorted non-empty streaming services seen in the survey."""
    return sorted(value for value in frame[SERVICE_COLUMN].unique() if value)


def signups(frame: pd.DataFrame, tick_level: str) -> list[dict[str, Any]]:
    """Turn survey rows into signups; missing age or service is left out."""
    if tick_level not in TICK_LEVELS:
        raise ValueError(f"unknown tick level {tick_level!r}")
    ticked_values = TICK_LEVELS[tick_level]
    result = []
    for row_number, values in enumerate(frame.to_dict("records")):
        signup: dict[str, Any] = {}
        if values[AGE_COLUMN]:
            try:
                signup["age"] = float(values[AGE_COLUMN])
            except ValueError:
                raise ValueError(
                    f"row {row_number}: age {values[AGE_COLUMN]!r} is not a number"
                ) from None
        if values[SERVICE_COLUMN]:
            signup["service"] = values[SERVICE_COLUMN]
        genres = []
        for genre in GENRES:
            frequency = values[f"Frequency [{genre}]"]
            if frequency not in FREQUENCY_VALUES:
                raise ValueError(
                    f"row {row_number}: frequency {frequency!r} for {genre} "
                    f"is not one of {FREQUENCY_VALUES}"
                )
            if frequency in ticked_values:
                genres.append(genre)
        signup["genres"] = genres
        result.append(signup)
    return result


def targets(frame: pd.DataFrame) -> np.ndarray:
    """Return the favourite genre of every row as a class index."""
    unknown = sorted(set(frame[TARGET_COLUMN]) - set(GENRES))
    if unknown:
        raise ValueError(f"favourite genres outside the vocabulary: {unknown}")
    index = {genre: i for i, genre in enumerate(GENRES)}
    return np.array([index[genre] for genre in frame[TARGET_COLUMN]], dtype=np.int64)


def features(signup: dict[str, Any], services: list[str]) -> list[float]:
    """Map one signup to the model's feature vector, NaN for missing values."""
    unknown = sorted(set(signup["genres"]) - set(GENRES))
    if unknown:
        raise ValueError(f"unknown genres {unknown}")
    row = [float("nan")] * len(FEATURES)
    if "age" in signup:
        row[AGE_INDEX] = float(signup["age"])
    if "service" in signup:
        if signup["service"] not in services:
            raise ValueError(f"unknown service {signup['service']!r}")
        row[SERVICE_INDEX] = float(services.index(signup["service"]))
    for i, genre in enumerate(GENRES):
        row[GENRE_OFFSET + i] = 1.0 if genre in signup["genres"] else 0.0
    return row


def feature_matrix(rows: list[dict[str, Any]], services: list[str]) -> np.ndarray:
    """Stack the feature vectors of many signups into a float64 matrix."""
    return np.array([features(row, services) for row in rows], dtype=np.float64)


def rule_scores(
    x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray
) -> np.ndarray:
    """Score the business rule: ticked genres first, each group by popularity."""
    del x_train  # the rule only looks at how often each genre is a favourite
    counts = np.bincount(y_train, minlength=NUM_CLASSES)
    # Rank 0 is the most popular genre; ties go to the lower class index.
    rank = np.empty(NUM_CLASSES, dtype=np.int64)
    rank[np.argsort(-counts, kind="stable")] = np.arange(NUM_CLASSES)
    ticked = x_test[:, GENRE_OFFSET:]
    return ticked * NUM_CLASSES + (NUM_CLASSES - 1 - rank)[np.newaxis, :]


def logreg_scores(
    x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray
) -> np.ndarray:
    """Fit multinomial logistic regression and return class probabilities."""
    age = Pipeline(
        [("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]
    )
    service = Pipeline(
        [
            ("impute", SimpleImputer(strategy="constant", fill_value=-1.0)),
            ("one_hot", OneHotEncoder(handle_unknown="ignore")),
        ]
    )
    columns = ColumnTransformer(
        [
            ("age", age, [AGE_INDEX]),
            ("service", service, [SERVICE_INDEX]),
            ("genres", "passthrough", list(range(GENRE_OFFSET, len(FEATURES)))),
        ]
    )
    model = Pipeline(
        [
            ("columns", columns),
            ("logreg", LogisticRegression(max_iter=LOGREG_MAX_ITER)),
        ]
    )
    model.fit(x_train, y_train)
    # Every class occurs in every training fold, so classes_ is 0..15.
    if list(model.classes_) != list(range(NUM_CLASSES)):
        raise ValueError(f"training fold lacks classes: {model.classes_}")
    return model.predict_proba(x_test)


def train_lightgbm(x: np.ndarray, y: np.ndarray, seed: int) -> lgb.Booster:
    """Fit the LightGBM multiclass model with the fixed parameters."""
    dataset = lgb.Dataset(
        x,
        label=y,
        feature_name=list(FEATURES),
        categorical_feature=["service"],
        free_raw_data=False,
    )
    params = {**LGB_PARAMS, "seed": seed}
    return lgb.train(params, dataset, num_boost_round=NUM_BOOST_ROUND)


def hits(scores: np.ndarray, y: np.ndarray, k: int) -> float:
    """Return the share of rows whose true class is among the k best scores."""
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float(np.mean(np.any(top == y[:, np.newaxis], axis=1)))


def summary(values: list[float]) -> dict[str, Any]:
    """Mean and 95% interval over fold evaluations.

    The interval is mean +/- 1.96 * std / sqrt(n) over the n = 15 fold scores
    (sample std, normal approximation). Repeated folds share rows, so this
    understates the true uncertainty somewhat.
    """
    array = np.asarray(values)
    mean = float(array.mean())
    half = Z_95 * float(array.std(ddof=1)) / np.sqrt(len(array))
    return {
        "mean": round(mean, 4),
        "ci95": [round(mean - half, 4), round(mean + half, 4)],
    }


def cross_validate(x: np.ndarray, y: np.ndarray, seed: int) -> dict[str, Any]:
    """Compare the rule, logistic regression and LightGBM on the same folds."""
    folds = RepeatedStratifiedKFold(
        n_splits=CV_SPLITS, n_repeats=CV_REPEATS, random_state=seed
    )
    scores: dict[int, dict[str, list[float]]] = {
        k: {"rule": [], "logreg": [], "lightgbm": []} for k in TOP_K
    }
    for train, test in folds.split(x, y):
        predictions = {
            "rule": rule_scores(x[train], y[train], x[test]),
            "logreg": logreg_scores(x[train], y[train], x[test]),
            "lightgbm": train_lightgbm(x[train], y[train], seed).predict(x[test]),
        }
        for k in TOP_K:
            for name, predicted in predictions.items():
                scores[k][name].append(hits(predicted, y[test], k))
    result: dict[str, Any] = {}
    for k in TOP_K:
        means = {name: float(np.mean(values)) for name, values in scores[k].items()}
        result[f"top{k}"] = {
            **{name: summary(values) for name, values in scores[k].items()},
            "lift": round(means["lightgbm"] / means["rule"] - 1.0, 4),
        }
    return result


def age_thresholds(booster: lgb.Booster) -> list[float]:
    """Return the distinct thresholds of numerical splits on age, ascending."""
    found: set[float] = set()
    for tree in booster.dump_model()["tree_info"]:
        stack = [tree["tree_structure"]]
        while stack:
            node = stack.pop()
            if "split_index" not in node:
                continue
            if node["split_feature"] == AGE_INDEX and node["decision_type"] == "<=":
                found.add(float(node["threshold"]))
            stack.extend([node["left_child"], node["right_child"]])
    return sorted(t for t in found if AGE_MIN <= t <= AGE_MAX)


def split_counts(booster: lgb.Booster) -> dict[str, int]:
    """Count trees, leaves and splits per feature (categorical ones apart)."""
    counts = {"trees": 0, "leaves": 0, "age": 0, "service": 0, "service_categorical": 0}
    for tree in booster.dump_model()["tree_info"]:
        counts["trees"] += 1
        counts["leaves"] += tree["num_leaves"]
        stack = [tree["tree_structure"]]
        while stack:
            node = stack.pop()
            if "split_index" not in node:
                continue
            if node["split_feature"] == AGE_INDEX:
                counts["age"] += 1
            if node["split_feature"] == SERVICE_INDEX:
                counts["service"] += 1
                counts["service_categorical"] += node["decision_type"] == "=="
            stack.extend([node["left_child"], node["right_child"]])
    return counts


def edge_cases(
    thresholds: list[float], services: list[str]
) -> list[tuple[str, dict[str, Any] | None, list[float]]]:
    """Build the hand-made golden rows as (id, signup, features)."""
    base = {"age": EDGE_AGE, "service": EDGE_SERVICE}
    cases: list[tuple[str, dict[str, Any] | None]] = [
        ("edge-no-genres", {**base, "genres": []}),
        ("edge-every-genre", {**base, "genres": list(GENRES)}),
        ("edge-missing-age", {"service": EDGE_SERVICE, "genres": ["Rock"]}),
        ("edge-missing-service", {"age": EDGE_AGE, "genres": ["Rock"]}),
        ("edge-missing-everything", {"genres": []}),
        ("edge-age-min", {**base, "age": float(AGE_MIN), "genres": ["Pop"]}),
        ("edge-age-max", {**base, "age": float(AGE_MAX), "genres": ["Pop"]}),
    ]
    for threshold in thresholds:
        above = float(np.nextafter(threshold, np.inf))
        for name, genres in EDGE_GENRE_SETS.items():
            prefix = f"edge-age-threshold-{threshold!r}-{name}"
            cases.append((prefix, {**base, "age": threshold, "genres": list(genres)}))
            cases.append(
                (f"{prefix}-above", {**base, "age": above, "genres": list(genres)})
            )
    for code, service in enumerate(services):
        cases.append(
            (
                f"edge-service-{code}",
                {"age": EDGE_AGE, "service": service, "genres": ["Pop"]},
            )
        )
    result = [(name, signup, features(signup, services)) for name, signup in cases]
    # A service code the model never saw cannot come from a valid signup.
    unseen = features({"age": EDGE_AGE, "genres": ["Pop"]}, services)
    unseen[SERVICE_INDEX] = float(len(services))
    result.append(("edge-unseen-service", None, unseen))
    return result


def json_number(value: float) -> float | None:
    """Return value as a plain float, or None for NaN."""
    return None if np.isnan(value) else float(value)


def write_json(path: Path, value: Any) -> None:
    """Write indented JSON with a trailing newline."""
    path.write_text(
        json.dumps(value, indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="survey CSV")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output directory"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument(
        "--tick-level",
        choices=sorted(TICK_LEVELS),
        default=DEFAULT_TICK_LEVEL,
        help="lowest listening frequency that counts as a ticked genre",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if not args.out.is_dir():
        raise ValueError(f"output directory not found: {args.out}")

    frame = load_survey(args.data)
    services = service_vocabulary(frame)
    y = targets(frame)
    rows = {level: signups(frame, level) for level in TICK_LEVELS}
    matrices = {level: feature_matrix(rows[level], services) for level in TICK_LEVELS}
    print(
        f"load: {len(frame)} rows, {len(services)} services, "
        f"{len(FEATURES)} features, {NUM_CLASSES} classes from {args.data.name}"
    )

    by_level = {
        level: cross_validate(matrices[level], y, args.seed) for level in TICK_LEVELS
    }
    print(
        "cross-validate: "
        + "; ".join(
            f"{level} top1 rule {m['top1']['rule']['mean']:.3f} "
            f"logreg {m['top1']['logreg']['mean']:.3f} "
            f"lightgbm {m['top1']['lightgbm']['mean']:.3f}, "
            f"top3 rule {m['top3']['rule']['mean']:.3f} "
            f"logreg {m['top3']['logreg']['mean']:.3f} "
            f"lightgbm {m['top3']['lightgbm']['mean']:.3f}"
            for level, m in by_level.items()
        )
        + f" ({CV_SPLITS} folds x {CV_REPEATS} repeats)"
    )

    x = matrices[args.tick_level]
    booster = train_lightgbm(x, y, args.seed)
    counts = split_counts(booster)
    print(
        f"fit: {counts['trees']} trees, {counts['leaves']} leaves, "
        f"{counts['age']} age splits, {counts['service']} service splits "
        f"({counts['service_categorical']} categorical) on {len(x)} rows"
    )

    model_path = args.out / "model.txt"
    booster.save_model(str(model_path))
    schema = {
        "model": model_path.name,
        "tick_level": args.tick_level,
        "fields": [
            {
                "name": "age",
                "kind": "number",
                "feature": "age",
                "min": AGE_MIN,
                "max": AGE_MAX,
                "required": False,
            },
            {
                "name": "service",
                "kind": "category",
                "feature": "service",
                "vocabulary": services,
                "required": False,
            },
            {
                "name": "genres",
                "kind": "multi_hot",
                "features": list(GENRE_FEATURES),
                "vocabulary": list(GENRES),
                "required": False,
            },
        ],
        "classes": list(GENRES),
    }
    write_json(args.out / "schema.json", schema)
    metrics = {
        "tick_level": args.tick_level,
        "folds": (
            f"RepeatedStratifiedKFold(n_splits={CV_SPLITS}, n_repeats={CV_REPEATS}, "
            f"random_state={args.seed}): {CV_SPLITS * CV_REPEATS} evaluations; "
            f"ci95 = mean +/- {Z_95} * std / sqrt({CV_SPLITS * CV_REPEATS})"
        ),
        "rows": len(frame),
        **by_level[args.tick_level],
        "by_tick_level": by_level,
    }
    write_json(args.out / "metrics.json", metrics)
    print(f"save: {model_path.name}, schema.json, metrics.json in {args.out}")

    # The golden rows are the survey signups followed by the edge cases; the
    # features rebuilt from each signup must match the training matrix.
    reloaded = lgb.Booster(model_file=str(model_path))
    thresholds = age_thresholds(reloaded)
    if thresholds != age_thresholds(booster):
        raise ValueError("reloaded model has different age thresholds")
    golden = [
        (f"survey-{i}", signup, features(signup, services))
        for i, signup in enumerate(rows[args.tick_level])
    ]
    golden += edge_cases(thresholds, services)
    golden_x = np.array([row for _, _, row in golden], dtype=np.float64)
    if not np.array_equal(golden_x[: len(x)], x, equal_nan=True):
        raise ValueError("signup features differ from the training matrix")
    raw = reloaded.predict(golden_x, raw_score=True)
    probability = reloaded.predict(golden_x)
    if not (
        np.array_equal(raw, booster.predict(golden_x, raw_score=True))
        and np.array_equal(probability, booster.predict(golden_x))
    ):
        raise ValueError("reloaded model.txt predicts differently from the fit model")
    lines = []
    for (name, signup, row), raw_row, probability_row in zip(
        golden, raw, probability, strict=True
    ):
        top3 = np.argsort(-probability_row, kind="stable")[:3]
        record = {
            "id": name,
            "signup": signup,
            "features": [json_number(value) for value in row],
            "raw": raw_row.tolist(),
            "probability": probability_row.tolist(),
            "top3": [GENRES[i] for i in top3],
        }
        lines.append(json.dumps(record, allow_nan=False))
    with open(args.out / "golden.jsonl", "w", encoding="utf-8", newline="\n") as file:
        file.write("\n".join(lines) + "\n")
    print(
        f"golden: {len(lines)} rows ({len(lines) - len(x)} edge cases, "
        f"age thresholds {thresholds}) from reloaded {model_path.name}"
    )


if __name__ == "__main__":
    main()
