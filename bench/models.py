"""Write the benchmark models, their input rows and LightGBM's answers.

For each model, `<out>/<name>/` receives `model.txt`, a `schema.json` that lets build.rs
compile it (one number field per feature), `rows.f64` (the benchmark rows, row-major
little-endian doubles), `expected.f64` (LightGBM's `predict` on them, one value per output)
and `meta.json`. Models are trained on generated data with fixed seeds; a model whose
files exist with the same parameters is kept, so reruns are fast.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path

import lightgbm as lgb
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "bench/out/models"
DEFAULT_SEED = 11
NUM_ROWS = 10_000
# A tenth of the rows take model thresholds (and their neighbours), NaN, zeros and
# infinities in some features: the values where scorers disagree with LightGBM.
EDGE_FRACTION = 0.1

# model/train.py's parameters for the default model (its parameters: section says the same).
DEFAULT_NUMERIC = {
    "objective": "multiclass",
    "num_class": 16,
    "num_leaves": 3,
    "learning_rate": 0.1,
    "min_data_in_leaf": 10,
    "lambda_l2": 1.0,
    "deterministic": True,
    "num_threads": 1,
    "verbose": -1,
}
DEFAULT_NUMERIC_ROUNDS = 30
MULTICLASS = {
    "name": "multiclass_large",
    "about": "10 classes, 200 rounds, 31 leaves, 24 numeric features, generated data",
    "params": {
        "objective": "multiclass",
        "num_class": 10,
        "num_leaves": 31,
        "learning_rate": 0.1,
        "min_data_in_leaf": 5,
        "verbose": -1,
        "num_threads": 2,
    },
    "rounds": 200,
}
REGRESSION = {
    "name": "regression_cat_nan",
    "about": "1000 trees, 31 leaves, 20 numeric (10% NaN) and 4 categorical features",
    "params": {
        "objective": "regression",
        "num_leaves": 31,
        "learning_rate": 0.05,
        "min_data_in_leaf": 5,
        "cat_smooth": 1.0,
        "min_data_per_group": 5,
        "max_cat_threshold": 64,
        "verbose": -1,
        "num_threads": 2,
    },
    "rounds": 1000,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--only", help="comma-separated model names to write")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None

    def wanted(name: str) -> bool:
        return only is None or name in only

    rng = np.random.default_rng(args.seed)
    if wanted("default"):
        write_default(args.out / "default", rng)
    if wanted("default_numeric"):
        write_default_numeric(args.out / "default_numeric", args.seed)
    if wanted(MULTICLASS["name"]):
        write_trained(args.out, MULTICLASS, args.seed, multiclass_data)
    if wanted(REGRESSION["name"]):
        write_trained(args.out, REGRESSION, args.seed, regression_data)


def write_default(out: Path, rng: np.random.Generator) -> None:
    """The genrecast model itself, on its golden rows plus random signups."""
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "model/model.txt", out / "model.txt")
    shutil.copyfile(ROOT / "model/schema.json", out / "schema.json")
    booster = lgb.Booster(model_file=str(out / "model.txt"))
    rows = signup_rows(rng)
    finish(out, booster, add_edges(rows, booster, rng), "genrecast's model/model.txt")


def signup_rows(rng: np.random.Generator) -> np.ndarray:
    """The golden signups' feature rows, then random signups up to NUM_ROWS."""
    golden = [
        json.loads(line)["features"]
        for line in (ROOT / "model/golden.jsonl").read_text().splitlines()
    ]
    golden = np.array([[np.nan if v is None else v for v in r] for r in golden], float)
    n = NUM_ROWS - len(golden)
    age = rng.integers(10, 90, n).astype(float)
    age[rng.random(n) < 0.05] = np.nan
    service = rng.integers(0, 6, n).astype(float)
    genres = (rng.random((n, 16)) < 0.3).astype(float)
    return np.vstack([golden, np.column_stack([age, service, genres])])


def write_default_numeric(out: Path, seed: int) -> None:
    """A twin of the default model with `service` as a plain number.

    m2cgen cannot export categorical splits and ONNX converts them differently, so neither
    can score the default model. This twin has its shape (16 classes, 30 rounds of 3-leaf
    trees, the same parameters), trained on random signups labelled by drawing from the
    default model's probabilities, so the wasm/JS peers get a figure on small trees.
    """
    params = DEFAULT_NUMERIC
    stamp = json.dumps({"default_numeric": params, "seed": seed}, sort_keys=True)
    if (out / "stamp.json").exists() and (out / "stamp.json").read_text() == stamp:
        print("models: default_numeric is up to date")
        return
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed + 2)
    default = lgb.Booster(model_file=str(ROOT / "model/model.txt"))
    x = np.vstack([signup_rows(rng) for _ in range(2)])
    probabilities = default.predict(x, num_threads=1)
    uniform = rng.random((len(x), 1))
    y = (probabilities.cumsum(axis=1) < uniform).sum(axis=1).clip(0, 15)
    names = default.feature_name()
    dataset = lgb.Dataset(x, label=y, feature_name=names, categorical_feature=[])
    rounds = DEFAULT_NUMERIC_ROUNDS
    booster = lgb.train({**params, "seed": seed}, dataset, num_boost_round=rounds)
    booster = save_with_schema(booster, out)
    rows = signup_rows(np.random.default_rng(seed + 3))
    about = "the default model's shape and parameters, service as a number (for m2cgen)"
    finish(out, booster, add_edges(rows, booster, rng), about)
    (out / "stamp.json").write_text(stamp)


def multiclass_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list]:
    n, f = 20_000, 24
    x = rng.normal(size=(n, f))
    w = rng.normal(size=(f, 10))
    logits = x @ w + 0.5 * np.sin(3 * x[:, :10]) @ rng.normal(size=(10, 10))
    y = np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)
    return x, y, []


def regression_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list]:
    n, f, cats = 20_000, 20, (8, 30, 60, 100)
    x = rng.normal(size=(n, f))
    c = np.column_stack([rng.integers(0, k, n) for k in cats]).astype(float)
    effects = [rng.normal(size=k) for k in cats]
    y = x[:, :5] @ rng.normal(size=5) + np.sin(2 * x[:, 5]) * x[:, 6]
    y += sum(e[c[:, i].astype(int)] for i, e in enumerate(effects))
    y += 0.1 * rng.normal(size=n)
    x[rng.random(x.shape) < 0.1] = np.nan
    c[rng.random(c.shape) < 0.05] = np.nan
    return np.column_stack([x, c]), y, list(range(f, f + len(cats)))


def write_trained(out_root: Path, spec: dict, seed: int, data) -> None:
    """Trains `spec` on generated data unless the same model is already written."""
    out = out_root / spec["name"]
    stamp = json.dumps({"spec": spec, "seed": seed}, sort_keys=True)
    if (out / "stamp.json").exists() and (out / "stamp.json").read_text() == stamp:
        print(f"models: {spec['name']} is up to date")
        return
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    x, y, categorical = data(rng)
    print(f"models: training {spec['name']} ({spec['about']})")
    params = dict(spec["params"], seed=seed, deterministic=True)
    train = lgb.Dataset(x, y, categorical_feature=categorical or "auto")
    booster = lgb.train(params, train, num_boost_round=spec["rounds"])
    booster = save_with_schema(booster, out)
    rows, _, _ = data(np.random.default_rng(seed + 1))
    rows = rows[:NUM_ROWS]
    finish(out, booster, add_edges(rows, booster, rng), spec["about"])
    (out / "stamp.json").write_text(stamp)


def save_with_schema(booster: lgb.Booster, out: Path) -> lgb.Booster:
    """Saves `model.txt` and a `schema.json` of one number field per feature, so that
    build.rs can compile it; returns the booster as reloaded from the file."""
    booster.save_model(str(out / "model.txt"))
    booster = lgb.Booster(model_file=str(out / "model.txt"))
    schema = {
        "fields": [
            {"name": name, "kind": "number", "feature": name}
            for name in booster.feature_name()
        ],
        "classes": [f"output_{k}" for k in range(booster.num_model_per_iteration())],
    }
    (out / "schema.json").write_text(json.dumps(schema, indent=1) + "\n")
    return booster


def add_edges(rows: np.ndarray, booster: lgb.Booster, rng: np.random.Generator) -> np.ndarray:
    """Puts split thresholds, their neighbours and special values into some rows."""
    rows = rows.copy()
    thresholds: dict[int, list[float]] = {}
    features = decision = None
    for line in booster.model_to_string().splitlines():
        if line.startswith("split_feature="):
            features = [int(v) for v in line.split("=")[1].split()]
        elif line.startswith("decision_type="):
            decision = [int(v) for v in line.split("=")[1].split()]
        elif line.startswith("threshold=") and features is not None:
            values = [float(v) for v in line.split("=")[1].split()]
            kinds = decision if decision is not None else [0] * len(values)
            # Decision types come before thresholds in the file; categorical nodes hold an
            # index, not a value, so only numerical thresholds are collected.
            for f, t, d in zip(features, values, kinds):
                if d & 1 == 0 and np.isfinite(t):
                    thresholds.setdefault(f, []).extend(
                        [t, np.nextafter(t, -np.inf), np.nextafter(t, np.inf)]
                    )
            features = decision = None
    special = [np.nan, 0.0, -0.0, 1e-40, np.inf, -np.inf, -0.5, 1.0000000180025095e-35]
    edge_rows = rng.choice(len(rows), int(EDGE_FRACTION * len(rows)), replace=False)
    for r in edge_rows:
        for f in rng.choice(rows.shape[1], max(1, rows.shape[1] // 4), replace=False):
            pool = thresholds.get(int(f))
            if pool and rng.random() < 0.7:
                rows[r, f] = pool[rng.integers(len(pool))]
            else:
                rows[r, f] = special[rng.integers(len(special))]
    return rows


def finish(out: Path, booster: lgb.Booster, rows: np.ndarray, about: str) -> None:
    expected = booster.predict(rows, num_threads=1).reshape(len(rows), -1)
    np.ascontiguousarray(rows, "<f8").tofile(out / "rows.f64")
    np.ascontiguousarray(expected, "<f8").tofile(out / "expected.f64")
    text = (out / "model.txt").read_text()
    meta = {
        "about": about,
        "num_feature": booster.num_feature(),
        "num_output": expected.shape[1],
        "num_rows": len(rows),
        "num_trees": booster.num_trees(),
        "num_leaves_max": max(int(v) for v in re.findall(r"^num_leaves=(\d+)", text, re.M)),
        "model_bytes": len(text.encode()),
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"models: {out.name}: {meta['num_trees']} trees, {len(rows)} rows")


if __name__ == "__main__":
    main()
