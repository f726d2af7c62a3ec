"""Check and time the Python scorers; export the models for the JavaScript and wasm peers.

For every model written by `models.py`, each scorer first predicts all benchmark rows and
is compared with LightGBM's answers (`expected.f64`); then it is timed on single rows
(numpy rows of shape (1, n), one thread) and on the 10,000-row batch. m2cgen's JavaScript
and Rust, lleaves compiled to wasm32 and the ONNX file are written to `<export>/<model>/`
for `node.mjs` and the wasm build. A scorer that cannot be installed, built or run is recorded with the reason.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

# Relative tolerance for "gives LightGBM's answers": far below any wrong branch of these
# models, far above the last-place differences of `exp` between libms.
TOLERANCE = 1e-9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=Path, required=True)
    parser.add_argument("--export", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--only", help="comma-separated model names")
    parser.add_argument("--smoke", action="store_true", help="few iterations")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else None
    results = []
    for model_dir in sorted(p for p in args.models.iterdir() if (p / "meta.json").exists()):
        if names and model_dir.name not in names:
            continue
        export = args.export / model_dir.name
        export.mkdir(parents=True, exist_ok=True)
        bench = Bench(model_dir, args.smoke)
        for name, make in SCORERS:
            print(f"peers: {model_dir.name}: {name}", flush=True)
            results.append(bench.run(name, make, export))
    args.out.write_text(json.dumps(results, indent=1) + "\n")


class Bench:
    def __init__(self, model_dir: Path, smoke: bool):
        self.model_dir = model_dir
        self.model_file = str(model_dir / "model.txt")
        self.meta = json.loads((model_dir / "meta.json").read_text())
        f, k = self.meta["num_feature"], self.meta["num_output"]
        self.rows = np.fromfile(model_dir / "rows.f64", "<f8").reshape(-1, f)
        self.expected = np.fromfile(model_dir / "expected.f64", "<f8").reshape(-1, k)
        self.smoke = smoke

    def run(self, name: str, make, export: Path) -> dict:
        record = {"model": self.model_dir.name, "scorer": name}
        try:
            start = time.perf_counter()
            built = make(self, export)
            record["build_s"] = time.perf_counter() - start
            if built is None or isinstance(built, dict):
                # An export for Node, with or without fields saying how it was built.
                record["status"] = "exported"
                record.update(built or {})
                return record
            predict, artifact = built
            if artifact is not None:
                data = Path(artifact).read_bytes()
                record["artifact_raw"] = len(data)
                record["artifact_gzip"] = len(gzip.compress(data, 9))
            got = np.asarray(predict(self.rows), float).reshape(self.expected.shape)
            record.update(compare(got, self.expected))
            record.update(self.time(predict))
        except Exception as e:  # noqa: BLE001 - every failure is reported, not raised
            record["status"] = "failed"
            record["reason"] = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
            print(f"peers: {record['scorer']} failed: {record['reason']}", flush=True)
        return record

    def time(self, predict: Callable[[np.ndarray], np.ndarray]) -> dict:
        singles = [self.rows[i : i + 1].copy() for i in range(min(1000, len(self.rows)))]
        calls, rounds = (20, 3) if self.smoke else (300, 15)
        per_call = []
        for r in range(rounds):
            chosen = [singles[(r * calls + j) % len(singles)] for j in range(calls)]
            start = time.perf_counter_ns()
            for row in chosen:
                predict(row)
            per_call.append((time.perf_counter_ns() - start) / calls)
        batch = []
        for _ in range(1 if self.smoke else 5):
            start = time.perf_counter()
            predict(self.rows)
            batch.append(time.perf_counter() - start)
        return {
            "single_ns": statistics.median(per_call),
            "batch_rows_per_s": len(self.rows) / statistics.median(batch),
        }


def compare(got: np.ndarray, expected: np.ndarray) -> dict:
    diff = np.abs(got - expected)
    bad = ~(diff <= TOLERANCE * np.maximum(1.0, np.abs(expected)))
    bad &= ~(np.isnan(got) & np.isnan(expected))
    rows = int(bad.any(axis=1).sum())
    # Rows off by more than float32 rounding could explain: a wrong branch or transform.
    far = ~(diff <= 1e-4 * np.maximum(1.0, np.abs(expected)))
    far &= ~(np.isnan(got) & np.isnan(expected))
    finite = diff[np.isfinite(diff)]
    out = {"wrong_rows": rows, "far_rows": int(far.any(axis=1).sum())}
    out["max_abs_diff"] = float(finite.max()) if finite.size else 0.0
    out["status"] = "ok" if rows == 0 else "disagrees"
    return out


def lightgbm_scorer(bench: Bench, export: Path):
    import lightgbm as lgb

    booster = lgb.Booster(model_file=bench.model_file)
    return (lambda x: booster.predict(x, num_threads=1)), bench.model_file


def lleaves_scorer(bench: Bench, export: Path):
    import lleaves

    model = lleaves.Model(model_file=bench.model_file)
    cache = export / "lleaves.o"
    cache.unlink(missing_ok=True)
    model.compile(cache=str(cache))
    return (lambda x: model.predict(x, n_jobs=1)), cache


def tl2cgen_scorer(bench: Bench, export: Path):
    import tl2cgen
    import treelite

    model = treelite.frontend.load_lightgbm_model(bench.model_file)
    lib = export / "tl2cgen.so"
    tl2cgen.export_lib(model, toolchain="gcc", libpath=str(lib), params={"parallel_comp": 4})
    predictor = tl2cgen.Predictor(str(lib), nthread=1)
    k = bench.meta["num_output"]
    return (lambda x: predictor.predict(tl2cgen.DMatrix(x)).reshape(len(x), k)), lib


def onnx_scorer(bench: Bench, export: Path):
    import lightgbm as lgb
    import onnxmltools
    import onnxruntime as ort
    from onnxmltools.convert.common.data_types import FloatTensorType

    booster = lgb.Booster(model_file=bench.model_file)
    f = bench.meta["num_feature"]
    onnx_model = onnxmltools.convert_lightgbm(
        booster,
        initial_types=[("input", FloatTensorType([None, f]))],
        target_opset=15,
        zipmap=False,
    )
    path = export / "model.onnx"
    path.write_bytes(onnx_model.SerializeToString())
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    outputs = [o.name for o in session.get_outputs()]
    # Classifiers answer (label, probabilities); regressors answer the value alone.
    output = outputs[-1]
    (export / "onnx.json").write_text(json.dumps({"output": output}))
    return (lambda x: session.run([output], {"input": x.astype(np.float32)})[0]), path


def sklearn_wrapper(bench: Bench):
    """m2cgen reads sklearn-API estimators; wrap the booster as a fitted one."""
    import lightgbm as lgb

    booster = lgb.Booster(model_file=bench.model_file)
    objective = booster.dump_model()["objective"].split()[0]
    if objective in ("multiclass", "multiclassova", "binary"):
        model = lgb.LGBMClassifier()
        model._n_classes = max(2, bench.meta["num_output"])
    else:
        model = lgb.LGBMRegressor()
    model._Booster = booster
    model.fitted_ = True
    return model


def m2cgen_export(bench: Bench, export: Path):
    import m2cgen

    model = sklearn_wrapper(bench)
    sys.setrecursionlimit(100_000)
    for stale in ("m2cgen.js", "m2cgen.rs"):
        (export / stale).unlink(missing_ok=True)
    (export / "m2cgen.js").write_text(m2cgen.export_to_javascript(model))
    (export / "m2cgen.rs").write_text(m2cgen.export_to_rust(model))
    return None


# lleaves' IR for a large model can take the wasm32 backend far longer than the native one
# (over 10 minutes for the 1000-tree model, where native takes 2), so it has a time limit:
# for each of the inlined build, the build without inlining and wasm-opt, so up to three
# times this in all.
LLEAVES_WASM_LIMIT_S = int(os.environ.get("BENCH_LLEAVES_WASM_LIMIT_S", "180"))


def lleaves_wasm_export(bench: Bench, export: Path):
    """lleaves' LLVM IR for the model, compiled for wasm32 by the same LLVM (llvmlite) at
    -O3, linked by rustc's `rust-lld` and passed through `wasm-opt -O3` (where it finishes
    within the limit) into `lleaves.wasm` for Node: a wasm peer that handles categorical
    splits and missing values as lleaves does natively. Its `exp` is imported from the host
    (Node passes `Math.exp`).

    First as lleaves compiles by default (trees inlined into the root function); if that
    does not finish within the limit, with lleaves' own `finline=False`, which its
    documentation offers for models whose compile is slow. Returns fields for its record:
    a `note` saying what was done differently, and `wasm_opt` (whether it ran)."""
    obj = export / "lleaves-wasm32.o"
    linked = export / "lleaves.noopt.wasm"
    wasm = export / "lleaves.wasm"
    for stale in (obj, linked, wasm):
        stale.unlink(missing_ok=True)
    note = None
    for inline in ("inline", "no-inline"):
        try:
            subprocess.run(
                [sys.executable, __file__, "lleaves-wasm32", bench.model_file, str(obj), inline],
                check=True,
                timeout=LLEAVES_WASM_LIMIT_S,
            )
            break
        except subprocess.TimeoutExpired:
            if inline == "no-inline":
                raise RuntimeError(
                    f"LLVM did not finish within {LLEAVES_WASM_LIMIT_S} s "
                    "(BENCH_LLEAVES_WASM_LIMIT_S), with or without inlining"
                ) from None
            note = (
                f"with trees inlined (lleaves' default) LLVM did not finish within "
                f"{LLEAVES_WASM_LIMIT_S} s (BENCH_LLEAVES_WASM_LIMIT_S), so it was built "
                "with lleaves' `finline=False` (each tree its own function)"
            )
    sysroot = subprocess.check_output(["rustc", "--print", "sysroot"], text=True).strip()
    host = subprocess.check_output(["rustc", "--print", "host-tuple"], text=True).strip()
    lld = Path(sysroot) / "lib" / "rustlib" / host / "bin" / "rust-lld"
    subprocess.run(
        [str(lld), "-flavor", "wasm", "--no-entry", "--export=forest_root",
         "--export=__heap_base", "--allow-undefined", "-O2", "-o", str(linked), str(obj)],
        check=True,
    )
    # The same wasm-opt as for the other wasm scorers. On the 2000-tree model built without
    # inlining it ran for over 13 minutes (its inliner meets 2000 small functions); wasm-opt
    # buys genrecast size rather than speed (bench/NOTES.md), so past the limit LLVM's
    # output is timed as it is.
    wasm_opt = Path(__file__).resolve().parent / "node_modules" / ".bin" / "wasm-opt"
    try:
        subprocess.run(
            [str(wasm_opt), "-O3", str(linked), "-o", str(wasm)],
            check=True,
            timeout=LLEAVES_WASM_LIMIT_S,
        )
        wasm_opt_ran = True
    except subprocess.TimeoutExpired:
        shutil.copyfile(linked, wasm)
        skipped = (
            f"wasm-opt -O3 did not finish within {LLEAVES_WASM_LIMIT_S} s, so LLVM's "
            "module is timed without it"
        )
        note = f"{note}; {skipped}" if note else skipped
        wasm_opt_ran = False
    return {"note": note, "wasm_opt": wasm_opt_ran}


def compile_lleaves_wasm32(model_file: str, obj: Path, inline: bool) -> None:
    """Writes lleaves' IR for `model_file`, optimised as lleaves does (with or without its
    inlining of trees, `finline`), as a wasm32 object."""
    import llvmlite.binding as llvm
    import llvmlite.ir
    from lleaves.compiler.ast import parse_to_ast
    from lleaves.compiler.codegen import gen_forest

    triple = "wasm32-unknown-unknown"
    llvm.initialize()
    llvm.initialize_all_targets()
    llvm.initialize_all_asmprinters()
    machine = llvm.Target.from_triple(triple).create_target_machine(opt=3)
    forest = parse_to_ast(model_file)
    forest.raw_score = False
    ir = llvmlite.ir.Module(name="forest")
    # lleaves' defaults: trees cache-blocked 34 at a time, doubles.
    gen_forest(forest, ir, 34, "forest_root", True)
    ir.triple = triple
    module = llvm.parse_assembly(str(ir))
    module.data_layout = str(machine.target_data)
    module.verify()
    passes = llvm.PassManagerBuilder()
    passes.opt_level = 3
    if inline:
        passes.inlining_threshold = 1
    manager = llvm.ModulePassManager()
    passes.populate(manager)
    manager.run(module)
    obj.write_bytes(machine.emit_object(module))


SCORERS = [
    ("lightgbm", lightgbm_scorer),
    ("lleaves", lleaves_scorer),
    ("lleaves wasm32 export", lleaves_wasm_export),
    ("tl2cgen", tl2cgen_scorer),
    ("onnxruntime", onnx_scorer),
    ("m2cgen export", m2cgen_export),
]


if __name__ == "__main__":
    # The child process of `lleaves_wasm_export`, which a time limit can stop.
    if sys.argv[1:2] == ["lleaves-wasm32"]:
        compile_lleaves_wasm32(sys.argv[2], Path(sys.argv[3]), sys.argv[4] == "inline")
    else:
        main()
