// The Worker, for real: starts `wrangler dev` on 127.0.0.1 (which builds the Worker with
// .ci/build-worker), posts every golden signup and compares the answers with LightGBM's,
// then sends bad requests and checks each status and error code.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PORT = process.env.GENRECAST_TEST_PORT ?? "8799";
const BASE = `http://127.0.0.1:${PORT}`;
const TOLERANCE = 1e-12;

let wrangler;
let log = "";

before(async () => {
  const bin = `${ROOT}/node_modules/.bin/wrangler`;
  wrangler = spawn(bin, ["dev", "--ip", "127.0.0.1", "--port", PORT], {
    cwd: ROOT,
    // Its own process group, so that stopping it also stops workerd.
    detached: true,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  wrangler.stdout.on("data", (d) => (log += d));
  wrangler.stderr.on("data", (d) => (log += d));
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline) {
    if (wrangler.exitCode !== null) break;
    try {
      const response = await fetch(`${BASE}/health`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`wrangler dev did not answer on ${BASE}:\n${log}`);
});

after(async () => {
  if (!wrangler || wrangler.exitCode !== null) return;
  const exited = new Promise((resolve) => wrangler.once("exit", resolve));
  process.kill(-wrangler.pid, "SIGINT");
  const timeout = setTimeout(() => process.kill(-wrangler.pid, "SIGKILL"), 10_000);
  await exited;
  clearTimeout(timeout);
});

function goldenRows() {
  const text = readFileSync(new URL("../model/golden.jsonl", import.meta.url), "utf8");
  return text
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
}

function post(body, headers = { "content-type": "application/json" }) {
  const raw = typeof body === "string" || body instanceof Uint8Array;
  const payload = raw ? body : JSON.stringify(body);
  return fetch(`${BASE}/v1/recommend`, { method: "POST", headers, body: payload });
}

// A body sent as a stream goes out chunked, with no content-length to refuse it by.
function postChunked(bytes) {
  const chunk = new TextEncoder().encode(" ".repeat(4096));
  let sent = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      controller.enqueue(chunk);
      sent += chunk.length;
    },
  });
  return fetch(`${BASE}/v1/recommend`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    duplex: "half",
  });
}

test("health names the model version", async () => {
  const response = await fetch(`${BASE}/health`);
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.ok, true);
  assert.match(body.model, /^[0-9a-f]{16}$/);
});

test("genres lists the vocabulary and the signup fields", async () => {
  const body = await (await fetch(`${BASE}/v1/genres`)).json();
  assert.equal(body.genres.length, 16);
  assert.ok(body.genres.includes("Rock"));
  assert.deepEqual(
    body.fields.map((f) => f.name),
    ["age", "service", "genres"],
  );
});

test("every golden signup gets LightGBM's top three and probabilities", async () => {
  const classes = (await (await fetch(`${BASE}/v1/genres`)).json()).genres;
  const rows = goldenRows().filter((row) => row.signup !== null);
  assert.ok(rows.length >= 500);
  for (const row of rows) {
    const response = await post(row.signup);
    assert.equal(response.status, 200, `${row.id}: ${await response.clone().text()}`);
    const answer = await response.json();
    assert.deepEqual(
      answer.genres.map((g) => g.genre),
      row.top3,
      row.id,
    );
    for (const { genre, probability } of answer.genres) {
      const expected = row.probability[classes.indexOf(genre)];
      assert.ok(
        Math.abs(probability - expected) <= TOLERANCE,
        `${row.id}: ${genre} ${probability} vs LightGBM ${expected}`,
      );
    }
  }
});


test("the signup page and its scorer are served beside the API", async () => {
  const page = await fetch(`${BASE}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type") ?? "", /text\/html/);
  assert.match(await page.text(), /<form/);
  const wasm = await fetch(`${BASE}/pkg/genrecast_bg.wasm`);
  assert.equal(wasm.status, 200);
  const bytes = new Uint8Array(await wasm.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d]);
});

test("k asks for more genres", async () => {
  const answer = await (await post({ genres: ["rock"], k: 5 })).json();
  assert.equal(answer.genres.length, 5);
});

const BAD_REQUESTS = [
  ["invalid JSON", () => post("{"), 400, "invalid_json"],
  ["a JSON array", () => post("[]"), 400, "invalid_json"],
  ["a huge number", () => post('{"age":1e999}'), 400, "invalid_json"],
  ["age as a string", () => post({ age: "20" }), 400, "invalid_type"],
  ["genres as a string", () => post({ genres: "Rock" }), 400, "invalid_type"],
  ["a genre as a number", () => post({ genres: [3] }), 400, "invalid_type"],
  ["an unknown field", () => post({ gender: "f" }), 400, "unknown_field"],
  ["an unknown genre", () => post({ genres: ["Polka"] }), 400, "unknown_value"],
  ["an unknown service", () => post({ service: "Deezer" }), 400, "unknown_value"],
  ["age above 120", () => post({ age: 121 }), 400, "out_of_range"],
  ["a negative age", () => post({ age: -1 }), 400, "out_of_range"],
  ["k of 0", () => post({ k: 0 }), 400, "out_of_range"],
  ["k of 17", () => post({ k: 17 }), 400, "out_of_range"],
  ["k as a fraction", () => post({ k: 2.5 }), 400, "invalid_type"],
  ["an unknown path", () => fetch(`${BASE}/v2/recommend`), 404, "not_found"],
  ["GET on recommend", () => fetch(`${BASE}/v1/recommend`), 405, "method_not_allowed"],
  ["POST on health", () => fetch(`${BASE}/health`, { method: "POST" }), 405, "method_not_allowed"],
  ["a body over 16 KiB", () => post(" ".repeat(17 * 1024)), 413, "payload_too_large"],
  ["a chunked body over 16 KiB", () => postChunked(1024 * 1024), 413, "payload_too_large"],
  ["text/plain", () => post("{}", { "content-type": "text/plain" }), 415, "unsupported_media_type"],
  // fetch labels a string body text/plain by itself; bytes go out with no content type.
  ["no content type", () => post(new TextEncoder().encode("{}"), {}), 415, "unsupported_media_type"],
];

for (const [name, send, status, code] of BAD_REQUESTS) {
  test(`refuses ${name} with ${status} ${code}`, async () => {
    const response = await send();
    assert.equal(response.status, status);
    assert.match(response.headers.get("content-type") ?? "", /application\/json/);
    const body = await response.json();
    assert.equal(body.error.code, code);
    assert.equal(typeof body.error.message, "string");
  });
}

test("the isolate survives bad input", async () => {
  await Promise.all(BAD_REQUESTS.map(([, send]) => send()));
  const response = await fetch(`${BASE}/health`);
  assert.equal(response.status, 200);
});
