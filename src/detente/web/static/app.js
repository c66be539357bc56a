// detente explorer: builds the form from /api/scenarios, runs jobs through /api/jobs, draws with plotly.
"use strict";

const KNOB_LABELS = {
  "elite.h0": ["Cold-War cohort share h0", "share of the elite from the Cold-War cohort at the start"],
  "elite.eta": ["Cohort exit hazard η", "annual exit hazard of the Cold-War cohort"],
  "elite.r_old": ["Relative-gains weight, old r_old", "zero-sum weight of the Cold-War cohort"],
  "elite.r_new": ["Relative-gains weight, new r_new", "zero-sum weight of the post-Cold-War cohort"],
  "behaviour.eps": ["Implementation noise ε", "an intended move is flipped with this probability"],
  "behaviour.mu": ["Perception noise μ", "the other side sees this side's moves flipped"],
};
const REGIME_COLOURS = { strategic: "#1b7837", tactical: "#d98a1a", frozen: "#5a6f86" };
const SIDE_COLOURS = ["#24587a", "#b2182b", "#6a3d9a", "#33a02c"];

const state = { limits: null, source: { scenario: "reset-2009" }, desc: null, polling: null, stored: {} };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (k === "html") node.innerHTML = v;
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

async function api(method, path, body) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    // Seeds go up to 2^64-1, beyond exact JavaScript numbers: a BigInt is written as a bare JSON integer.
    opts.body = JSON.stringify(body, (k, v) => (typeof v === "bigint" ? `__bigint:${v}__` : v))
      .replace(/"__bigint:(\d+)__"/g, "$1");
  }
  let res;
  try {
    res = await fetch(path, opts);
  } catch (err) {
    return { ok: false, status: 0, data: { detail: "the server cannot be reached", problems: [] } };
  }
  let data = null;
  try { data = await res.json(); } catch (err) { data = { detail: res.statusText, problems: [] }; }
  return { ok: res.ok, status: res.status, data };
}

const fmt = (x, d = 3) => (x === null || x === undefined || Number.isNaN(x) ? "–" : Number(x).toFixed(d));
const fmtInt = (x) => Number(x).toLocaleString("en-US");

// ---- months <-> slider positions -----------------------------------------------------------------
function monthIndex(start, ym) {
  return (Number(ym.slice(0, 4)) - Number(start.slice(0, 4))) * 12 + Number(ym.slice(5, 7)) - Number(start.slice(5, 7));
}
function monthLabel(start, i) {
  const total = Number(start.slice(0, 4)) * 12 + Number(start.slice(5, 7)) - 1 + i;
  return `${String(Math.floor(total / 12)).padStart(4, "0")}-${String((total % 12) + 1).padStart(2, "0")}`;
}

// ---- errors next to fields -----------------------------------------------------------------------
function problemHtml(p) {
  const where = [p.field ? `<code>${escapeHtml(p.field)}</code>` : "", p.line ? `line ${p.line}` : ""].filter(Boolean).join(", ");
  return `<li data-field="${escapeHtml(p.field || "")}">${where ? where + ": " : ""}${escapeHtml(p.message)}</li>`;
}

function showList(box, detail, problems) {
  box.innerHTML = `<b>${escapeHtml(detail)}</b>` + (problems && problems.length ? `<ul>${problems.map(problemHtml).join("")}</ul>` : "");
  box.hidden = false;
}

function clearFieldErrors() {
  document.querySelectorAll(".field-error").forEach((n) => { n.hidden = true; n.textContent = ""; });
  document.querySelectorAll(".has-error").forEach((n) => n.classList.remove("has-error"));
  $("job-errors").hidden = true;
}

// Problems whose field names a form control go next to it; the rest go to the list under the buttons.
function showJobProblems(detail, problems) {
  clearFieldErrors();
  const rest = [];
  for (const p of problems || []) {
    const field = p.field || "";
    const key = field.startsWith("overrides.") ? field.slice(10) : field.split(":")[0];
    const target = document.querySelector(`.field-error[data-for="${CSS.escape(key)}"]`);
    if (target) {
      target.innerHTML = escapeHtml(p.message);
      target.hidden = false;
      target.parentElement.classList.add("has-error");
    } else rest.push(p);
  }
  if (rest.length || !(problems || []).length) showList($("job-errors"), detail, rest);
}

// ---- the form ------------------------------------------------------------------------------------
function knobControl(path, value, label, help) {
  const id = "knob-" + path.replace(/\./g, "-");
  const disabled = value === null;
  const input = el("input", { type: "range", id, min: 0, max: 1, step: 0.01, value: disabled ? 0 : value,
    "data-path": path, "data-default": disabled ? "" : value, disabled, title: help });
  const out = el("output", { for: id, text: disabled ? "distribution" : fmt(value, 2) });
  input.addEventListener("input", () => { out.textContent = fmt(input.value, 2); });
  return el("div", { class: "knob" },
    el("label", { for: id }, el("span", { text: label }), out), input,
    el("div", { class: "field-error", "data-for": path, hidden: true }));
}

function dateControl(key, label, start, end, value) {
  const max = monthIndex(start, end);
  const id = "date-" + key;
  const input = el("input", { type: "range", id, min: 0, max, step: 1, value: monthIndex(start, value),
    "data-date": key, "data-default": monthIndex(start, value) });
  const out = el("output", { for: id, text: value });
  input.addEventListener("input", () => { out.textContent = monthLabel(start, Number(input.value)); });
  return el("div", { class: "knob" }, el("label", { for: id }, el("span", { text: label }), out), input,
    el("div", { class: "field-error", "data-for": key, hidden: true }));
}

function buildForm(desc) {
  state.desc = desc;
  $("scenario-title").textContent = desc.title;
  const world = $("world");
  world.replaceChildren(...desc.worlds.map((w) => el("option", { value: w.id, text: w.label })),
    el("option", { value: "", text: "(as written, no world)" }));
  const describeWorld = () => {
    const w = desc.worlds.find((x) => x.id === world.value);
    $("world-note").textContent = w ? w.description : "The scenario's sides as written in the file.";
  };
  world.onchange = describeWorld;
  describeWorld();

  $("conditions").replaceChildren(...desc.conditions.map((c) => el("div", { class: "check" },
    el("input", { type: "checkbox", id: "cond-" + c.id, value: c.id, "data-condition": c.id }),
    el("label", { for: "cond-" + c.id }, c.label, el("small", { text: c.description })))));
  if (!desc.conditions.length) $("conditions").append(el("p", { class: "note", text: "This scenario defines no conditions." }));

  const knobs = $("knobs");
  knobs.replaceChildren();
  for (const side of desc.sides) {
    const fs = el("fieldset", {}, el("legend", { text: `${side.name} (${side.id})` }));
    for (const [path, value] of Object.entries(side.knobs)) {
      const key = path.split(".").slice(2).join(".");
      const [label, help] = KNOB_LABELS[key] || [key, ""];
      fs.append(knobControl(path, value, label, help));
    }
    knobs.append(fs);
  }
  const dates = $("dates");
  dates.replaceChildren();
  if (desc.threat_start) dates.append(dateControl("threat_start", "Shared threat starts", desc.start, desc.end, desc.threat_start));
  if (desc.inclusion_start) dates.append(dateControl("inclusion_start", "Inclusion offered (and joined)", desc.start, desc.end, desc.inclusion_start));

  const runs = $("runs");
  runs.max = Math.min(state.limits ? state.limits.max_runs : 20000, 20000);
  runs.value = Math.min(1000, Number(runs.max));
  $("runs-value").textContent = fmtInt(runs.value);
  $("seed").value = desc.seed_text ?? String(desc.seed);
  clearFieldErrors();
}

function collectRequest(kind) {
  const req = { kind, ...state.source, runs: Number($("runs").value) };
  const seed = $("seed").value.trim();
  if (/^[0-9]+$/.test(seed)) req.seed = BigInt(seed);  // exact; the server refuses seeds over 2^64-1
  else if (seed) req.seed = seed;  // refused by the server with a message at the seed field
  const overrides = {};
  document.querySelectorAll("#knobs input[data-path]").forEach((inp) => {
    if (!inp.disabled && Number(inp.value) !== Number(inp.dataset.default)) overrides[inp.dataset.path] = Number(inp.value);
  });
  req.overrides = overrides;
  document.querySelectorAll("#dates input[data-date]").forEach((inp) => {
    if (Number(inp.value) !== Number(inp.dataset.default)) req[inp.dataset.date] = monthLabel(state.desc.start, Number(inp.value));
  });
  const checked = [...document.querySelectorAll("#conditions input:checked")].map((c) => c.value);
  if (kind === "simulate") {
    req.conditions = checked;
    if ($("world").value) req.world = $("world").value;
  }
  return req;
}

// ---- jobs ----------------------------------------------------------------------------------------
function setProgress(fraction, text, stateName) {
  const bar = $("progress");
  bar.value = fraction;
  bar.dataset.state = stateName;
  $("job-status").textContent = text;
}

function setBusy(busy) {
  $("run").disabled = busy;
  $("run-factorial").disabled = busy;
}

async function startJob(kind) {
  clearFieldErrors();
  const res = await api("POST", "/api/jobs", collectRequest(kind));
  if (!res.ok) {
    setProgress(0, res.status === 429 ? "The server is busy; try again shortly." : "The job was refused.", "refused");
    showJobProblems(res.data.detail, res.data.problems);
    return;
  }
  setBusy(true);
  setProgress(0, `Queued: ${res.data.label}`, "queued");
  poll(res.data.id);
}

function poll(id) {
  clearTimeout(state.polling);
  const tick = async () => {
    const res = await api("GET", `/api/jobs/${id}`);
    if (!res.ok) { setBusy(false); setProgress(0, res.data.detail, "failed"); return; }
    const job = res.data;
    if (job.status === "queued" || job.status === "running") {
      const what = job.status === "queued" ? "Waiting for a worker" : `Running: ${fmtInt(job.done)} of ${fmtInt(job.total)} runs`;
      setProgress(job.fraction, what, job.status);
      state.polling = setTimeout(tick, 250);
      return;
    }
    setBusy(false);
    if (job.status === "failed") {
      setProgress(0, "The job failed.", "failed");
      const r = await api("GET", `/api/jobs/${id}/result`);
      showJobProblems(r.data.detail, r.data.problems);
      return;
    }
    const r = await api("GET", `/api/jobs/${id}/result`);
    if (!r.ok) { setProgress(0, r.data.detail, "failed"); return; }
    if (r.data.result.kind === "factorial") drawFactorial(r.data.result, job);
    else drawSimulation(r.data.result, job);
    setProgress(1, `Done: ${fmtInt(job.total)} runs in ${job.seconds.toFixed(1)} s.`, "done");
  };
  tick();
}

// ---- drawing -------------------------------------------------------------------------------------
const PLOT_CONFIG = { displaylogo: false, responsive: true };
const baseLayout = (title, ytitle) => ({
  title: { text: title, font: { size: 14 } }, margin: { l: 55, r: 20, t: 40, b: 40 }, height: 320,
  yaxis: { title: { text: ytitle }, range: [0, 1] }, legend: { orientation: "h", y: -0.15 },
  paper_bgcolor: "#fff", plot_bgcolor: "#fff",
});

function card(label, value, se) {
  return el("div", { class: "card" }, el("b", { text: fmt(value) }), el("span", { text: `${label}${se !== undefined ? " ± " + fmt(se) : ""}` }));
}

function drawSimulation(res, job) {
  $("results-empty").hidden = true;
  $("result-label").textContent = `— ${job.label}`;
  const s = res.summary;
  const sides = Object.keys(res.trust);
  $("summary").replaceChildren(
    card("P(strategic at horizon)", s.p_strategic_end, s.se_p_strategic_end),
    card("P(durable partnership)", s.p_durable, s.se_p_durable),
    card("mean cooperation index", s.mean_ci, s.se_mean_ci),
    ...sides.map((side) => card(`median trust of ${side}`, s[`median_trust_${side}`], s[`se_median_trust_${side}`])));
  const regimes = Object.entries(res.regime_prob).map(([name, ys]) => ({
    x: res.months, y: ys, name, type: "scatter", mode: "lines", stackgroup: "regime",
    line: { width: 0.5, color: REGIME_COLOURS[name] }, fillcolor: REGIME_COLOURS[name] + "cc",
  }));
  Plotly.react("plot-regimes", regimes, baseLayout("Regime probabilities over time", "share of runs"), PLOT_CONFIG);
  const traces = [];
  sides.forEach((side, i) => {
    const q = res.trust[side];
    const c = SIDE_COLOURS[i % SIDE_COLOURS.length];
    const band = (lo, hi, alpha, name) => {
      traces.push({ x: res.months, y: q[lo], type: "scatter", mode: "lines", line: { width: 0 }, showlegend: false, hoverinfo: "skip", legendgroup: side });
      traces.push({ x: res.months, y: q[hi], type: "scatter", mode: "lines", line: { width: 0 }, fill: "tonexty",
        fillcolor: c + alpha, name, legendgroup: side, hoverinfo: "skip" });
    };
    band("q05", "q95", "26", `${side}: 5–95%`);
    band("q25", "q75", "55", `${side}: 25–75%`);
    traces.push({ x: res.months, y: q.q50, type: "scatter", mode: "lines", line: { color: c, width: 2 }, name: `${side}: median trust`, legendgroup: side });
  });
  Plotly.react("plot-trust", traces, baseLayout("Trust in the other side (fan chart over runs)", "Pr(other is benign)"), PLOT_CONFIG);
}

function drawFactorial(res, job) {
  $("factorial-empty").hidden = true;
  $("factorial-label").textContent = `— ${fmtInt(res.runs)} runs per cell, seed ${res.seed_text ?? res.seed}`;
  $("verdict").replaceChildren(...res.sentences.map((t) => el("li", { text: t })));
  const head = el("tr", {}, el("th", { class: "l", text: "world" }), el("th", { class: "l", text: "cell" }),
    el("th", { text: "P(strategic at horizon)" }), el("th", { text: "P(durable)" }), el("th", { text: "mean cooperation index" }),
    ...res.sides.map((s) => el("th", { text: `median trust ${s}` })));
  const threshold = res.verdict.thresholds.durable_cell;
  const rows = res.rows.map((r) => el("tr", { class: r.p_durable > threshold ? "durable" : null },
    el("td", { class: "l", text: r.world || "base" }), el("td", { class: "l", text: r.cell }),
    el("td", { text: `${fmt(r.p_strategic_end)} ± ${fmt(r.se_p_strategic_end)}` }),
    el("td", { text: `${fmt(r.p_durable)} ± ${fmt(r.se_p_durable)}` }),
    el("td", { text: `${fmt(r.mean_ci)} ± ${fmt(r.se_mean_ci)}` }),
    ...res.sides.map((s) => el("td", { text: `${fmt(r["median_trust_" + s])} ± ${fmt(r["se_median_trust_" + s])}` }))));
  $("factorial-table").replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
  const worlds = [...new Set(res.rows.map((r) => r.world))];
  const traces = worlds.map((w, i) => {
    const rs = res.rows.filter((r) => r.world === w);
    return { type: "bar", name: w || "base", x: rs.map((r) => r.cell.replace(/ \+ /g, "<br>+ ")), y: rs.map((r) => r.p_durable),
      error_y: { type: "data", array: rs.map((r) => 1.96 * (r.se_p_durable || 0)), visible: true },
      marker: { color: SIDE_COLOURS[i % SIDE_COLOURS.length] } };
  });
  const layout = baseLayout("P(durable partnership) by cell and world", "P(durable)");
  layout.barmode = "group";
  layout.height = 360;
  layout.margin.b = 70;
  layout.xaxis = { tickangle: 0, tickfont: { size: 10 } };
  layout.title.x = 0.01;
  layout.title.xanchor = "left";
  layout.legend = { orientation: "h", x: 1, xanchor: "right", y: 1.1 };
  layout.shapes = [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: threshold, y1: threshold, line: { dash: "dot", color: "#888" } }];
  Plotly.react("plot-factorial", traces, layout, PLOT_CONFIG);
}

// ---- scenario choice and upload ------------------------------------------------------------------
async function loadBundled(name) {
  const res = await api("GET", `/api/scenarios/${encodeURIComponent(name)}`);
  if (!res.ok) { showList($("upload-errors"), res.data.detail, res.data.problems); return; }
  state.source = { scenario: name };
  $("upload-status").hidden = true;
  $("upload-errors").hidden = true;
  $("upload").closest("section").classList.remove("has-error");
  buildForm(res.data);
}

async function onUpload() {
  const file = $("upload").files[0];
  if (!file) return;
  const box = $("upload-errors");
  if (state.limits && file.size > state.limits.max_upload_bytes) {
    showList(box, `${file.name} is ${fmtInt(file.size)} bytes; the limit is ${fmtInt(state.limits.max_upload_bytes)}.`, []);
    return;
  }
  const text = await file.text();
  const res = await api("POST", "/api/validate", { yaml: text, filename: file.name });
  if (!res.ok) {
    showList(box, `${file.name} cannot be used: ${res.data.detail}`, res.data.problems);
    box.dataset.file = file.name;
    $("upload").closest("section").classList.add("has-error");
    return;
  }
  box.hidden = true;
  $("upload").closest("section").classList.remove("has-error");
  state.source = { yaml: text, filename: file.name };
  const status = $("upload-status");
  status.textContent = `Using the uploaded file ${file.name} (scenario ${res.data.scenario.name}).`;
  status.hidden = false;
  buildForm(res.data.scenario);
}

// ---- stored experiments --------------------------------------------------------------------------
async function loadStores() {
  const res = await api("GET", "/api/stores");
  const select = $("store-select");
  const names = res.ok ? res.data.map((s) => s.name) : [];
  if (!names.includes("detente-results.duckdb")) names.unshift("detente-results.duckdb");
  select.replaceChildren(...names.map((n) => el("option", { value: n, text: n })));
  await loadExperiments();
}

async function loadExperiments() {
  const store = $("store-select").value;
  const res = await api("GET", `/api/experiments?store=${encodeURIComponent(store)}`);
  const table = $("experiments");
  $("stored-errors").hidden = true;
  if (!res.ok) { table.replaceChildren(); showList($("stored-errors"), res.data.detail, res.data.problems); return; }
  $("stored-empty").hidden = res.data.length > 0;
  if (!res.data.length) { table.replaceChildren(); return; }
  const head = el("tr", {}, el("th", { text: "compare" }), ...["name", "model", "design", "points", "done", "runs", "updated"].map((h) => el("th", { class: "l", text: h })), el("th", { text: "" }));
  const rows = res.data.map((e) => el("tr", {},
    el("td", {}, el("input", { type: "checkbox", class: "pick", value: e.name, "aria-label": `compare ${e.name}` })),
    el("td", { class: "l", text: e.name }), el("td", { class: "l", text: e.model ?? "" }), el("td", { class: "l", text: e.design ?? "" }),
    el("td", { text: e.points ?? "" }), el("td", { text: e.done ?? "" }), el("td", { text: e.runs ?? "" }),
    el("td", { class: "l", text: (e.updated_at || "").slice(0, 16).replace("T", " ") }),
    el("td", {}, el("button", { type: "button", class: "quiet open", "data-name": e.name, text: "Open" }))));
  table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
  table.querySelectorAll("button.open").forEach((b) => b.addEventListener("click", () => openExperiment(b.dataset.name)));
  table.querySelectorAll("input.pick").forEach((c) => c.addEventListener("change", () => {
    $("compare").disabled = table.querySelectorAll("input.pick:checked").length < 2;
  }));
}

async function fetchExperiment(name) {
  const store = $("store-select").value;
  const key = `${store}/${name}`;
  if (!state.stored[key]) {
    const res = await api("GET", `/api/experiments/${encodeURIComponent(name)}?store=${encodeURIComponent(store)}`);
    if (!res.ok) { showList($("stored-errors"), res.data.detail, res.data.problems); return null; }
    state.stored[key] = res.data;
  }
  return state.stored[key];
}

async function openExperiment(name) {
  const e = await fetchExperiment(name);
  if (!e) return;
  const head = el("tr", {}, el("th", { class: "l", text: "outcome" }), ...["mean", "sd", "min", "max"].map((h) => el("th", { text: h })));
  const rows = e.outcomes.map((o) => el("tr", {}, el("td", { class: "l", text: o }),
    ...["mean", "std", "min", "max"].map((k) => el("td", { text: fmt(e.stats[o][k]) }))));
  const cellRows = Object.entries(e.by_cell).slice(0, 60).map(([cell, vals]) => el("tr", {}, el("td", { class: "l", text: cell }),
    ...e.outcomes.map((o) => el("td", { text: fmt(vals[o]) }))));
  $("experiment-detail").replaceChildren(
    el("h3", { text: `${e.name} — ${e.design} design, ${fmtInt(e.points)} points, ${e.runs ?? "?"} runs per point` }),
    el("p", { class: "note", text: `Parameters: ${e.parameters.join(", ") || "none"}.` }),
    el("div", { class: "table-wrap" }, el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows))),
    cellRows.length ? el("div", { class: "table-wrap" }, el("table", {},
      el("thead", {}, el("tr", {}, el("th", { class: "l", text: "world / cell (mean over points)" }), ...e.outcomes.map((o) => el("th", { text: o })))),
      el("tbody", {}, ...cellRows))) : null);
}

async function compareSelected() {
  const names = [...document.querySelectorAll("#experiments input.pick:checked")].map((c) => c.value);
  const found = (await Promise.all(names.map(fetchExperiment))).filter(Boolean);
  if (found.length < 2) return;
  const outcomes = found[0].outcomes.filter((o) => found.every((e) => e.outcomes.includes(o)));
  const box = $("plot-compare");
  box.hidden = false;
  if (!outcomes.length) { box.textContent = "These experiments share no outcome to compare."; return; }
  const traces = found.map((e, i) => ({
    type: "bar", name: e.name, x: outcomes, y: outcomes.map((o) => e.stats[o].mean),
    error_y: { type: "data", array: outcomes.map((o) => e.stats[o].std || 0), visible: true },
    marker: { color: SIDE_COLOURS[i % SIDE_COLOURS.length] },
  }));
  const layout = baseLayout("Stored experiments: mean of each outcome (± sd over points)", "value");
  delete layout.yaxis.range;
  layout.barmode = "group";
  Plotly.react(box, traces, layout, PLOT_CONFIG);
}

// ---- start ---------------------------------------------------------------------------------------
async function main() {
  const health = await api("GET", "/api/health");
  if (health.ok) state.limits = health.data.limits;
  const res = await api("GET", "/api/scenarios");
  const select = $("scenario-select");
  if (res.ok) select.replaceChildren(...res.data.map((s) => el("option", { value: s.name, text: `${s.name} — ${s.title}` })));
  select.addEventListener("change", () => { $("upload").value = ""; loadBundled(select.value); });
  $("upload").addEventListener("change", onUpload);
  $("runs").addEventListener("input", () => { $("runs-value").textContent = fmtInt($("runs").value); });
  $("run").addEventListener("click", () => startJob("simulate"));
  $("run-factorial").addEventListener("click", () => startJob("factorial"));
  $("reset").addEventListener("click", () => state.desc && buildForm(state.desc));
  $("store-select").addEventListener("change", loadExperiments);
  $("refresh-stored").addEventListener("click", loadStores);
  $("compare").addEventListener("click", compareSelected);
  if (select.value) await loadBundled(select.value);
  await loadStores();
  document.body.dataset.ready = "1";
}

main();
