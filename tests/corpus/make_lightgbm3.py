"""Adds models trained and scored by LightGBM 3 to the parity corpus.

LightGBM 3 writes `version=v3` files from its own training code, and its predictor is the
one its users' models were checked against, so these models' goldens come from that
version, not from 4.x reading its files. The models are named `lightgbm3_*`; this script
replaces them in `manifest.json` and leaves every other model as it is (and
`make_corpus.py` leaves these).

Run from the repository root: `bash tests/corpus/make_lightgbm3`, which installs LightGBM
3.3.5 in a virtual environment of its own under `target/`.
"""

from __future__ import annotations

import json
import shutil

import lightgbm as lgb
import numpy as np

import make_corpus as corpus

PREFIX = corpus.LIGHTGBM3_PREFIX
SEED = 11


def main() -> None:
    if not lgb.__version__.startswith("3."):
        raise ValueError(f"needs LightGBM 3, found {lgb.__version__}")
    if not corpus.OUT_DIR.is_dir():
        raise ValueError(f"{corpus.OUT_DIR} not found; run from the repository root")
    for old in corpus.OUT_DIR.glob(f"{PREFIX}*/model.txt"):
        shutil.rmtree(old.parent)
    rng = np.random.default_rng(SEED)
    c = corpus.Corpus(corpus.OUT_DIR, SEED)
    version = f"LightGBM {lgb.__version__}"

    xg, gcat = corpus.generated(rng, 3000, 8, 2, nan_rate=0.1, zero_rate=0.1, cat_levels=70)
    sg = corpus.signal(xg, gcat)
    y3 = np.digitize(sg, np.quantile(sg, [1 / 3, 2 / 3])).astype(np.float64)
    c.add(
        f"{PREFIX}multiclass_categorical_nan",
        [version, "multiclass", "categorical", "missing NaN"],
        {"objective": "multiclass", "num_class": 3, "num_leaves": 15},
        xg,
        y3,
        20,
        cat_idx=gcat,
        dump_json=True,
    )
    xn, _ = corpus.generated(rng, 2000, 6, 0, nan_rate=0.2, zero_rate=0.2)
    sn = corpus.signal(xn, [])
    c.add(
        f"{PREFIX}binary_zero_as_missing",
        [version, "binary", "missing Zero"],
        {"objective": "binary", "num_leaves": 8, "zero_as_missing": True},
        xn,
        (sn > np.median(sn)).astype(np.float64),
        25,
    )
    c.add(
        f"{PREFIX}linear_tree_nan",
        [version, "linear_tree", "missing NaN"],
        {"objective": "regression", "linear_tree": True, "num_leaves": 6},
        xn,
        sn,
        15,
    )
    c.add(
        f"{PREFIX}dart_poisson",
        [version, "dart", "poisson"],
        {"objective": "poisson", "boosting": "dart", "num_leaves": 10},
        xn,
        np.exp(np.clip(sn, -3, 3)),
        20,
    )

    manifest_path = corpus.OUT_DIR / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    kept = [e for e in manifest["models"] if not e["name"].startswith(PREFIX)]
    manifest["models"] = kept + c.entries
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"manifest: {len(kept)} models kept, {len(c.entries)} from {version}")


if __name__ == "__main__":
    main()
