// The Train view: start a training in the server (POST /api/train), follow its events
// (GET /api/train/events, Server-Sent Events) and draw them: curves, hidden-unit tiles, hints.
// The loop itself is train.train in Python; this file only displays what it reports.
"use strict";

// ---- the two views ----------------------------------------------------------------------------
const TITLES = { draw: "Draw a digit", train: "Watch it learn" };

function showView(view) {
  document.body.dataset.view = view;
  for (const name of Object.keys(TITLES)) {
    for (const id of [`view-${name}`, `lead-${name}`]) document.getElementById(id).hidden = name !== view;
    document.getElementById(`tab-${name}`).setAttribute("aria-selected", String(name === view));
  }
  document.getElementById("title").textContent = TITLES[view];
}
document.querySelectorAll(".tabs button").forEach((b) => b.addEventListener("click", () => showView(b.dataset.view)));

// ---- the settings form --------------------------------------------------------------------------
const form = document.getElementById("train-form");
const statusLine = document.getElementById("train-status");
let events = null; // the EventSource of the run being followed

// "128, 64" → [128, 64]; a part that is not a whole number goes as it is, for the server to name
const layerSizes = (text) => text.split(",").map((s) => (/^\s*\d+\s*$/.test(s) ? Number(s) : s.trim()));

function settings() {
  const f = form.elements;
  return {
    hidden: layerSizes(f.hidden.value),
    activation: f.activation.value,
    loss: f.loss.value,
    lr: Number(f.lr.value),
    epochs: Number(f.epochs.value),
    optimizer: f.optimizer.value,
    augment: f.augment.checked,
    seed: Number(f.seed.value),
    train_images: f.train_images.value === "" ? null : Number(f.train_images.value),
  };
}

function setTraining(state, text) {
  document.body.dataset.training = state;
  statusLine.textContent = text;
  const running = state === "running" || state === "stopping";
  document.getElementById("train-start").disabled = running;
  document.getElementById("train-stop").disabled = state !== "running";
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  setTraining("starting", "Starting: loading MNIST the first time takes a moment…");
  try {
    const response = await fetch("/api/train", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(settings()),
    });
    const answer = await response.json();
    if (!response.ok) {
      setTraining("error", `Cannot start: ${answer.error}`);
      return;
    }
    const s = answer.settings;
    resetRun(s.epochs, s.hidden);
    document.getElementById("loss-name").textContent = s.loss;
    const network = `${[784, ...s.hidden, 10].join("-")} (${s.activation}, ${s.loss})`;
    setTraining("running", `Training ${network} on ${s.train_images.toLocaleString("en")} images…`);
    follow();
  } catch (err) {
    setTraining("error", `Cannot reach the server (${err.message})`);
  }
});

document.getElementById("train-stop").addEventListener("click", async () => {
  setTraining("stopping", "Stopping after this batch…");
  const response = await fetch("/api/train/stop", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: "{}",
  });
  if (!response.ok) setTraining("error", (await response.json()).error);
});

// ---- following a run ------------------------------------------------------------------------------
let run = null; // what has been drawn of the current run

function resetRun(epochs, hidden) { // hidden: each hidden layer's size, [] while unknown
  run = { epochs, hidden, loss: [], train: [], val: [], valEpoch: [], testEpoch: [], hints: 0 };
  document.getElementById("hints").innerHTML = '<li class="muted">No hints: nothing looks wrong so far.</li>';
  document.getElementById("train-result").hidden = true;
  document.getElementById("tiles").removeAttribute("src");
  document.getElementById("dead").textContent = "Dead units: –";
  drawCharts();
}

function follow() {
  if (events) events.close();
  events = new EventSource("/api/train/events");
  events.onmessage = (message) => onEvent(JSON.parse(message.data));
}

function onEvent(e) {
  if (run === null) resetRun(e.epochs || 1, e.hidden || []);
  if (e.epochs) run.epochs = e.epochs;
  if (e.hidden) run.hidden = e.hidden;
  if (e.kind === "start") Object.assign(run, { activation: e.activation, canDie: e.can_die });
  const x = (e.epoch - 1) + (e.batches ? e.batch / e.batches : 1); // position in epochs
  if (e.kind === "batch") {
    run.loss.push([x, e.loss]);
    run.train.push([x, e.train_acc]);
    if (e.val_acc !== null) run.val.push([x, e.val_acc]);
    document.getElementById("train-status").textContent =
      `Epoch ${e.epoch} of ${e.epochs}, batch ${e.batch} of ${e.batches}: loss ${e.loss.toFixed(3)}, ` +
      `train accuracy ${pct(e.train_acc)}${e.val_acc === null ? "" : `, validation ${pct(e.val_acc)}`}.`;
  } else if (e.kind === "epoch") {
    if (e.val_acc !== null) run.valEpoch.push([e.epoch, e.val_acc]);
    run.testEpoch.push([e.epoch, e.test_acc]);
  }
  if (e.tiles) document.getElementById("tiles").src = e.tiles;
  if (e.dead_per_layer) showDead(e.dead_per_layer, e.kind === "epoch");
  for (const hint of e.hints || []) addHint(hint);
  drawCharts();
  if (e.done) finished(e);
}

// "Dead units: 3 of 64 never fired ...", or per layer: "3 of 128 in layer 1, 0 of 64 in layer 2 ..."
function showDead(dead, epoch) {
  if (run.canDie === false) { // only a ReLU that never fires gets no gradient (model.can_die)
    document.getElementById("dead").textContent =
      `Dead units: none can die here: a ${run.activation} unit always has a slope, so it keeps learning.`;
    return;
  }
  const of = (l) => (run.hidden.length === dead.length ? ` of ${run.hidden[l]}` : "");
  const counts = dead.length === 1
    ? `${dead[0]}${of(0)}`
    : dead.map((d, l) => `${d}${of(l)} in layer ${l + 1}`).join(", ");
  document.getElementById("dead").textContent =
    `Dead units: ${counts} never fired` + (epoch ? " during this epoch." : " on 500 held-out images.");
}

function addHint(text) {
  const list = document.getElementById("hints");
  if (run.hints++ === 0) list.replaceChildren();
  const li = document.createElement("li");
  li.textContent = text;
  list.appendChild(li);
}

function finished(e) {
  events.close();
  events = null;
  const state = { done: "done", "early stop": "done", stopped: "stopped" }[e.reason] || "error";
  const said = {
    done: "Training finished.", "early stop": "Training stopped early: validation accuracy stopped improving.",
    stopped: "Training stopped.", diverged: "Training diverged.", failed: "Training failed.",
  }[e.reason];
  setTraining(state, e.error ? `${said} ${e.error}` : said);
  if (e.served) {
    document.getElementById("train-result-text").textContent =
      `${pct(e.test_acc)} of the 10,000 test digits read right. The Draw view now reads with this network ` +
      `(${e.model.name}).`;
    document.getElementById("train-result").hidden = false;
    refreshModel();
    if (hasInk) schedule(0); // read the drawing on the pad again, with the new network
  }
}

const pct = (v) => `${(100 * v).toFixed(1)}%`;

// ---- the charts: plain SVG --------------------------------------------------------------------
const SVG = "http://www.w3.org/2000/svg";
const BOX = { left: 40, right: 410, top: 22, bottom: 146 }; // the plot area in the 420 × 178 viewBox

function drawCharts() {
  const xmax = run ? run.epochs : 1;
  const lossTop = Math.max(0.4, ...(run ? run.loss.map((p) => p[1]) : [2.4]));
  const step = [0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10].find((s) => 4 * s >= lossTop) || Math.ceil(lossTop / 4);
  chart(document.getElementById("loss-chart"), xmax, 0, 4 * step, "loss", [
    { points: run ? run.loss : [], cls: "loss" },
  ], (v) => String(Number(v.toFixed(2))));
  const accs = run ? [...run.train, ...run.val].map((p) => p[1]) : [];
  const bottom = accs.length ? Math.max(0, Math.floor(Math.min(...accs) * 10) / 10) : 0;
  chart(document.getElementById("acc-chart"), xmax, bottom, 1, "accuracy", [
    { points: run ? run.train : [], cls: "train" },
    { points: run ? run.val : [], cls: "val" },
    { points: run ? run.valEpoch : [], cls: "val", dots: true },
    { points: run ? run.testEpoch : [], cls: "test", dots: true },
  ], (v) => `${Math.round(100 * v)}%`);
}

function chart(svg, xmax, ymin, ymax, label, series, fmt = (v) => v.toFixed(1)) {
  const sx = (x) => BOX.left + (x / xmax) * (BOX.right - BOX.left);
  const sy = (y) => BOX.bottom - ((y - ymin) / (ymax - ymin || 1)) * (BOX.bottom - BOX.top);
  svg.replaceChildren();
  const add = (tag, attrs, text) => {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    if (text !== undefined) el.textContent = text;
    svg.appendChild(el);
    return el;
  };
  for (let i = 0; i <= 4; i++) { // horizontal grid lines with their values
    const y = ymin + ((ymax - ymin) * i) / 4;
    add("line", { x1: BOX.left, x2: BOX.right, y1: sy(y), y2: sy(y), class: "grid" });
    add("text", { x: BOX.left - 6, y: sy(y) + 4, class: "tick", "text-anchor": "end" }, fmt(y));
  }
  const step = Math.max(1, Math.ceil(xmax / 10));
  for (let e = 0; e <= xmax; e += step) { // epoch ticks
    add("text", { x: sx(e), y: BOX.bottom + 16, class: "tick", "text-anchor": "middle" }, e);
  }
  add("text", { x: (BOX.left + BOX.right) / 2, y: BOX.bottom + 30, class: "tick axis-name", "text-anchor": "middle" },
    "epochs");
  add("text", { x: BOX.left, y: 10, class: "tick axis-name" }, label);
  for (const s of series) {
    if (!s.points.length) continue;
    if (s.dots) {
      for (const [x, y] of s.points) add("circle", { cx: sx(x), cy: sy(y), r: 3.5, class: `dot ${s.cls}` });
    } else {
      const d = s.points.map(([x, y], i) => `${i ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join("");
      add("path", { d, class: `line ${s.cls}` });
    }
  }
}

// ---- start: the form's defaults and limits come from the server (train.Config's defaults) ---------
fetch("/api/train").then((r) => r.json()).then((t) => {
  const f = form.elements;
  for (const name of ["lr", "epochs", "seed"]) f[name].value = t.defaults[name];
  f.hidden.value = t.defaults.hidden.join(",");
  f.epochs.max = t.max_epochs;
  document.getElementById("hidden-help").textContent =
    `One size per hidden layer, commas between: 128,64 is 784-128-64-10. Up to ${t.max_hidden_layers} ` +
    `layers, ${t.max_hidden} units in a layer and ${t.max_hidden_units} in all.`;
  const choose = (select, names, chosen) =>
    select.replaceChildren(...names.map((o) => new Option(o, o, false, o === chosen)));
  choose(f.optimizer, t.optimizers, t.defaults.optimizer);
  choose(f.activation, t.activations, t.defaults.activation);
  choose(f.loss, t.losses, t.defaults.loss);
  f.augment.checked = t.defaults.augment;
  document.getElementById("train-settings").disabled = false; // the defaults are in: yours to change
  if (t.running) {
    resetRun(1, []);
    setTraining("running", "A training is running: following it…");
    follow();
  } else {
    document.getElementById("train-start").disabled = false;
  }
}).catch((err) => {
  statusLine.textContent = `Cannot reach the server (${err.message}): reload the page to try again.`;
});
drawCharts();
