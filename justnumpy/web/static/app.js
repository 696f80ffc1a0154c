// The draw-a-digit page: draw on #pad, send it as PNG to /api/predict, show what comes back.
// All the math happens in Python; this file only draws and displays.
"use strict";

const pad = document.getElementById("pad");
const ctx = pad.getContext("2d");
const DEBOUNCE_MS = 120; // ask 0.12 s after the pen pauses ...
const EVERY_MS = 300; // ... and every 0.3 s during a long stroke, so the answer follows the pen
let lastSent = 0;
let drawing = false;
let last = null;
let hasInk = false;
let timer = null;
let latest = 0; // number of the newest request; older answers are ignored

// ---- the drawing pad: black ink on white, like a pen on paper -------------------------------
function clearPad() {
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, pad.width, pad.height);
  hasInk = false;
  latest += 1;
  clearTimeout(timer);
  timer = null;
  document.body.dataset.busy = "false";
  showEmpty("Draw something on the left.");
  hideTeach();
}

function point(event) {
  const r = pad.getBoundingClientRect();
  return { x: (event.clientX - r.left) * pad.width / r.width, y: (event.clientY - r.top) * pad.height / r.height };
}

function dot(at) {
  ctx.fillStyle = "#111";
  ctx.beginPath();
  ctx.arc(at.x, at.y, 9, 0, 2 * Math.PI); // a zero-length line would draw nothing
  ctx.fill();
  hasInk = true;
}

function stroke(from, to) {
  ctx.strokeStyle = "#111";
  ctx.lineWidth = 18;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.beginPath();
  ctx.moveTo(from.x, from.y);
  ctx.lineTo(to.x, to.y);
  ctx.stroke();
  hasInk = true;
}

pad.addEventListener("pointerdown", (e) => {
  pad.setPointerCapture(e.pointerId);
  drawing = true;
  hideTeach(); // a new stroke makes the last lesson stale
  last = point(e);
  dot(last); // a tap leaves a dot
  schedule(DEBOUNCE_MS);
});
pad.addEventListener("pointermove", (e) => {
  if (!drawing) return;
  const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
  for (const ev of events.length ? events : [e]) {
    const p = point(ev);
    stroke(last, p);
    last = p;
  }
  schedule(performance.now() - lastSent > EVERY_MS ? 0 : DEBOUNCE_MS);
});
for (const type of ["pointerup", "pointercancel"]) {
  pad.addEventListener(type, () => {
    if (!drawing) return;
    drawing = false;
    schedule(0);
  });
}
document.getElementById("clear").addEventListener("click", clearPad);

// ---- talking to the server --------------------------------------------------------------------
// body[data-busy] is "true" from the moment the drawing changes until the answer for exactly
// that drawing is on screen, so neither a person nor a test mistakes a mid-stroke answer for the last.
function schedule(delay) {
  clearTimeout(timer);
  document.body.dataset.busy = "true";
  timer = setTimeout(send, delay);
}

function send() {
  timer = null;
  if (!hasInk) {
    document.body.dataset.busy = "false";
    return;
  }
  const id = ++latest;
  lastSent = performance.now();
  pad.toBlob(async (blob) => {
    try {
      const response = await fetch("/api/predict", {
        method: "POST", headers: { "Content-Type": "image/png" }, body: blob,
      });
      const answer = await response.json();
      if (id !== latest) return; // a newer drawing is already on its way
      if (timer === null) document.body.dataset.busy = "false"; // and none is waiting to be sent
      if (response.ok) show(answer);
      else if (answer.code === "no_digit") showEmpty("No digit yet: keep drawing.");
      else showError(answer.error || `server error ${response.status}`);
    } catch (err) {
      if (id !== latest) return;
      if (timer === null) document.body.dataset.busy = "false";
      showError(`cannot reach the server (${err.message})`);
    }
  }, "image/png");
}

// ---- showing the answer -------------------------------------------------------------------------
const bars = document.getElementById("bars");
for (let k = 0; k < 10; k++) {
  const li = document.createElement("li");
  li.dataset.digit = k;
  li.innerHTML = `<span class="label">${k}</span><span class="track"><span class="fill"></span></span>` +
    `<span class="value">–</span>`;
  bars.appendChild(li);
}

function setState(state, digit, text) {
  document.body.dataset.state = state;
  document.getElementById("digit").textContent = digit;
  document.getElementById("confidence").textContent = text;
}

function show(answer) {
  const p = answer.probabilities;
  const sure = `${(100 * p[answer.digit]).toFixed(1)}% sure it is a ${answer.digit}`;
  setState("ready", String(answer.digit), answer.not_a_digit ? "This does not look like a digit." : sure);
  showNovelty(answer, sure);
  bars.querySelectorAll("li").forEach((li, k) => {
    li.classList.toggle("top", k === answer.digit);
    li.querySelector(".fill").style.width = `${(100 * p[k]).toFixed(1)}%`;
    li.querySelector(".value").textContent = `${(100 * p[k]).toFixed(1)}%`;
  });
  for (const stage of ["ink", "crop", "scaled"]) document.getElementById(`stage-${stage}`).src = answer.stages[stage];
  paintGrid(document.getElementById("input"), answer.input.flat(), 28, 28, gray);
  showHidden(answer.hidden, answer.fired);
}

// ---- the hidden layers: one grid per layer, one square per unit ---------------------------------
const hiddenBox = document.getElementById("hidden-layers");
const SIGNED = ["tanh", "leaky-relu"]; // activations whose outputs go below 0: red +, blue −
const ACTIVITY = { // what a square's colour means, for each activation (layers.ACTIVATIONS)
  relu: "each square is one ReLU unit, brighter means more active; dark units are silent (ReLU cut them to 0).",
  "leaky-relu": "each square is one leaky ReLU unit: red above 0 (active), brighter is more; blue below 0, " +
    "the small share α·Z that leaky ReLU lets through.",
  sigmoid: "each square is one sigmoid unit, brighter means closer to 1; active means above ½ (Z > 0).",
  tanh: "each square is one tanh unit: red above 0 (active, Z > 0), blue below, darker nearer 0.",
};
let served = { sizes: [784, 10], hidden: [], activation: "relu", loss: "cross-entropy" }; // GET /api/model

// One figure per hidden layer, captioned with its size, for the served model (or an answer's layers).
function layoutHidden(sizes) {
  const shown = [...hiddenBox.children].map((f) => Number(f.dataset.units));
  if (shown.join() !== sizes.join()) {
    hiddenBox.replaceChildren();
    hiddenBox.dataset.count = sizes.length;
    sizes.forEach((n, i) => {
      const fig = document.createElement("figure");
      fig.dataset.layer = i + 1;
      fig.dataset.units = n;
      const cap = document.createElement("figcaption");
      cap.textContent = `Layer ${i + 1}: ${n} units`;
      const c = document.createElement("canvas");
      c.width = Math.ceil(Math.sqrt(n)); // the grid showHidden paints: one pixel per unit
      c.height = Math.ceil(n / c.width);
      fig.append(c, cap);
      hiddenBox.appendChild(fig);
    });
  }
  document.getElementById("hidden-title").textContent = sizes.length === 1 ? "Hidden layer" : "Hidden layers";
  const first = sizes.length > 1 ? "Layer 1 reads the pixels, each next layer the one before it; " : "";
  const note = first + (ACTIVITY[served.activation] || ACTIVITY.relu);
  document.getElementById("hidden-note").textContent = sizes.length
    ? note.charAt(0).toUpperCase() + note.slice(1)
    : "This network has no hidden layer: the 784 inputs go straight to the 10 scores.";
}

function showHidden(layers, fired) {
  layoutHidden(layers.map((a) => a.length));
  const colour = SIGNED.includes(served.activation) ? diverging : heat;
  layers.forEach((a, i) => {
    const fig = hiddenBox.children[i];
    const n = a.length;
    const cols = Math.ceil(Math.sqrt(n));
    const top = Math.max(...a.map(Math.abs)) || 1; // each layer on its own scale
    paintGrid(fig.querySelector("canvas"), a.map((v) => v / top), cols, Math.ceil(n / cols), colour);
    fig.querySelector("figcaption").textContent = `Layer ${i + 1}: ${fired[i]} of ${n} units active`;
  });
}

function clearHidden() {
  for (const fig of hiddenBox.children) {
    const c = fig.querySelector("canvas");
    c.getContext("2d").clearRect(0, 0, c.width, c.height);
    fig.querySelector("figcaption").textContent = `Layer ${fig.dataset.layer}: ${fig.dataset.units} units`;
  }
}

// The "not a digit" line: the share of the drawing that the training images of the guessed digit
// cannot explain (novelty.py), against the share that 1% of real digits exceed.
function showNovelty(answer, sure) {
  const line = document.getElementById("novelty");
  if (answer.not_a_digit === null) {
    document.body.dataset.digitness = "unknown";
    line.textContent = "";
    return;
  }
  const pct = (v) => `${Math.round(100 * v)}%`;
  document.body.dataset.digitness = answer.not_a_digit ? "not-digit" : "digit";
  line.textContent = answer.not_a_digit
    ? `The network's guess would be ${answer.digit} (${sure.split(" ")[0]}), but ${pct(answer.novelty_score)} of ` +
      `the drawing is unlike any ${answer.digit} it learned from; real digits stay under ${pct(answer.novelty_threshold)}.`
    : `Looks like a digit: ${pct(answer.novelty_score)} of it is unlike the ${answer.digit}s it learned from ` +
      `(a drawing above ${pct(answer.novelty_threshold)} would not look like a digit).`;
}

function showEmpty(text) {
  setState("empty", "?", text);
  document.body.dataset.digitness = "unknown";
  document.getElementById("novelty").textContent = "";
  for (const stage of ["ink", "crop", "scaled"]) document.getElementById(`stage-${stage}`).removeAttribute("src");
  bars.querySelectorAll("li").forEach((li) => {
    li.classList.remove("top");
    li.querySelector(".fill").style.width = "0";
    li.querySelector(".value").textContent = "–";
  });
  const input = document.getElementById("input");
  input.getContext("2d").clearRect(0, 0, input.width, input.height);
  clearHidden();
}

function showError(text) {
  setState("error", "!", text);
}

// values in [0, 1] → colours; the input is shown as the network sees it: white ink on black
const gray = (v) => [255 * v, 255 * v, 255 * v];
const heat = (v) => [30 + 225 * Math.min(1, 1.6 * v), 27 + 200 * v * v, 60 + 40 * v]; // dark → amber

function paintGrid(canvas, values, cols, rows, colour) {
  canvas.width = cols;
  canvas.height = rows;
  const ctx2 = canvas.getContext("2d");
  const img = ctx2.createImageData(cols, rows);
  values.forEach((v, i) => {
    const [r, g, b] = colour(v);
    img.data.set([r, g, b, 255], 4 * i);
  });
  ctx2.putImageData(img, 0, 0);
}

// ---- teach it: one backward pass and one SGD step on this drawing (POST /api/teach) ---------------
const teachDigits = document.getElementById("teach-digits");
for (let k = 0; k < 10; k++) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = k;
  b.dataset.digit = k;
  b.addEventListener("click", () => teach(k, false));
  teachDigits.appendChild(b);
}
const dz2List = document.getElementById("dz2");
for (let k = 0; k < 10; k++) {
  const li = document.createElement("li");
  li.innerHTML = `<span class="label">${k}</span><span class="axis"><span class="neg"></span><span class="pos"></span></span>` +
    `<span class="value"></span>`;
  dz2List.appendChild(li);
}
let taught = null; // the digit of the last teach answer, for "apply"
document.getElementById("teach-apply").addEventListener("click", () => taught !== null && teach(taught, true));
document.getElementById("teach-lr").addEventListener("change", () => taught !== null && teach(taught, false));

function hideTeach() {
  taught = null;
  document.getElementById("teach-result").hidden = true;
  document.body.dataset.teach = "idle";
  teachDigits.querySelectorAll("button").forEach((b) => b.classList.remove("chosen"));
}

function teach(label, apply) {
  if (!hasInk) return;
  document.body.dataset.teach = "busy";
  pad.toBlob(async (blob) => {
    try {
      const lr = document.getElementById("teach-lr").value;
      const response = await fetch(`/api/teach?label=${label}&lr=${lr}${apply ? "&apply=1" : ""}`, {
        method: "POST", headers: { "Content-Type": "image/png" }, body: blob,
      });
      const answer = await response.json();
      if (!response.ok) throw new Error(answer.error || `server error ${response.status}`);
      showTeach(answer);
      if (apply) {
        refreshModel();
        schedule(0); // read the drawing again with the stepped weights
      }
    } catch (err) {
      document.body.dataset.teach = "error";
      document.getElementById("teach-result").hidden = false;
      document.getElementById("teach-loss").textContent = `Cannot teach: ${err.message}`;
    }
  }, "image/png");
}

// The formulas of the card in network.py's names, for a network of L layers: the output is AL.
const SLOPE = { relu: "[Z1 > 0]", "leaky-relu": "([Z1 > 0] + α·[Z1 ≤ 0])", sigmoid: "A1 ⊙ (1 − A1)", tanh: "(1 − A1²)" };
const BLAME = {
  relu: "only they get blame (ReLU passes none to silent ones).",
  "leaky-relu": "the silent ones get only the small share α of theirs (leaky ReLU's slope below 0).",
  sigmoid: "every unit gets some blame, scaled by the sigmoid's slope A1(1 − A1), at most ¼.",
  tanh: "every unit gets some blame, scaled by tanh's slope 1 − A1², at most 1.",
};
const DZ_TEXT = {
  "cross-entropy": "Each digit's share of the error: the digit you meant gets pulled up (negative), every " +
    "other one pushed down by its own probability.",
  "squared-error": "Each digit's share of the error: A − Y times the softmax's own slope, which is small " +
    "when the network is sure, so a confident mistake is corrected only slowly.",
};

function showTeach(a) {
  taught = a.label;
  teachDigits.querySelectorAll("button").forEach((b) => b.classList.toggle("chosen", Number(b.dataset.digit) === a.label));
  const y = a.label;
  const L = a.model.sizes.length - 1; // the output is AL, its error dZL
  const squared = a.model.loss === "squared-error";
  const loss = squared ? `loss = ½‖A${L} − Y‖²` : `loss = −log A${L}[${y}] = −log ${prob(a.probabilities[y])}`;
  document.getElementById("teach-loss").innerHTML =
    `${loss} = <b id="loss-before">${a.loss.toFixed(3)}</b>` +
    ` &nbsp;→&nbsp; after one step <code>θ ← θ − lr·dθ</code> with lr ${a.lr} on this drawing alone: ` +
    `A${L}[${y}] = ${prob(a.probabilities_after[y])}, loss <b id="loss-after">${a.loss_after.toFixed(3)}</b>`;
  document.getElementById("dz-formula").textContent = squared
    ? `dZ${L} = A${L} ⊙ (G − Σ G ⊙ A${L}), G = A${L} − Y`
    : `dZ${L} = A${L} − Y`;
  document.getElementById("dz-text").textContent = DZ_TEXT[a.model.loss];
  const dZ = a.dZ_output;
  const top = Math.max(...dZ.map(Math.abs)) || 1;
  dz2List.querySelectorAll("li").forEach((li, k) => {
    const v = dZ[k];
    li.classList.toggle("true", k === y);
    li.querySelector(".neg").style.width = `${v < 0 ? (50 * -v) / top : 0}%`;
    li.querySelector(".pos").style.width = `${v > 0 ? (50 * v) / top : 0}%`;
    li.querySelector(".value").textContent = num(v);
  });
  const activation = a.model.activation;
  document.getElementById("blame-formula").textContent = L > 1
    ? `dZ1 = dZ2·W2ᵀ ⊙ ${SLOPE[activation]}`
    : "no hidden layer";
  const back = L > 2 ? ` (dZ2 came back from dZ${L} the same way, one layer at a time)` : "";
  document.getElementById("blame-text").textContent = L > 1
    ? `${a.fired} of ${a.model.hidden[0]} units of hidden layer 1 fired for this drawing${back}; ` +
      `${BLAME[activation]} The ${a.blamed.length} with the largest |dZ1|, shown by their input weights ` +
      `W1[:, j] (red +, blue −). This step adds −lr·dZ1[j]·X to them: only where your drawing has ink.`
    : `This network has no hidden layer: the step moves W1, the output's own weights, by −lr·Xᵀ·dZ1.`;
  const box = document.getElementById("blamed");
  box.replaceChildren();
  const top1 = Math.max(...a.blamed.flatMap((u) => u.weights.map(Math.abs))) || 1;
  for (const u of a.blamed) {
    const fig = document.createElement("figure");
    const c = document.createElement("canvas");
    paintGrid(c, u.weights.map((w) => w / top1), 28, 28, diverging);
    const cap = document.createElement("figcaption");
    cap.textContent = `unit ${u.unit} · dZ1 ${num(u.dZ1)} · A1 ${u.A1.toFixed(2)}`;
    fig.append(c, cap);
    box.appendChild(fig);
  }
  document.getElementById("teach-note").textContent = a.applied
    ? "Applied: the served model took this step, and the drawing is read again with it."
    : "The served model is unchanged.";
  document.getElementById("teach-apply").disabled = a.applied;
  document.getElementById("teach-result").hidden = false;
  document.body.dataset.teach = a.applied ? "applied" : "ready";
}

// a gradient: three decimals, or two significant digits when it is smaller than that
const num = (v) => (v === 0 || Math.abs(v) >= 0.001 ? v.toFixed(3) : v.toExponential(1));

// a probability as a percentage, or in powers of ten when it rounds to 0.0%
const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
function prob(p) {
  if (p >= 0.0005) return `${(100 * p).toFixed(1)}%`;
  const [mantissa, exponent] = p.toExponential(1).split("e");
  return `${mantissa}×10${[...exponent.replace("+", "")].map((c) => SUPERSCRIPT[c]).join("")}`;
}

// weights in [−1, 1] → red (positive) or blue (negative) on black, as in `justnumpy plot`
const diverging = (v) => (v >= 0 ? [255 * v, 50 * v, 40 * v] : [40 * -v, 120 * -v, 255 * -v]);

// "256 hidden units", "hidden layers of 128 and 64 units"
function layersText(hidden) {
  if (hidden.length <= 1) return hidden.length ? `${hidden[0]} hidden units` : "no hidden layer";
  return `hidden layers of ${hidden.slice(0, -1).join(", ")} and ${hidden[hidden.length - 1]} units`;
}

function refreshModel() {
  fetch("/api/model").then((r) => r.json()).then((m) => {
    served = m;
    const acc = m.accuracy === null ? "" : `, ${(100 * m.accuracy).toFixed(2)}% on the test set`;
    const source = m.source === "file" ? "" : `, ${m.source}`;
    document.getElementById("model").textContent =
      `Model: ${m.name} (${layersText(m.hidden)}, ${m.activation}, ${m.loss}${acc}${source}).`;
    document.getElementById("arch").textContent = m.sizes.join("-");
    layoutHidden(m.hidden);
  }).catch(() => {});
}

refreshModel();
clearPad();
