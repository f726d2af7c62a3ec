// The signup page in headless Chromium (playwright-core, /usr/bin/chromium): serves www/
// from a plain static file server, fills in golden signups and checks that the page shows
// LightGBM's genres and probabilities, that scoring makes no network request, and that the
// form works from the keyboard. Saves a screenshot to tests/artifacts/signup.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WWW = join(ROOT, "www");
const ARTIFACTS = join(ROOT, "tests/artifacts");
const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
const TOLERANCE = 1e-12;
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".ts": "text/plain; charset=utf-8",
};

let server;
let base;
let browser;
let page;
let consoleErrors = [];
let requests = [];

before(async () => {
  // The page needs the web build in www/pkg/.
  execFileSync("bash", [".ci/build-npm"], { cwd: ROOT, stdio: "inherit" });
  server = createServer((req, res) => {
    const path = new URL(req.url, "http://localhost").pathname;
    const file = normalize(join(WWW, path.endsWith("/") ? `${path}index.html` : path));
    try {
      if (!file.startsWith(WWW)) throw new Error("outside www/");
      const body = readFileSync(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  page = await browser.newPage({ viewport: { width: 1000, height: 720 } });
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("request", (request) => requests.push(request.url()));
  await page.goto(`${base}/`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 30_000 });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
});

function goldenRows() {
  const text = readFileSync(join(ROOT, "model/golden.jsonl"), "utf8");
  return text
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line))
    .filter((row) => row.signup !== null);
}

/** Sets the form to `signup` the way a user would: typing, choosing and ticking. */
async function fill(signup) {
  await page.fill("#age", signup.age == null ? "" : String(signup.age));
  await page.selectOption("#service", signup.service ?? "");
  const ticked = new Set(signup.genres ?? []);
  for (const box of await page.$$("input[name=genres]")) {
    await box.setChecked(ticked.has(await box.getAttribute("value")));
  }
}

/** The genres and probabilities the page shows, most likely first. */
function shown() {
  return page.$$eval("#top li", (items) =>
    items.map((li) => ({
      genre: li.dataset.genre,
      probability: Number(li.dataset.probability),
      text: li.textContent,
    })),
  );
}

test("the page loads the model and shows a first guess without any request to score", async () => {
  assert.ok(requests.some((url) => url.endsWith("/pkg/genrecast_bg.wasm")), requests.join());
  assert.equal((await shown()).length, 3);
  assert.deepEqual(consoleErrors, []);
});

test("golden signups show LightGBM's top three and probabilities, with no network request",
  async (t) => {
    const classes = await page.evaluate(async () => (await import("./pkg/genrecast.js")).genres());
    const rows = goldenRows();
    // A spread of signups: with and without age and service, few and many genres.
    const picked = [
      rows[0],
      rows[1],
      ...rows.filter((r) => r.signup.age == null).slice(0, 2),
      ...rows.filter((r) => r.signup.service == null).slice(0, 2),
      ...rows.filter((r) => (r.signup.genres ?? []).length === 0).slice(0, 1),
      ...rows.filter((r) => (r.signup.genres ?? []).length >= 8).slice(0, 2),
      rows[rows.length - 1],
    ];
    assert.ok(picked.length >= 6, `${picked.length} signups picked`);
    requests = [];
    for (const row of picked) {
      await fill(row.signup);
      const answer = await shown();
      assert.deepEqual(
        answer.map((g) => g.genre),
        row.top3,
        `${row.id}: ${JSON.stringify(row.signup)}`,
      );
      for (const { genre, probability, text } of answer) {
        const expected = row.probability[classes.indexOf(genre)];
        assert.ok(
          Math.abs(probability - expected) <= TOLERANCE,
          `${row.id}: ${genre} ${probability} vs LightGBM ${expected}`,
        );
        assert.ok(text.includes(`${(expected * 100).toFixed(1)}%`), text);
      }
    }
    assert.deepEqual(requests, [], "requests while scoring");
    const micros = Number(await page.getAttribute("#status", "data-micros"));
    assert.ok(micros > 0 && micros < 10_000, `${micros} µs`);
    t.diagnostic(`${picked.length} golden signups; prediction ${micros} µs in Chromium`);
  });

test("the form works from the keyboard alone", async () => {
  await fill({});
  await page.focus("#age");
  await page.keyboard.type("31");
  await page.keyboard.press("Tab");
  await page.keyboard.press("ArrowDown"); // The first service after "Prefer not to say".
  await page.keyboard.press("Tab");
  await page.keyboard.press("Space"); // The first genre box.
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Space"); // The third.
  const state = await page.evaluate(() => ({
    age: document.getElementById("age").value,
    service: document.getElementById("service").selectedIndex,
    ticked: [...document.querySelectorAll("input[name=genres]:checked")].map((b) => b.value),
  }));
  assert.deepEqual(state, { age: "31", service: 1, ticked: ["Classical", "EDM"] });
  const { recommend } = await page.evaluate(async () => {
    const g = await import("./pkg/genrecast.js");
    const signup = { age: 31, service: g.fields()[1].vocabulary[0], genres: ["Classical", "EDM"] };
    return { recommend: g.recommend(signup).map((x) => x.genre) };
  });
  assert.deepEqual((await shown()).map((g) => g.genre), recommend);
  // Every control has a label.
  const unlabelled = await page.$$eval("input, select", (controls) =>
    controls.filter((c) => c.labels.length === 0).map((c) => c.id),
  );
  assert.deepEqual(unlabelled, []);
});

test("a refused signup shows the reason and the page recovers", async () => {
  consoleErrors = [];
  await fill({ age: 150 });
  assert.match(await page.textContent("#status"), /age must be between 0 and 120.*out_of_range/);
  assert.equal(await page.getAttribute("#age", "aria-invalid"), "true");
  assert.ok(consoleErrors.some((text) => text.includes("age must be between")), consoleErrors);
  await fill({ age: 40, genres: ["Jazz"] });
  assert.doesNotMatch(await page.textContent("#status"), /out_of_range/);
  assert.equal(await page.getAttribute("#age", "aria-invalid"), null);
});

test("screenshot of a filled-in signup", async () => {
  await fill({ age: 23, service: "Spotify", genres: ["Rock", "Metal", "Pop"] });
  await page.focus("#genre-10");
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, "signup.png"), fullPage: true });
  assert.deepEqual(requests, [], "requests while scoring");
});
