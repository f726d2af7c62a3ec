// Checks and times the scorers that run in Node: genrecast's wasm, m2cgen's JavaScript,
// m2cgen's Rust compiled to wasm32, onnxruntime-node and onnxruntime-web.
//
//   node bench/node.mjs --models DIR --export DIR --wasm DIR --out FILE [--smoke]
//
// Each scorer first predicts every benchmark row and is compared with LightGBM's answers
// (expected.f64, tolerance as in peers.py); then single rows and the 10,000-row batch are
// timed. A scorer that cannot load or run is recorded with the reason.

import { createRequire } from "node:module";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const TOLERANCE = 1e-9;

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith("--")) {
      const next = all[i + 1];
      pairs.push([arg.slice(2), next && !next.startsWith("--") ? next : true]);
    }
    return pairs;
  }, []),
);
const smoke = Boolean(args.smoke);
const only = args.only ? String(args.only).split(",") : null;

function readF64(path) {
  const bytes = readFileSync(path);
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

function sizes(path) {
  const data = readFileSync(path);
  return { artifact_raw: data.length, artifact_gzip: gzipSync(data, { level: 9 }).length };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// Compares predictions (one Float64Array of rows * k) with LightGBM's.
function compare(got, expected, k) {
  let wrongRows = 0;
  let farRows = 0;
  let maxDiff = 0;
  for (let r = 0; r < expected.length / k; r++) {
    let wrong = false;
    let far = false;
    for (let j = 0; j < k; j++) {
      const a = got[r * k + j];
      const b = expected[r * k + j];
      if (Number.isNaN(a) && Number.isNaN(b)) continue;
      const diff = Math.abs(a - b);
      if (Number.isFinite(diff)) maxDiff = Math.max(maxDiff, diff);
      if (!(diff <= TOLERANCE * Math.max(1, Math.abs(b)))) wrong = true;
      // Beyond what float32 rounding could explain: a wrong branch or transform.
      if (!(diff <= 1e-4 * Math.max(1, Math.abs(b)))) far = true;
    }
    if (wrong) wrongRows++;
    if (far) farRows++;
  }
  return {
    status: wrongRows === 0 ? "ok" : "disagrees",
    wrong_rows: wrongRows,
    far_rows: farRows,
    max_abs_diff: maxDiff,
  };
}

// Times `single(r)` (row r) and `batch()`; both may be async.
async function time(single, batch, numRows, isAsync) {
  const [calls, rounds] = smoke ? [50, 3] : [isAsync ? 300 : 3000, 7];
  const rowsUsed = Math.min(1000, numRows);
  for (let i = 0; i < calls; i++) isAsync ? await single(i % rowsUsed) : single(i % rowsUsed);
  const perCall = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    if (isAsync) {
      for (let i = 0; i < calls; i++) await single((round * calls + i) % rowsUsed);
    } else {
      for (let i = 0; i < calls; i++) single((round * calls + i) % rowsUsed);
    }
    perCall.push(Number(process.hrtime.bigint() - start) / calls);
  }
  const batchTimes = [];
  for (let i = 0; i < (smoke ? 1 : 3); i++) {
    const start = process.hrtime.bigint();
    await batch();
    batchTimes.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return { single_ns: median(perCall), batch_rows_per_s: numRows / median(batchTimes) };
}

// A raw wasm module with alloc/predict/predict_rows exports under `prefix`.
// One row through a wasm scorer, as a caller must: row `r` copied into linear memory (`mem`)
// at byte `input`, `predict(input, output)`, the `k` outputs copied from byte `output` into
// `outputs`. Element by element into buffers made once: `set(subarray)` and `slice` would
// make two typed arrays per call, which on the default model costs V8 more (about 400 ns)
// than the prediction itself, the same for every wasm scorer, hiding their difference.
function rowThroughMemory(mem, rows, r, f, k, input, output, outputs, predict) {
  const [from, to] = [r * f, input / 8 - r * f];
  for (let j = from; j < from + f; j++) mem[to + j] = rows[j];
  predict(input, output);
  for (let j = 0; j < k; j++) outputs[j] = mem[output / 8 + j];
  return outputs;
}

async function wasmScorer(path, prefix, f, k, numRows) {
  const { instance } = await WebAssembly.instantiate(readFileSync(path), {});
  const e = instance.exports;
  const input = e[`${prefix}_alloc`](numRows * f);
  const output = e[`${prefix}_alloc`](numRows * k);
  // As wasm-bindgen's glue does: one view of linear memory, made anew only when the memory
  // has grown (which detaches the old buffer).
  const predict = e[`${prefix}_predict`];
  const outputs = new Float64Array(k);
  let cached = new Float64Array(e.memory.buffer);
  const view = () => {
    if (cached.buffer.byteLength === 0) cached = new Float64Array(e.memory.buffer);
    return cached;
  };
  return {
    artifact: path,
    single(rows, r) {
      return rowThroughMemory(view(), rows, r, f, k, input, output, outputs, predict);
    },
    batch(rows) {
      view().set(rows, input / 8);
      e[`${prefix}_predict_rows`](input, output, rows.length / f);
      return view().slice(output / 8, output / 8 + (rows.length / f) * k);
    },
  };
}

// lleaves compiled to wasm32 (peers.py): `forest_root(rows, out, start, end)` over rows of
// linear memory, which has no allocator, so the buffers go above `__heap_base`. Its `exp`
// is the host's.
async function lleavesWasm(path, f, k, numRows) {
  const { instance } = await WebAssembly.instantiate(readFileSync(path), {
    env: { exp: Math.exp },
  });
  const e = instance.exports;
  const input = (e.__heap_base.value + 7) & ~7;
  const output = input + 8 * numRows * f;
  const end = output + 8 * numRows * k;
  if (end > e.memory.buffer.byteLength) {
    e.memory.grow(Math.ceil((end - e.memory.buffer.byteLength) / 65536));
  }
  // The memory never grows again, so one view serves every call.
  const mem = new Float64Array(e.memory.buffer);
  const outputs = new Float64Array(k);
  return {
    artifact: path,
    single(rows, r) {
      const predict = () => e.forest_root(input, output, 0, 1);
      return rowThroughMemory(mem, rows, r, f, k, input, output, outputs, predict);
    },
    batch(rows) {
      mem.set(rows, input / 8);
      e.forest_root(input, output, 0, rows.length / f);
      return mem.slice(output / 8, output / 8 + (rows.length / f) * k);
    },
  };
}

function m2cgenJs(path, f, k) {
  const module = { exports: {} };
  const source = `${readFileSync(path, "utf8")}\nmodule.exports = score;\n`;
  new Function("module", source)(module);
  const score = module.exports;
  // The row is copied into one array made once, as for the wasm scorers.
  const row = new Float64Array(f);
  return {
    artifact: path,
    single(rows, r) {
      for (let j = 0; j < f; j++) row[j] = rows[r * f + j];
      const y = score(row);
      return typeof y === "number" ? [y] : y;
    },
    batch(rows) {
      const out = new Float64Array((rows.length / f) * k);
      for (let r = 0; r < rows.length / f; r++) {
        const y = score(rows.subarray(r * f, (r + 1) * f));
        if (typeof y === "number") out[r] = y;
        else out.set(y, r * k);
      }
      return out;
    },
  };
}

async function onnxScorer(ort, provider, path, output, f) {
  const session = await ort.InferenceSession.create(path, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionProviders: [provider],
  });
  const run = async (rows) => {
    const tensor = new ort.Tensor("float32", Float32Array.from(rows), [rows.length / f, f]);
    const result = await session.run({ input: tensor });
    return Float64Array.from(result[output].data);
  };
  return {
    artifact: path,
    async: true,
    single: (rows, r) => run(rows.subarray(r * f, (r + 1) * f)),
    batch: (rows) => run(rows),
  };
}

async function loadOrt(name) {
  if (name === "onnxruntime-web") {
    const ort = require("onnxruntime-web");
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.simd = true;
    return ort;
  }
  return require(name);
}

async function main() {
  const results = [];
  const modelDirs = readdirSync(args.models)
    .filter((d) => existsSync(join(args.models, d, "meta.json")))
    .filter((d) => !only || only.includes(d))
    .sort();
  for (const name of modelDirs) {
    const dir = join(args.models, name);
    const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8"));
    const [f, k] = [meta.num_feature, meta.num_output];
    const rows = readF64(join(dir, "rows.f64"));
    const expected = readF64(join(dir, "expected.f64"));
    const numRows = rows.length / f;
    const exp = join(args.export, name);
    const onnxOutput = () => JSON.parse(readFileSync(join(exp, "onnx.json"), "utf8")).output;
    const wasm = (file, prefix) => () =>
      wasmScorer(join(args.wasm, name, file), prefix, f, k, numRows);
    const onnx = (pkg, provider) => async () =>
      onnxScorer(await loadOrt(pkg), provider, join(exp, "model.onnx"), onnxOutput(), f);
    const scorers = [
      ["genrecast wasm", wasm("genrecast.wasm", "genrecast")],
      ["m2cgen rust->wasm", wasm("m2cgen.wasm", "m2cgen")],
      ["lleaves->wasm", () => lleavesWasm(join(exp, "lleaves.wasm"), f, k, numRows)],
      ["m2cgen js", () => m2cgenJs(join(exp, "m2cgen.js"), f, k)],
      ["onnxruntime-node", onnx("onnxruntime-node", "cpu")],
      ["onnxruntime-web", onnx("onnxruntime-web", "wasm")],
    ];
    // Load and check every scorer first; then time them in turns, so that a burst of
    // load on the shared machine falls on all of them rather than on one.
    const ready = [];
    for (const [scorer, make] of scorers) {
      console.log(`node: ${name}: ${scorer}`);
      const record = { model: name, scorer };
      try {
        const start = process.hrtime.bigint();
        const s = await make();
        record.load_s = Number(process.hrtime.bigint() - start) / 1e9;
        Object.assign(record, sizes(s.artifact));
        const got = await s.batch(rows);
        Object.assign(record, compare(got, expected, k));
        // The single-row path is timed, so it is checked too, on the first rows.
        const checked = Math.min(200, numRows);
        const gotSingle = new Float64Array(checked * k);
        for (let r = 0; r < checked; r++) gotSingle.set(await s.single(rows, r), r * k);
        const single = compare(gotSingle, expected.subarray(0, checked * k), k);
        if (single.status !== "ok" && record.status === "ok") Object.assign(record, single);
        ready.push([record, s]);
      } catch (e) {
        record.status = "failed";
        record.reason = String(e && e.message ? e.message : e).split("\n")[0].slice(0, 200);
      }
      results.push(record);
    }
    const turns = smoke ? 1 : 3;
    const timings = new Map(ready.map(([record]) => [record, []]));
    for (let turn = 0; turn < turns; turn++) {
      for (const [record, s] of ready) {
        const single = (r) => s.single(rows, r);
        const batch = () => s.batch(rows);
        timings.get(record).push(await time(single, batch, numRows, Boolean(s.async)));
      }
    }
    for (const [record, runs] of timings) {
      record.single_ns = median(runs.map((t) => t.single_ns));
      record.batch_rows_per_s = median(runs.map((t) => t.batch_rows_per_s));
    }
  }
  writeFileSync(args.out, `${JSON.stringify(results, null, 1)}\n`);
}

await main();
