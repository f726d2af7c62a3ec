// The signup page: builds the form from the model's fields and shows the top three genres
// each time anything changes. Scoring runs in this page (WebAssembly from ./pkg/, built by
// .ci/build-npm) and makes no network request.
import init, { fields, modelInfo, recommend } from "./pkg/genrecast.js";

const form = document.getElementById("signup");
const top = document.getElementById("top");
const status = document.getElementById("status");
const age = document.getElementById("age");
const service = document.getElementById("service");
const ticks = document.getElementById("genre-ticks");

// How long to keep scoring the same signup to time one prediction: a single call is below
// the resolution of performance.now() in most browsers.
const TIMING_BUDGET_MS = 4;
const TIMING_MAX_RUNS = 5000;

function vocabulary(name) {
  return fields().find((field) => field.name === name)?.vocabulary ?? [];
}

function buildForm() {
  for (const name of vocabulary("service")) {
    service.append(new Option(name, name));
  }
  vocabulary("genres").forEach((name, i) => {
    const id = `genre-${i}`;
    const box = Object.assign(document.createElement("input"), {
      type: "checkbox",
      id,
      name: "genres",
      value: name,
    });
    const label = Object.assign(document.createElement("label"), { htmlFor: id });
    label.append(box, ` ${name}`);
    ticks.append(label);
  });
}

function signupFromForm() {
  const signup = {};
  if (age.value.trim() !== "") signup.age = age.valueAsNumber;
  if (service.value) signup.service = service.value;
  signup.genres = [...form.querySelectorAll("input[name=genres]:checked")].map((b) => b.value);
  return signup;
}

function timePrediction(signup) {
  let runs = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    recommend(signup);
    runs += 1;
    elapsed = performance.now() - start;
  } while (elapsed < TIMING_BUDGET_MS && runs < TIMING_MAX_RUNS);
  return { micros: (elapsed * 1000) / runs, runs };
}

function show(answer) {
  top.replaceChildren(
    ...answer.map(({ genre, probability }) => {
      const item = document.createElement("li");
      item.dataset.genre = genre;
      item.dataset.probability = String(probability);
      const percent = `${(probability * 100).toFixed(1)}%`;
      const name = Object.assign(document.createElement("span"), {
        className: "genre",
        textContent: genre,
      });
      const bar = Object.assign(document.createElement("span"), { className: "bar" });
      bar.setAttribute("aria-hidden", "true");
      const fill = document.createElement("span");
      fill.style.width = `${Math.max(probability * 100, 0.5)}%`;
      bar.append(fill);
      const value = Object.assign(document.createElement("span"), {
        className: "value",
        textContent: percent,
      });
      item.append(name, bar, value);
      return item;
    }),
  );
}

function update() {
  const signup = signupFromForm();
  try {
    const answer = recommend(signup);
    const { micros, runs } = timePrediction(signup);
    show(answer);
    age.removeAttribute("aria-invalid");
    top.classList.remove("stale");
    status.classList.remove("error");
    status.dataset.micros = micros.toFixed(2);
    const { numTrees, version } = modelInfo();
    status.textContent =
      `Predicted in ${micros.toFixed(1)} µs, in this browser.\n` +
      `Mean of ${runs} runs; ${numTrees} trees, model ${version.slice(0, 8)}.`;
  } catch (error) {
    console.error(error);
    if (error.message.startsWith("age")) age.setAttribute("aria-invalid", "true");
    top.classList.add("stale");
    status.classList.add("error");
    status.textContent = `${error.message} (${error.code ?? "error"})`;
  }
}

async function main() {
  await init();
  buildForm();
  form.addEventListener("input", update);
  form.addEventListener("submit", (event) => event.preventDefault());
  update();
  document.body.dataset.ready = "true";
}

main().catch((error) => {
  console.error(error);
  status.classList.add("error");
  status.textContent = `The model could not be loaded: ${error.message}`;
});
