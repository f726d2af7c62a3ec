"""Turn the harness's JSON results into bench/RESULTS.md: one table per model, the speed
and size goals as ratios from this run, and the machine and versions."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NATIVE_ORDER = ["lightgbm", "lleaves", "tl2cgen", "onnxruntime"]
NODE_ORDER = ["m2cgen rust->wasm", "lleaves->wasm", "m2cgen js", "onnxruntime-node",
              "onnxruntime-web"]
WHERE = {
    "genrecast native": "Rust, criterion",
    "genrecast run-time": "Rust, criterion",
    "lightgbm": "Python",
    "lleaves": "Python",
    "tl2cgen": "Python",
    "onnxruntime": "Python",
    "genrecast wasm": "Node, wasm",
    "m2cgen rust->wasm": "Node, wasm",
    "lleaves->wasm": "Node, wasm",
    "m2cgen js": "Node, JS",
    "onnxruntime-node": "Node, native addon",
    "onnxruntime-web": "Node, wasm",
}
ARTIFACT = {
    "lightgbm": "model.txt",
    "lleaves": "object file",
    "tl2cgen": "shared library",
    "onnxruntime": "model.onnx",
    "genrecast wasm": "wasm-opt -O3",
    "m2cgen rust->wasm": "wasm-opt -O3",
    "lleaves->wasm": "LLVM -O3, wasm-opt -O3",
    "m2cgen js": "JS source",
    "onnxruntime-node": "model.onnx",
    "onnxruntime-web": "model.onnx (+ ort wasm runtime)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--models", type=Path, required=True)
    parser.add_argument("--criterion", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()

    records = load(args.results / "python.json") + load(args.results / "node.json")
    models = sorted({r["model"] for r in records}, key=model_order)
    lines = [
        "# Benchmark results",
        "",
        "Written by `bash bench/run` (see bench/README.md); do not edit by hand.",
        f"{'**Smoke run** (few iterations): figures are not meaningful. ' if args.smoke else ''}"
        "Single: median time of one prediction (one row in, all outputs out, one thread), "
        "including the call overhead of the scorer's language binding. Batch: rows per "
        "second predicting 10,000 rows in one call. `x genrecast`: the scorer's time over "
        "genrecast's in this run (above 1: genrecast is faster); Python and native peers "
        "are compared with genrecast native, Node peers with genrecast's wasm. A scorer "
        "that disagrees with LightGBM on any benchmark row (relative tolerance 1e-9) is "
        "marked and its figures are in brackets.",
        "",
    ]
    lines += machine()
    goals = []
    for model in models:
        meta = json.loads((args.models / model / "meta.json").read_text())
        rows = [r for r in records if r["model"] == model]
        build = load_one(args.results / f"build-{model}.json")
        check = load_one(args.results / f"native-{model}-check.json")
        native = criterion(args.criterion, model, "compiled")
        run_time = criterion(args.criterion, model, "run_time")
        native.update(status=status_of(check.get("compiled_wrong_rows")),
                      build_s=build.get("native_build_s"))
        run_time.update(status=status_of(check.get("run_time_wrong_rows")), build_s=None)
        wasm = next((r for r in rows if r["scorer"] == "genrecast wasm"), {})
        wasm["build_s"] = build.get("wasm_build_s")
        m2 = find(rows, "m2cgen export")
        for r in rows:
            # Without an export (or a build of it) Node had nothing to load: say why.
            if r["scorer"].startswith("m2cgen ") and "ENOENT" in r.get("reason", ""):
                if m2.get("status") == "failed":
                    r["reason"] = "m2cgen cannot export this model (see below)"
                elif build.get("m2cgen_wasm_reason"):
                    r["reason"] = build["m2cgen_wasm_reason"]
            if r["scorer"] == "m2cgen rust->wasm" and build.get("m2cgen_wasm_build_s"):
                r["build_s"] = build["m2cgen_wasm_build_s"] + python_build(rows, "m2cgen export")
            if r["scorer"] == "m2cgen js":
                r["build_s"] = python_build(rows, "m2cgen export")
            if r["scorer"] == "lleaves->wasm":
                r["build_s"] = python_build(rows, "lleaves wasm32 export")
                if "ENOENT" in r.get("reason", ""):
                    r["reason"] = "lleaves could not be compiled to wasm32 (see below)"
            if r["scorer"] in ("onnxruntime-node", "onnxruntime-web"):
                r["build_s"] = python_build(rows, "onnxruntime")
        lines += [
            f"## {model}",
            "",
            f"{meta['about']}: {meta['num_trees']} trees, {meta['num_feature']} features, "
            f"{meta['num_output']} output(s), model.txt {meta['model_bytes'] / 1e6:.2f} MB, "
            f"{meta['num_rows']} benchmark rows.",
            "",
            "| scorer | runs in | check | single | x genrecast | batch rows/s | x genrecast "
            "| artifact | raw | gzip | build s |",
            "|---|---|---|--:|--:|--:|--:|---|--:|--:|--:|",
        ]
        lines.append(row("genrecast native", native, native))
        lines.append(row("genrecast run-time", run_time, native, artifact="(parses model.txt)"))
        for name in NATIVE_ORDER:
            lines.append(row(name, find(rows, name), native))
        lines.append(row("genrecast wasm", wasm, wasm))
        lleaves_wasm = find(rows, "lleaves wasm32 export")
        for name in NODE_ORDER:
            artifact = None
            # peers.py times LLVM's module as it is when wasm-opt passes its limit.
            if name == "lleaves->wasm" and lleaves_wasm.get("wasm_opt") is False:
                artifact = "LLVM -O3 (no wasm-opt)"
            lines.append(row(name, find(rows, name), wasm, artifact=artifact))
        notes = []
        if m2.get("status") == "failed":
            notes.append(f"m2cgen cannot export this model: {m2['reason']}.")
        if lleaves_wasm.get("status") == "failed":
            notes.append(f"lleaves to wasm32: {lleaves_wasm['reason']}.")
        elif lleaves_wasm.get("note"):
            notes.append(f"lleaves to wasm32: {lleaves_wasm['note']}.")
        if build.get("genrecast_noopt_raw"):
            notes.append(
                f"genrecast's wasm before wasm-opt: {kb(build['genrecast_noopt_raw'])} raw."
            )
        lines += [""] + [f"- {n}" for n in notes] + ([""] if notes else [])
        goals.append(goal_figures(model, native, wasm, rows))
    lines += goal_lines(goals, load_one(args.results / "corpus-build.json"))
    args.out.write_text("\n".join(lines).rstrip() + "\n")


def model_order(name: str) -> tuple:
    order = ["default", "default_numeric", "multiclass_large", "regression_cat_nan"]
    return (order.index(name) if name in order else len(order), name)


def load(path: Path) -> list:
    return json.loads(path.read_text()) if path.exists() else []


def load_one(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def find(rows: list, scorer: str) -> dict:
    return next((r for r in rows if r["scorer"] == scorer), {"status": "failed",
                                                              "reason": "not run"})


def python_build(rows: list, scorer: str) -> float:
    return find(rows, scorer).get("build_s") or 0.0


def status_of(wrong) -> str:
    if wrong is None:
        return "failed"
    return "ok" if wrong == 0 else "disagrees"


def criterion(base: Path, model: str, scorer: str) -> dict:
    """The median of criterion's `single` and the throughput of its `batch` for a scorer."""
    out: dict = {}
    group = base / f"{model}_{scorer}"
    single = group / "single/new/estimates.json"
    batch = group / "batch/new/estimates.json"
    if single.exists():
        out["single_ns"] = json.loads(single.read_text())["median"]["point_estimate"]
    if batch.exists():
        seconds = json.loads(batch.read_text())["median"]["point_estimate"] / 1e9
        out["batch_rows_per_s"] = 10_000 / seconds
    if not out:
        out = {"status": "failed", "reason": "criterion wrote no estimates"}
    return out


def kb(n) -> str:
    if n is None:
        return ""
    return f"{n / 1e6:.2f} MB" if n >= 1e6 else f"{n / 1e3:.1f} KB"


def us(ns) -> str:
    if ns is None:
        return ""
    return f"{ns / 1e3:.3f} us" if ns < 10_000 else f"{ns / 1e3:.1f} us"


def rate(x) -> str:
    return "" if x is None else f"{x:,.0f}"


def row(name: str, r: dict, base: dict, artifact: str | None = None) -> str:
    status = r.get("status", "failed")
    if status == "failed":
        reason = r.get("reason", "not run").replace("|", "/")
        return f"| {name} | {WHERE.get(name, '')} | **failed**: {reason} | | | | | | | | |"
    wrong = status == "disagrees"
    check = "ok"
    if wrong:
        far = r.get("far_rows")
        far = "" if far is None else f", {far} beyond 1e-4"
        check = (f"**disagrees** on {r.get('wrong_rows')} rows{far} "
                 f"(max diff {r.get('max_abs_diff', 0):.2g})")
    single, batch = r.get("single_ns"), r.get("batch_rows_per_s")
    ratio_single = ratio_batch = ""
    if single and base.get("single_ns"):
        ratio_single = f"{single / base['single_ns']:.2f}"
    if batch and base.get("batch_rows_per_s"):
        ratio_batch = f"{base['batch_rows_per_s'] / batch:.2f}"
    cells = [us(single), ratio_single, rate(batch), ratio_batch]
    if wrong:
        cells = [f"({c})" if c else "" for c in cells]
    build = r.get("build_s")
    return (
        f"| {name} | {WHERE.get(name, '')} | {check} | {' | '.join(cells)} | "
        f"{artifact or ARTIFACT.get(name, '')} | {kb(r.get('artifact_raw'))} | "
        f"{kb(r.get('artifact_gzip'))} | {'' if build is None else f'{build:.1f}'} |"
    )


def goal_figures(model: str, native: dict, wasm: dict, rows: list) -> dict:
    ok = [r for r in rows if r.get("status") == "ok" and r.get("single_ns")]
    web = [r for r in ok if r["scorer"] in NODE_ORDER]
    fastest_web = min(web, key=lambda r: r["single_ns"], default=None)
    return {
        "model": model,
        "native": native.get("single_ns"),
        "native_batch": native.get("batch_rows_per_s"),
        "wasm": wasm.get("single_ns"),
        "wasm_gzip": wasm.get("artifact_gzip"),
        "fastest_web": fastest_web,
        "lleaves": find(rows, "lleaves"),
        "tl2cgen": find(rows, "tl2cgen"),
    }


def goal_lines(goals: list, corpus: dict) -> list:
    lines = ["## Goals, from this run", "",
             "| goal | model | figure | met |", "|---|---|---|---|"]
    for g in goals:
        web = g["fastest_web"]
        if web and g["wasm"]:
            x = web["single_ns"] / g["wasm"]
            lines.append(
                f"| wasm single >= 2x the fastest agreeing wasm/JS peer | {g['model']} | "
                f"{x:.2f}x ({web['scorer']} {us(web['single_ns'])}, genrecast "
                f"{us(g['wasm'])}) | {'yes' if x >= 2 else 'no'} |"
            )
        else:
            lines.append(f"| wasm single >= 2x the fastest agreeing wasm/JS peer | "
                         f"{g['model']} | no agreeing wasm/JS peer | n/a |")
        for peer in ("lleaves", "tl2cgen"):
            p = g[peer]
            right = "" if p.get("status") == "ok" else " (peer disagrees)"
            if p.get("single_ns") and g["native"]:
                x = p["single_ns"] / g["native"]
                lines.append(
                    f"| native single no slower than {peer} (called from Python) | "
                    f"{g['model']} | {x:.2f}x{right} | {'yes' if x >= 1 else 'no'} |"
                )
            # The batch spreads the Python call over 10,000 rows, so it compares the
            # generated code itself.
            if p.get("batch_rows_per_s") and g["native_batch"]:
                x = g["native_batch"] / p["batch_rows_per_s"]
                lines.append(
                    f"| native batch no slower than {peer} | {g['model']} | "
                    f"{x:.2f}x{right} | {'yes' if x >= 1 else 'no'} |"
                )
    sizes = {g["model"]: g["wasm_gzip"] for g in goals}
    if sizes.get("default"):
        met = "yes" if sizes["default"] <= 64 * 1024 else "no"
        lines.append(f"| default model .wasm <= 64 KB gzip | default | "
                     f"{kb(sizes['default'])} | {met} |")
    for model in ("multiclass_large", "regression_cat_nan"):
        if sizes.get(model):
            met = "yes" if sizes[model] < 3 * 1024 * 1024 else "no"
            lines.append(f"| large model .wasm < 3 MB gzip | {model} | "
                         f"{kb(sizes[model])} | {met} |")
    if corpus.get("build_s"):
        met = "yes" if corpus["build_s"] < 30 else "no"
        lines.append(
            f"| compile the 2000-tree corpus model < 30 s | many_trees_2000 | "
            f"{corpus['build_s']:.1f} s ({corpus['what']}) | {met} |"
        )
    return lines + [""]


def command(*cmd: str) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, cwd=ROOT)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "unknown"


def machine() -> list:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    versions = {}
    for pkg in ("lightgbm", "lleaves", "llvmlite", "treelite", "tl2cgen", "onnxruntime",
                "onnxmltools", "m2cgen", "numpy"):
        try:
            from importlib.metadata import version

            versions[pkg] = version(pkg)
        except Exception:  # noqa: BLE001 - a missing package is reported as such
            versions[pkg] = "not installed"
    for pkg in ("onnxruntime-node", "onnxruntime-web", "binaryen"):
        path = ROOT / "bench/node_modules" / pkg / "package.json"
        versions[pkg] = json.loads(path.read_text())["version"] if path.exists() else "missing"
    commit = command("git", "rev-parse", "--short", "HEAD")
    dirty = command("git", "status", "--porcelain", "--untracked-files=no")
    changes = " (with local changes)" if dirty not in ("", "unknown") else ""
    return [
        "## Machine",
        "",
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}; "
        f"genrecast commit {commit}{changes}",
        f"- {cpu}, {os.cpu_count()} logical CPUs (shared with other work), "
        f"{platform.system()} {platform.release()}",
        f"- {command('rustc', '--version')}; Node {command('node', '--version')}; "
        f"Python {platform.python_version()}",
        "- " + ", ".join(f"{k} {v}" for k, v in versions.items()),
        "",
    ]


if __name__ == "__main__":
    main()
