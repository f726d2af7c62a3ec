"""Trains the parity corpus: LightGBM models, input rows and LightGBM's own outputs.

Each model is saved to ``<out>/<name>/model.txt`` and reloaded; the reloaded booster's raw
scores and predictions on ``input.csv`` are written to ``raw.csv`` and ``predict.csv``, with
every value in the shortest form that reads back exactly (formatted as Rust's ``{:?}`` does,
so the command-line tool's output can be compared byte for byte). ``manifest.json`` lists the
models, what each covers and the lightgbm version. A few models also get ``model.json``
(``Booster.dump_model()``), and two are rewritten with older (v2, v3) headers. Models named
``lightgbm3_*`` come from ``make_lightgbm3.py`` and are kept as they are.

Run from the repository root: ``python3 tests/corpus/make_corpus.py``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.datasets import load_svmlight_file

DATA_DIR = Path("../shared/data/lightgbm-examples")
OUT_DIR = Path("tests/corpus")
SEED = 7
# LightGBM's kZeroThreshold (1e-35f widened to double) and its neighbours.
ZERO_THRESHOLD = 1.0000000180025095e-35
SPECIALS = [
    math.nan,
    math.inf,
    -math.inf,
    0.0,
    -0.0,
    1e-40,
    -1e-40,
    ZERO_THRESHOLD,
    -ZERO_THRESHOLD,
    math.nextafter(ZERO_THRESHOLD, 1.0),
    1e300,
    -1e300,
]
CATEGORY_SPECIALS = [
    math.nan,
    -1.0,
    -0.5,
    -0.0,
    0.0,
    0.5,
    2.7,
    31.0,
    32.0,
    63.999,
    1000.0,
    2147483647.0,
    2147483648.0,
    1e10,
    -1e10,
    math.inf,
    -math.inf,
]
MAX_CELLS = 12_000  # rows x features per model, to keep the corpus small
# Models trained by LightGBM 3, which make_lightgbm3.py writes and this script keeps.
LIGHTGBM3_PREFIX = "lightgbm3_"


def fmt(v: float) -> str:
    """Formats a float as Rust's ``{:?}``: shortest round trip, ``1e-5``, ``NaN``."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    text = repr(float(v))
    if "e" in text:
        mantissa, exponent = text.split("e")
        mantissa = mantissa.removesuffix(".0")
        text = f"{mantissa}e{int(exponent)}"
    return text


def fmt_input(v: float, i: int) -> str:
    """Input cells: NaN alternates between an empty cell and ``NaN``."""
    if math.isnan(v):
        return "" if i % 2 == 0 else "NaN"
    return fmt(v)


def load_tsv(name: str, sub: str) -> tuple[np.ndarray, np.ndarray]:
    data = np.loadtxt(DATA_DIR / sub / name, dtype=np.float64)
    if data.ndim != 2:
        raise ValueError(f"{name}: expected a table")
    return data[:, 1:], data[:, 0]


def load_rank(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, y = load_svmlight_file(str(DATA_DIR / "lambdarank" / name), n_features=300)
    group = np.loadtxt(DATA_DIR / "lambdarank" / f"{name}.query", dtype=np.int64)
    if group.sum() != x.shape[0]:
        raise ValueError(f"{name}: query sizes do not add up to the rows")
    x = np.asarray(x.todense(), dtype=np.float64)
    # Keep only the columns that hold data, so the model has fewer features.
    keep = np.flatnonzero(np.abs(x).sum(axis=0) > 0)[:60]
    return x[:, keep], y, group


def generated(
    rng: np.random.Generator,
    n: int,
    num_numeric: int,
    num_cat: int = 0,
    nan_rate: float = 0.0,
    zero_rate: float = 0.0,
    cat_levels: int = 50,
) -> tuple[np.ndarray, list[int]]:
    """Numeric columns (some integer-valued, some with NaN or zeros) and categorical ones."""
    cols = []
    for j in range(num_numeric):
        if j % 3 == 0:
            col = rng.normal(size=n)
        elif j % 3 == 1:
            col = rng.integers(-5, 6, size=n).astype(np.float64)
        else:
            col = rng.exponential(size=n) * 10
        col[rng.random(n) < nan_rate] = np.nan
        col[rng.random(n) < zero_rate] = 0.0
        cols.append(col)
    for _ in range(num_cat):
        col = rng.integers(0, cat_levels, size=n).astype(np.float64)
        col[rng.random(n) < nan_rate] = np.nan
        cols.append(col)
    cat_idx = list(range(num_numeric, num_numeric + num_cat))
    return np.column_stack(cols), cat_idx


def signal(x: np.ndarray, cat_idx: list[int]) -> np.ndarray:
    """A label signal that depends on every column, NaN read as a value of its own."""
    z = np.nan_to_num(x, nan=-3.0)
    s = np.zeros(x.shape[0])
    for j in range(x.shape[1]):
        if j in cat_idx:
            s += np.where(z[:, j].astype(np.int64) % 3 == 0, 1.0, -0.5)
        else:
            s += np.sin(z[:, j] * (j + 1) * 0.7) * (1.0 / (1 + j % 4))
    s += np.where(np.isnan(x).any(axis=1), 0.8, 0.0)
    return s


def thresholds(model_text: str) -> list[tuple[int, float, bool]]:
    """(feature, threshold, categorical) of every split in the model file."""
    out = []
    feats: list[int] = []
    for line in model_text.splitlines():
        if line.startswith("split_feature="):
            feats = [int(v) for v in line.split("=", 1)[1].split()]
        elif line.startswith("threshold="):
            values = [float(v) for v in line.split("=", 1)[1].split()]
        elif line.startswith("decision_type="):
            kinds = [int(v) for v in line.split("=", 1)[1].split()]
            for f, t, d in zip(feats, values, kinds):
                out.append((f, t, bool(d & 1)))
        elif line.startswith("end of trees"):
            break
    return out


def categories(model_text: str) -> list[int]:
    """Every category named in any categorical bitset of the model."""
    out: set[int] = set()
    bounds: list[int] = []
    for line in model_text.splitlines():
        if line.startswith("cat_boundaries="):
            bounds = [int(v) for v in line.split("=", 1)[1].split()]
        elif line.startswith("cat_threshold="):
            words = [int(v) for v in line.split("=", 1)[1].split()]
            for start, end in itertools.pairwise(bounds):
                for k, word in enumerate(words[start:end]):
                    out.update(k * 32 + bit for bit in range(32) if word >> bit & 1)
        elif line.startswith("end of trees"):
            break
    return sorted(out)


def input_rows(
    rng: np.random.Generator,
    base: np.ndarray,
    model_text: str,
    cat_idx: list[int],
    max_rows: int,
) -> np.ndarray:
    """Real rows, rows of special values, and rows with features set exactly on thresholds."""
    nfeat = base.shape[1]
    rows: list[np.ndarray] = []
    take = min(len(base), max(4, max_rows // 4))
    rows.extend(base[rng.choice(len(base), size=take, replace=False)])
    template = base[0].copy()
    # One row per special value, in every numeric column (categorical ones get their own).
    for v in SPECIALS:
        row = np.full(nfeat, v)
        rows.append(row)
    for v in CATEGORY_SPECIALS:
        row = template.copy()
        for j in cat_idx:
            row[j] = v
        rows.append(row)
    # Values exactly on thresholds and one ulp either side.
    splits = thresholds(model_text)
    numeric = [(f, t) for f, t, c in splits if not c]
    rng.shuffle(numeric)
    for f, t in numeric[: max(0, max_rows // 3)]:
        for v in (t, math.nextafter(t, -math.inf), math.nextafter(t, math.inf)):
            row = base[rng.integers(len(base))].copy()
            row[f] = v
            rows.append(row)
    cats = categories(model_text)
    for c in cats[:20]:
        row = base[rng.integers(len(base))].copy()
        for j in cat_idx:
            row[j] = float(c)
        rows.append(row)
    # Real rows with random cells replaced by special values.
    while len(rows) < max_rows:
        row = base[rng.integers(len(base))].copy()
        for j in rng.choice(nfeat, size=max(1, nfeat // 4), replace=False):
            pool = CATEGORY_SPECIALS if j in cat_idx else SPECIALS
            row[j] = pool[rng.integers(len(pool))]
        rows.append(row)
    return np.array(rows[:max_rows] if len(rows) > max_rows else rows, dtype=np.float64)


def write_csv(
    path: Path, header: list[str] | None, rows: np.ndarray, cell: Callable
) -> None:
    lines = []
    if header is not None:
        lines.append(",".join(header))
    for row in rows:
        lines.append(",".join(cell(float(v), j) for j, v in enumerate(row)))
    path.write_text("\n".join(lines) + "\n")


class Corpus:
    """Trains, saves, reloads and records one model at a time."""

    def __init__(self, out: Path, seed: int) -> None:
        self.out = out
        self.seed = seed
        self.entries: list[dict[str, Any]] = []
        self.rng = np.random.default_rng(seed)

    def add(
        self,
        name: str,
        covers: list[str],
        params: dict[str, Any],
        x: np.ndarray,
        y: np.ndarray,
        rounds: int,
        cat_idx: list[int] | None = None,
        group: np.ndarray | None = None,
        max_rows: int = 120,
        dump_json: bool = False,
        pandas: bool = False,
    ) -> lgb.Booster:
        cat_idx = cat_idx or []
        full = {
            "verbosity": -1,
            "num_threads": 1,
            "seed": self.seed,
            "deterministic": True,
            "force_col_wise": True,
            **params,
        }
        if pandas:
            import pandas as pd

            frame = pd.DataFrame(x, columns=[f"f{j}" for j in range(x.shape[1])])
            for j in cat_idx:
                frame[f"f{j}"] = pd.Categorical(frame[f"f{j}"].fillna(-1).astype(int))
            dataset = lgb.Dataset(frame, label=y, group=group, free_raw_data=False)
            # The model sees category codes, which is what the input rows must hold.
            x = np.column_stack(
                [
                    frame[c].cat.codes.to_numpy(np.float64)
                    if j in cat_idx
                    else frame[c]
                    for j, c in enumerate(frame.columns)
                ]
            )
        else:
            dataset = lgb.Dataset(
                x,
                label=y,
                group=group,
                categorical_feature=cat_idx if cat_idx else "auto",
                free_raw_data=False,
            )
        booster = lgb.train(full, dataset, num_boost_round=rounds)
        directory = self.out / name
        directory.mkdir(parents=True, exist_ok=True)
        model_path = directory / "model.txt"
        booster.save_model(str(model_path))
        text = model_path.read_text()
        reloaded = lgb.Booster(model_file=str(model_path))
        nfeat = reloaded.num_feature()
        max_rows = max(8, min(max_rows, MAX_CELLS // nfeat))
        rows = input_rows(self.rng, x, text, cat_idx, max_rows)
        raw = reloaded.predict(rows, raw_score=True, num_threads=1)
        pred = reloaded.predict(rows, num_threads=1)
        # The booster in memory must agree with the reloaded file.
        in_memory = booster.predict(rows, raw_score=True, num_threads=1)
        if not np.array_equal(np.asarray(in_memory), np.asarray(raw), equal_nan=True):
            raise ValueError(f"{name}: reloaded model predicts differently")
        # Before record(), which notes in the manifest whether model.json exists.
        if dump_json:
            dumped = reloaded.dump_model()
            (directory / "model.json").write_text(json.dumps(dumped) + "\n")
        self.record(name, covers, reloaded, rows, raw, pred)
        return reloaded

    def record(
        self,
        name: str,
        covers: list[str],
        booster: lgb.Booster,
        rows: np.ndarray,
        raw: np.ndarray,
        pred: np.ndarray,
    ) -> None:
        directory = self.out / name
        names = booster.feature_name()
        write_csv(directory / "input.csv", names, rows, fmt_input)
        raw = np.asarray(raw).reshape(len(rows), -1)
        pred = np.asarray(pred).reshape(len(rows), -1)
        write_csv(directory / "raw.csv", None, raw, lambda v, _: fmt(v))
        write_csv(directory / "predict.csv", None, pred, lambda v, _: fmt(v))
        text = (directory / "model.txt").read_text()
        num_trees = sum(1 for line in text.splitlines() if line.startswith("Tree="))
        entry = {
            "name": name,
            "covers": covers,
            "lightgbm_version": lgb.__version__,
            "num_trees": num_trees,
            "num_feature": booster.num_feature(),
            "num_outputs": raw.shape[1],
            "rows": len(rows),
            "json": (directory / "model.json").exists(),
        }
        self.entries.append(entry)
        size = sum(p.stat().st_size for p in directory.iterdir())
        print(
            f"{name}: {num_trees} trees, {len(rows)} rows, {raw.shape[1]} outputs, "
            f"{size / 1024:.0f} KiB"
        )

    def older_header(self, source: str, name: str, version: str) -> None:
        """Rewrites a model as an older LightGBM wrote it, and checks LightGBM still agrees."""
        directory = self.out / name
        directory.mkdir(parents=True, exist_ok=True)
        text = (self.out / source / "model.txt").read_text()
        dropped = {"is_linear"}
        if version == "v2":
            dropped |= {"leaf_weight", "internal_weight", "monotone_constraints"}
        lines = []
        for line in text.splitlines():
            key = line.split("=", 1)[0]
            if key in dropped:
                continue
            if key == "version":
                line = f"version={version}"
            lines.append(line)
        text = "\n".join(lines) + "\n"
        # tree_sizes counts bytes per tree; recompute it for the shorter blocks.
        blocks = re.split(
            r"(?=^Tree=)", text.split("end of trees")[0], flags=re.MULTILINE
        )[1:]
        sizes = " ".join(str(len(b.encode())) for b in blocks)
        text = re.sub(
            r"^tree_sizes=.*$", f"tree_sizes={sizes}", text, count=1, flags=re.MULTILINE
        )
        (directory / "model.txt").write_text(text)
        booster = lgb.Booster(model_file=str(directory / "model.txt"))
        shutil.copy(self.out / source / "input.csv", directory / "input.csv")
        rows = np.genfromtxt(directory / "input.csv", delimiter=",", skip_header=1)
        rows = rows.reshape(-1, booster.num_feature())
        raw = booster.predict(rows, raw_score=True, num_threads=1)
        expected = np.loadtxt(self.out / source / "raw.csv", delimiter=",")
        if not np.array_equal(np.asarray(raw).reshape(expected.shape), expected):
            raise ValueError(
                f"{name}: LightGBM scores the {version} rewrite differently"
            )
        pred = booster.predict(rows, num_threads=1)
        source_covers = next(e["covers"] for e in self.entries if e["name"] == source)
        self.record(
            name, [f"{version} header"] + source_covers, booster, rows, raw, pred
        )


def custom_l2(preds: np.ndarray, data: lgb.Dataset) -> tuple[np.ndarray, np.ndarray]:
    return preds - data.get_label(), np.ones_like(preds)


def previous_entries(out: Path) -> list[dict[str, Any]]:
    path = out / "manifest.json"
    return json.loads(path.read_text())["models"] if path.exists() else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    if not DATA_DIR.is_dir():
        raise ValueError(f"{DATA_DIR} not found; run from the repository root")
    others = [
        e for e in previous_entries(args.out) if e["name"].startswith(LIGHTGBM3_PREFIX)
    ]
    for old in args.out.glob("*/model.txt"):
        if not old.parent.name.startswith(LIGHTGBM3_PREFIX):
            shutil.rmtree(old.parent)
    rng = np.random.default_rng(args.seed)
    c = Corpus(args.out, args.seed)

    xb, yb = load_tsv("binary.train", "binary_classification")
    xr, _yr = load_tsv("regression.train", "regression")
    xm, ym = load_tsv("multiclass.train", "multiclass_classification")
    xq, yq, gq = load_rank("rank.train")
    print(
        f"data: binary {xb.shape}, regression {xr.shape}, multiclass {xm.shape}, rank {xq.shape}"
    )
    # A continuous regression target over the example features.
    yr_cont = signal(xr[:, :8], []) + 0.1 * rng.normal(size=len(xr))

    # Generated data with NaN, zeros and categorical columns.
    xg, gcat = generated(rng, 3000, 8, 2, nan_rate=0.1, zero_rate=0.1, cat_levels=70)
    sg = signal(xg, gcat)
    yg_bin = (sg + 0.3 * rng.normal(size=len(sg)) > np.median(sg)).astype(np.float64)
    xn, _ = generated(rng, 2000, 6, 0, nan_rate=0.2, zero_rate=0.2)
    sn = signal(xn, [])
    yn_bin = (sn > np.median(sn)).astype(np.float64)

    # Binary and its sigmoid parameter.
    c.add(
        "binary",
        ["binary", "example data"],
        {"objective": "binary"},
        xb,
        yb,
        40,
        dump_json=True,
    )
    c.add(
        "binary_sigmoid_0_7",
        ["binary", "sigmoid != 1"],
        {"objective": "binary", "sigmoid": 0.7},
        xb,
        yb,
        25,
    )
    c.add(
        "binary_sigmoid_2_5_unbalanced",
        ["binary", "sigmoid != 1", "is_unbalance"],
        {"objective": "binary", "sigmoid": 2.5, "is_unbalance": True, "num_leaves": 15},
        xb,
        yb,
        25,
    )
    c.add(
        "binary_no_boost_from_average",
        ["binary", "boost_from_average=false"],
        {"objective": "binary", "boost_from_average": False, "num_leaves": 7},
        xb,
        yb,
        30,
    )
    # Multiclass.
    c.add(
        "multiclass",
        ["multiclass", "5 classes"],
        {"objective": "multiclass", "num_class": 5, "num_leaves": 15},
        xm,
        ym,
        15,
        max_rows=80,
        dump_json=True,
    )
    c.add(
        "multiclassova",
        ["multiclassova", "sigmoid != 1"],
        {"objective": "multiclassova", "num_class": 5, "sigmoid": 1.3, "num_leaves": 7},
        xm,
        ym,
        12,
        max_rows=80,
    )
    yg_multi = np.digitize(sg, np.quantile(sg, [0.25, 0.5, 0.75])).astype(np.float64)
    c.add(
        "multiclass_categorical_nan",
        ["multiclass", "categorical", "missing NaN"],
        {
            "objective": "multiclass",
            "num_class": 4,
            "num_leaves": 20,
            "min_data_per_group": 5,
        },
        xg,
        yg_multi,
        10,
        cat_idx=gcat,
        max_rows=150,
        dump_json=True,
    )
    c.add(
        "multiclass_two_classes",
        ["multiclass", "2 classes"],
        {"objective": "multiclass", "num_class": 2, "num_leaves": 5},
        xn,
        yn_bin,
        20,
    )
    # Cross entropy.
    yprob = 1 / (1 + np.exp(-sn))
    c.add(
        "cross_entropy",
        ["cross_entropy", "probability labels", "missing NaN"],
        {"objective": "cross_entropy", "num_leaves": 15},
        xn,
        yprob,
        30,
    )
    c.add(
        "cross_entropy_lambda",
        ["cross_entropy_lambda"],
        {"objective": "cross_entropy_lambda", "num_leaves": 15},
        xb,
        yb,
        30,
    )
    # Regression family.
    for objective, extra in [
        ("regression", {}),
        ("regression_l1", {}),
        ("huber", {"alpha": 0.8}),
        ("fair", {"fair_c": 0.5}),
        ("quantile", {"alpha": 0.3}),
    ]:
        c.add(
            f"{objective}_example",
            [objective, "example data"],
            {"objective": objective, "num_leaves": 15, **extra},
            xr,
            yr_cont,
            30,
        )
    c.add(
        "mape",
        ["mape"],
        {"objective": "mape", "num_leaves": 15},
        xr,
        np.abs(yr_cont) + 1.0,
        30,
    )
    c.add(
        "regression_sqrt",
        ["regression", "reg_sqrt"],
        {"objective": "regression", "reg_sqrt": True, "num_leaves": 15},
        xr,
        yr_cont * 3,
        30,
        dump_json=True,
    )
    c.add(
        "huber_sqrt",
        ["huber", "reg_sqrt"],
        {"objective": "huber", "reg_sqrt": True, "num_leaves": 7},
        xg,
        sg * 4,
        20,
        cat_idx=gcat,
    )
    # Count and positive targets.
    counts = rng.poisson(np.exp(np.clip(sn, -2, 2))).astype(np.float64)
    c.add(
        "poisson", ["poisson", "missing NaN"], {"objective": "poisson"}, xn, counts, 30
    )
    positive = np.exp(sn / 2) * rng.gamma(2.0, 1.0, size=len(sn))
    c.add(
        "gamma", ["gamma"], {"objective": "gamma", "num_leaves": 10}, xn, positive, 30
    )
    c.add(
        "tweedie",
        ["tweedie", "categorical"],
        {"objective": "tweedie", "tweedie_variance_power": 1.3, "num_leaves": 10},
        xg,
        np.where(rng.random(len(sg)) < 0.3, 0.0, np.exp(sg / 3)),
        30,
        cat_idx=gcat,
    )
    # Ranking.
    c.add(
        "lambdarank",
        ["lambdarank", "example data"],
        {"objective": "lambdarank", "num_leaves": 15, "min_data_in_leaf": 20},
        xq,
        yq,
        20,
        group=gq,
    )
    c.add(
        "rank_xendcg",
        ["rank_xendcg", "example data"],
        {"objective": "rank_xendcg", "num_leaves": 15},
        xq,
        yq,
        20,
        group=gq,
    )
    # Custom objective: no objective= line, outputs are raw scores.
    c.add(
        "custom_objective",
        ["custom objective (no objective line)"],
        {"objective": custom_l2, "num_leaves": 10},
        xr,
        yr_cont,
        20,
    )
    # Random forest (average_output) and DART.
    rf = {
        "boosting": "rf",
        "bagging_fraction": 0.7,
        "bagging_freq": 1,
        "feature_fraction": 0.8,
    }
    c.add(
        "rf_binary",
        ["rf", "average_output", "binary"],
        {"objective": "binary", **rf},
        xb,
        yb,
        20,
    )
    c.add(
        "rf_regression",
        ["rf", "average_output", "regression", "categorical"],
        {"objective": "regression", "num_leaves": 20, **rf},
        xg,
        sg,
        20,
        cat_idx=gcat,
        dump_json=True,
    )
    c.add(
        "rf_multiclass",
        ["rf", "average_output", "multiclass"],
        {"objective": "multiclass", "num_class": 3, "num_leaves": 8, **rf},
        xg,
        np.minimum(yg_multi, 2),
        10,
        cat_idx=gcat,
    )
    c.add(
        "dart_binary",
        ["dart", "binary"],
        {"objective": "binary", "boosting": "dart", "drop_rate": 0.3, "num_leaves": 10},
        xb,
        yb,
        30,
    )
    c.add(
        "dart_regression",
        ["dart", "regression", "missing NaN"],
        {
            "objective": "regression",
            "boosting": "dart",
            "drop_rate": 0.2,
            "skip_drop": 0.2,
        },
        xn,
        sn,
        30,
    )
    # Categorical splits.
    c.add(
        "categorical_binary",
        ["categorical", "many categories", "binary"],
        {
            "objective": "binary",
            "num_leaves": 31,
            "min_data_per_group": 5,
            "cat_smooth": 1,
        },
        xg,
        yg_bin,
        30,
        cat_idx=gcat,
        max_rows=200,
    )
    xc, ccat = generated(rng, 2000, 2, 3, nan_rate=0.0, cat_levels=4)
    c.add(
        "categorical_one_hot",
        ["categorical", "max_cat_to_onehot", "regression"],
        {"objective": "regression", "num_leaves": 8, "max_cat_to_onehot": 8},
        xc,
        signal(xc, ccat),
        20,
        cat_idx=ccat,
    )
    xh, hcat = generated(rng, 4000, 1, 1, nan_rate=0.05, cat_levels=400)
    c.add(
        "categorical_wide_bitsets",
        ["categorical", "bitsets over many words", "pandas_categorical"],
        {
            "objective": "regression",
            "num_leaves": 31,
            "max_cat_threshold": 128,
            "cat_l2": 1.0,
        },
        xh,
        signal(xh, hcat) + np.where(np.nan_to_num(xh[:, 1]) % 7 < 3, 2.0, 0.0),
        15,
        cat_idx=hcat,
        pandas=True,
    )
    # Missing values: NaN, zero_as_missing, use_missing=false, none in training.
    c.add(
        "missing_nan",
        ["missing NaN", "default_left", "inf thresholds"],
        {"objective": "regression", "num_leaves": 15},
        xn,
        sn,
        25,
        dump_json=True,
    )
    c.add(
        "missing_zero_as_missing",
        ["missing Zero", "zero_as_missing"],
        {"objective": "regression", "num_leaves": 15, "zero_as_missing": True},
        xn,
        sn,
        25,
    )
    c.add(
        "missing_use_missing_false",
        ["missing None", "use_missing=false"],
        {"objective": "binary", "num_leaves": 15, "use_missing": False},
        xn,
        yn_bin,
        25,
    )
    xf = np.nan_to_num(xn, nan=0.5)
    c.add(
        "missing_none_in_training",
        ["missing None", "NaN at prediction only"],
        {"objective": "regression", "num_leaves": 15},
        xf,
        signal(xf, []),
        25,
    )
    xi = xf.copy()
    xi[rng.random(xi.shape) < 0.05] = np.inf
    xi[rng.random(xi.shape) < 0.05] = -np.inf
    c.add(
        "infinite_training_values",
        ["inf in training data"],
        {"objective": "regression", "num_leaves": 15, "min_data_in_leaf": 5},
        xi,
        signal(np.clip(xi, -10, 10), []) + np.isinf(xi).sum(axis=1),
        20,
    )
    # Linear trees.
    c.add(
        "linear_tree_regression",
        ["linear_tree", "regression", "example data"],
        {
            "objective": "regression",
            "linear_tree": True,
            "num_leaves": 8,
            "linear_lambda": 0.1,
        },
        xr,
        yr_cont,
        15,
        dump_json=True,
    )
    c.add(
        "linear_tree_binary",
        ["linear_tree", "binary", "missing NaN"],
        {"objective": "binary", "linear_tree": True, "num_leaves": 6},
        xn,
        yn_bin,
        15,
    )
    c.add(
        "linear_tree_categorical",
        ["linear_tree", "categorical", "missing NaN"],
        {
            "objective": "regression",
            "linear_tree": True,
            "num_leaves": 8,
            "min_data_per_group": 5,
        },
        xg,
        sg,
        10,
        cat_idx=gcat,
    )
    # Sizes: one tree, single-leaf trees, stumps, deep trees, 2000 trees.
    c.add(
        "one_tree",
        ["1 tree"],
        {"objective": "regression", "num_leaves": 31},
        xr,
        yr_cont,
        1,
    )
    c.add(
        "single_leaf_trees",
        ["single-leaf trees"],
        {"objective": "regression", "min_data_in_leaf": 5000, "num_leaves": 4},
        xn,
        sn,
        3,
    )
    c.add(
        "stumps",
        ["depth 1", "shallow"],
        {"objective": "binary", "max_depth": 1, "num_leaves": 2, "learning_rate": 0.3},
        xb,
        yb,
        200,
        max_rows=60,
    )
    c.add(
        "deep_trees",
        ["deep", "255 leaves"],
        {
            "objective": "regression",
            "num_leaves": 255,
            "min_data_in_leaf": 2,
            "max_bin": 1023,
        },
        xr,
        yr_cont,
        4,
        max_rows=60,
    )
    c.add(
        "many_trees_2000",
        ["2000 trees", "small leaves"],
        {"objective": "binary", "num_leaves": 3, "learning_rate": 0.02, "max_bin": 31},
        xn,
        yn_bin,
        2000,
        max_rows=30,
    )
    c.add(
        "monotone_goss_extra_trees",
        ["monotone_constraints", "goss", "extra_trees"],
        {
            "objective": "regression",
            "monotone_constraints": [1, 0, -1, 0, 0, 0],
            "data_sample_strategy": "goss",
            "extra_trees": True,
            "num_leaves": 12,
        },
        xn,
        sn,
        25,
    )
    # Trees of 4 leaves (3 splits), which the compiled scorer looks up by the splits' bits.
    y3 = np.digitize(sg, np.quantile(sg, [1 / 3, 2 / 3])).astype(np.float64)
    c.add(
        "small_trees_nan_categorical",
        ["trees of 4 leaves", "missing NaN", "categorical"],
        {"objective": "multiclass", "num_class": 3, "num_leaves": 4},
        xg,
        y3,
        30,
        cat_idx=gcat,
    )
    c.add(
        "small_trees_zero_as_missing",
        ["trees of 4 leaves", "missing Zero"],
        {"objective": "regression", "num_leaves": 4, "zero_as_missing": True},
        xn,
        sn,
        30,
    )
    c.older_header("binary", "binary_v2_header", "v2")
    c.older_header("multiclass_categorical_nan", "categorical_v3_header", "v3")
    # Last, with its own generator, so that adding it left every model above as it was.
    # One categorical feature of 4 values split often and one of 2000 split rarely: the
    # compiled QuickScorer layout gives the first one list per category and tests the
    # second's nodes one by one, both in one model.
    xc, ccat = generated(np.random.default_rng(args.seed + 1), 6000, 1, 2, cat_levels=4)
    xc[:, 2] = np.random.default_rng(args.seed + 2).integers(0, 2000, size=len(xc))
    c.add(
        "categorical_mixed_cardinality",
        ["categorical", "category lists beside node-by-node tests"],
        {
            "objective": "regression",
            "num_leaves": 8,
            "min_data_per_group": 5,
            "cat_smooth": 1.0,
            "max_cat_threshold": 64,
        },
        xc,
        3.0 * (xc[:, 1] % 2) + np.sin(xc[:, 0]) + 0.5 * (xc[:, 2] % 5 == 0),
        20,
        cat_idx=ccat,
    )

    manifest = {
        "lightgbm_version": lgb.__version__,
        "generator": "tests/corpus/make_corpus.py",
        "seed": args.seed,
        "models": c.entries + others,
    }
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    total = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    rows = sum(e["rows"] for e in c.entries)
    print(
        f"manifest: {len(c.entries)} models and {len(others)} kept, {rows} rows, "
        f"{total / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
