// avfuse live dashboard: state from /api/events (server-sent events), drawn as SVG. No libraries.
"use strict";

const SPAN_MS = 60_000; // each timeline shows at most the last minute of its stream (event time)
const MIN_SPAN_MS = 5_000;
const THUMBS = 6; // latest windows shown as thumbnails per stream
const MODS = ["V", "A", "T", "M"];
const MOD_NAMES = ["video", "audio", "text", "metadata"];
const SVG = "http://www.w3.org/2000/svg";
const PALETTE = ["#4fb3ff", "#f5a524", "#46c37b", "#c77dff", "#ff7eb6", "#2ed3c6", "#e9d758",
  "#ff8a5b", "#8fa8ff", "#a3e05f", "#d98cff", "#5be0ff"];

const MAX_PER_STREAM = 300; // as the server's default --windows-per-stream: the page stays bounded
const RENDER_EVERY_MS = 250;

const windows = new Map(); // stream -> Map(startUs -> window)
const labelColors = new Map();
const dirty = new Set(); // streams to redraw
let lastRender = 0;

function colorOf(label) {
  if (!labelColors.has(label)) {
    labelColors.set(label, PALETTE[labelColors.size % PALETTE.length]);
  }
  return labelColors.get(label);
}

function upsert(w) {
  if (w.label === undefined) return; // an embedding before its prediction: wait for it
  let s = windows.get(w.stream);
  if (!s) windows.set(w.stream, (s = new Map()));
  s.set(String(w.startUs), w);
  if (s.size > MAX_PER_STREAM) {
    const oldest = [...s.values()].reduce((a, b) => (a.start <= b.start ? a : b));
    s.delete(String(oldest.startUs));
  }
  dirty.add(w.stream);
}

function el(tag, attrs = {}, text) {
  const e = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function time(ms) {
  return new Date(ms).toISOString().substring(11, 19);
}

function duration(ms) {
  if (ms === null || ms === undefined) return "–";
  if (Math.abs(ms) < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  if (Math.abs(ms) < 600_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

function frameUrl(w) {
  return "/frame/" + encodeURIComponent(w.stream) + "/" + w.startUs;
}

function presenceText(w) {
  return MODS.map((m, i) => (w.present && w.present[i] ? m : "-")).join("");
}

function tooltip(w) {
  return `${w.stream} ${time(w.start)}–${time(w.end)}\n${w.label} ${(w.confidence * 100).toFixed(0)} %` +
    `\npresent: ${MOD_NAMES.filter((_, i) => w.present && w.present[i]).join(", ") || "none"}` +
    (w.degraded ? "\nDEGRADED: a modality the model was trained on is missing" : "") +
    (w.latencyMs !== undefined ? `\nwindow end → emitted: ${duration(w.latencyMs)}` : "");
}

// ---- drawing -------------------------------------------------------------------------------

function render() {
  const changed = new Set(dirty);
  dirty.clear();
  const root = document.getElementById("streams");
  const names = [...windows.keys()].sort();
  document.getElementById("empty").style.display = names.length ? "none" : "";
  document.getElementById("stream-count").textContent = names.length ? `${names.length} live` : "";
  for (const card of [...root.children]) {
    if (!windows.has(card.dataset.stream)) card.remove(); // gone after a reconnect's snapshot
  }
  for (const name of names) {
    let card = root.querySelector(`.stream[data-stream="${CSS.escape(name)}"]`);
    if (card && !changed.has(name)) continue;
    if (!card) {
      card = el("div", { class: "stream card", "data-stream": name });
      root.appendChild(card);
      [...root.children]
        .sort((a, b) => a.dataset.stream.localeCompare(b.dataset.stream))
        .forEach((c) => root.appendChild(c));
    }
    drawStream(card, [...windows.get(name).values()].sort((a, b) => a.start - b.start));
  }
  drawLegend();
}

function drawLegend() {
  const legend = document.getElementById("legend");
  legend.replaceChildren();
  for (const [label, c] of labelColors) {
    const s = el("span", {}, label);
    s.style.setProperty("--c", c);
    legend.appendChild(s);
  }
  legend.appendChild(el("span", { class: "deg" }, "degraded period"));
}

function drawStream(card, ws) {
  const last = ws[ws.length - 1];
  const head = el("div", { class: "stream-head" });
  head.appendChild(el("span", { class: "name" }, last.stream));
  const now = el("span", { class: "now" });
  now.append("now ", el("b", {}, last.label), ` ${(last.confidence * 100).toFixed(0)} %`);
  head.appendChild(now);
  const badges = el("span", { class: "badges", title: "modalities present in the latest window" });
  MODS.forEach((m, i) => badges.appendChild(el("span", { class: last.present[i] ? "on" : "" }, m)));
  head.appendChild(badges);
  if (last.degraded) head.appendChild(el("span", { class: "tag-degraded" }, "DEGRADED"));
  const degradedCount = ws.filter((w) => w.degraded).length;
  head.appendChild(el("span", { class: "now" }, `${ws.length} windows, ${degradedCount} degraded`));

  const body = el("div", { class: "stream-body" });
  body.appendChild(timeline(ws));
  const thumbs = el("div", { class: "thumbs" });
  for (const w of ws.slice(-THUMBS)) {
    const fig = el("figure", { class: w.degraded ? "deg" : "", title: tooltip(w) });
    fig.appendChild(w.thumbnail ? el("img", { src: frameUrl(w), alt: `frame at ${time(w.start)}` })
      : el("div", { class: "noimg" }));
    fig.appendChild(el("figcaption", {}, `${time(w.start)} ${w.label}`));
    thumbs.appendChild(fig);
  }
  body.appendChild(thumbs);
  card.replaceChildren(head, body);
}

function timeline(ws) {
  const W = 900, H = 132, left = 18, right = 6, barTop = 6, barH = 56, laneTop = 68, laneH = 9;
  const end = ws[ws.length - 1].end;
  // The last minute, or less while the stream is younger, so that a few windows fill the width.
  const start = end - Math.min(SPAN_MS, Math.max(MIN_SPAN_MS, end - ws[0].start));
  const span = end - start;
  const x = (t) => left + ((t - start) / span) * (W - left - right);
  const svg = el("svg:svg", { class: "timeline", viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none" });
  const shown = ws.filter((w) => w.end > start);
  // Degraded periods: runs of consecutive degraded windows, one band each.
  let run = null;
  const bands = [];
  for (const w of shown) {
    if (w.degraded) {
      if (run && w.start <= run.end + 1) run.end = w.end;
      else bands.push((run = { start: w.start, end: w.end }));
    } else run = null;
  }
  for (const b of bands) {
    svg.appendChild(el("svg:rect", {
      class: "degraded", x: x(Math.max(start, b.start)), y: 1,
      width: Math.max(1, x(b.end) - x(Math.max(start, b.start))), height: laneTop + 4 * (laneH + 2),
    })).appendChild(el("svg:title", {}, `degraded ${time(b.start)}–${time(b.end)}`));
  }
  // A lane is red where a modality the stream had in its last full window is missing from a
  // degraded one: what went missing, as far as the page can tell (it does not know which
  // modalities the model was trained on; the prediction's degraded flag does).
  const full = shown.filter((w) => !w.degraded);
  const usual = MODS.map((_, i) => full.some((w) => w.present && w.present[i]));
  for (const w of shown) {
    const x0 = x(Math.max(start, w.start)), wd = Math.max(1, x(w.end) - x0 - 1);
    const h = Math.max(2, barH * w.confidence);
    const r = el("svg:rect", {
      class: "win", x: x0, y: barTop + barH - h, width: wd, height: h, fill: colorOf(w.label),
      "data-start": w.startUs, "data-label": w.label,
    });
    r.appendChild(el("svg:title", {}, tooltip(w)));
    svg.appendChild(r);
    MODS.forEach((_, i) => {
      const on = w.present && w.present[i];
      svg.appendChild(el("svg:rect", {
        class: on ? "lane-on" : "lane-off" + (w.degraded && usual[i] ? " deg" : ""),
        x: x0, y: laneTop + i * (laneH + 2), width: wd, height: laneH,
      }));
    });
  }
  const lanes = el("svg:g", { class: "lane" });
  MODS.forEach((m, i) => lanes.appendChild(el("svg:text", { x: 2, y: laneTop + i * (laneH + 2) + 8 }, m)));
  svg.appendChild(lanes);
  const axis = el("svg:g", { class: "axis" });
  const step = [1_000, 2_000, 5_000, 10_000].find((st) => span / st <= 12) || 10_000;
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) {
    if (x(t) < left + 24 || x(t) > W - right - 24) continue; // a label would be cut off
    axis.appendChild(el("svg:line", { x1: x(t), x2: x(t), y1: H - 16, y2: H - 12 }));
    axis.appendChild(el("svg:text", { x: x(t), y: H - 2, "text-anchor": "middle" }, time(t)));
  }
  svg.appendChild(axis);
  return svg;
}

function drawStats(s) {
  document.getElementById("c-predictions").textContent = s.predictions;
  document.getElementById("c-embeddings").textContent = s.embeddings;
  document.getElementById("c-frames").textContent = s.frames;
  document.getElementById("c-model").textContent = s.modelVersion || "–";
  document.getElementById("search-model").textContent = s.searchModel ? `model ${s.searchModel}` : "no model: search is off";
  const body = document.querySelector("#latency tbody");
  body.replaceChildren();
  for (const l of s.latency) {
    const tr = el("tr", { "data-kind": l.kind });
    tr.appendChild(el("td", {}, l.title));
    for (const k of ["p50", "p90", "p99"]) tr.appendChild(el("td", {}, duration(l[k])));
    tr.appendChild(el("td", {}, l.n));
    body.appendChild(tr);
  }
  if (s.kafkaError) setConnection(false, "Kafka: " + s.kafkaError);
}

// ---- live updates --------------------------------------------------------------------------

function setConnection(on, text) {
  const c = document.getElementById("connection");
  c.className = "conn " + (on ? "on" : "off");
  c.textContent = text;
}

function connect() {
  const es = new EventSource("/api/events");
  es.addEventListener("snapshot", (e) => {
    const snap = JSON.parse(e.data);
    windows.clear();
    snap.windows.forEach(upsert);
    drawStats(snap.stats);
    dirty.add("");
    setConnection(true, "live");
  });
  es.addEventListener("window", (e) => upsert(JSON.parse(e.data)));
  es.addEventListener("stats", (e) => {
    setConnection(true, "live");
    drawStats(JSON.parse(e.data));
  });
  es.onerror = () => setConnection(false, "reconnecting…");
}

function frame(now) {
  if (dirty.size && now - lastRender >= RENDER_EVERY_MS) {
    lastRender = now;
    render();
  }
  requestAnimationFrame(frame);
}

// ---- search --------------------------------------------------------------------------------

async function search(ev) {
  ev.preventDefault();
  const q = document.getElementById("search-input").value.trim();
  const against = document.getElementById("search-against").value;
  const status = document.getElementById("search-status");
  const list = document.getElementById("results");
  if (!q) return;
  status.className = "";
  status.textContent = "searching…";
  const res = await fetch(`/api/search?k=8&against=${encodeURIComponent(against)}&q=${encodeURIComponent(q)}`);
  const body = await res.json();
  list.replaceChildren();
  if (!res.ok) {
    status.className = "error";
    status.textContent = body.error;
    return;
  }
  status.textContent = `${body.results.length} of ${body.compared} windows, ranked by cosine against ` +
    `the ${body.against} vector (model ${body.model})` +
    (body.skipped ? `; ${body.skipped} windows embedded by other models (${body.otherModels.join(", ")}) not compared` : "");
  for (const w of body.results) {
    const li = el("li", { class: "result", "data-stream": w.stream, "data-start": w.startUs, title: tooltip(w) });
    li.appendChild(w.thumbnail ? el("img", { src: frameUrl(w), alt: "" }) : el("div", { class: "noimg" }));
    const meta = el("div", { class: "meta" });
    meta.append(el("span", { class: "score" }, w.score.toFixed(3)), " ", el("b", {}, w.stream), el("br"),
      `${time(w.start)}–${time(w.end)}`, el("br"),
      `${w.label ?? "?"} ${w.confidence !== undefined ? (w.confidence * 100).toFixed(0) + " %" : ""} · ${presenceText(w)}` +
      (w.degraded ? " · degraded" : ""));
    li.appendChild(meta);
    list.appendChild(li);
  }
}

document.getElementById("search-form").addEventListener("submit", (e) => {
  search(e).catch((err) => {
    const status = document.getElementById("search-status");
    status.className = "error";
    status.textContent = String(err);
  });
});
connect();
requestAnimationFrame(frame);
