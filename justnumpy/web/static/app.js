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
  setState("ready", String(answer.digit), `${(100 * p[answer.digit]).toFixed(1)}% sure it is a ${answer.digit}`);
  bars.querySelectorAll("li").forEach((li, k) => {
    li.classList.toggle("top", k === answer.digit);
    li.querySelector(".fill").style.width = `${(100 * p[k]).toFixed(1)}%`;
    li.querySelector(".value").textContent = `${(100 * p[k]).toFixed(1)}%`;
  });
  paintGrid(document.getElementById("input"), answer.input.flat(), 28, 28, gray);
  const n = answer.hidden.length;
  const cols = Math.ceil(Math.sqrt(n));
  const top = Math.max(...answer.hidden) || 1;
  paintGrid(document.getElementById("hidden"), answer.hidden.map((a) => a / top), cols, Math.ceil(n / cols), heat);
  const active = answer.hidden.filter((a) => a > 0).length;
  document.getElementById("hidden-count").textContent = `${active} of ${n} units active`;
}

function showEmpty(text) {
  setState("empty", "?", text);
  bars.querySelectorAll("li").forEach((li) => {
    li.classList.remove("top");
    li.querySelector(".fill").style.width = "0";
    li.querySelector(".value").textContent = "–";
  });
  for (const id of ["input", "hidden"]) {
    const c = document.getElementById(id);
    c.getContext("2d").clearRect(0, 0, c.width, c.height);
  }
  document.getElementById("hidden-count").textContent = "The hidden units";
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

fetch("/api/model").then((r) => r.json()).then((m) => {
  document.getElementById("model").textContent = `Model: ${m.name} (${m.hidden} hidden units).`;
}).catch(() => {});
clearPad();
