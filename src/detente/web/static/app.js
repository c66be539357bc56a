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

const state = { limits: null, source: { scenario: "reset-2009" }, desc: null, polling: null, stored: {},
  sim: null, factorial: null, story: null, fields: null };
const $ = (id) => document.getElementById(id);

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
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
      const group = target.closest("details");
      if (group) group.open = true;
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
  input.addEventListener("input", () => { out.textContent = fmt(input.value, 2); syncEditorFromSlider(input); });
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
  buildEditor(desc);
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
  req.params = editorParams();
  document.querySelectorAll("#dates input[data-date]").forEach((inp) => {
    if (Number(inp.value) !== Number(inp.dataset.default)) req[inp.dataset.date] = monthLabel(state.desc.start, Number(inp.value));
  });
  const checked = [...document.querySelectorAll("#conditions input:checked")].map((c) => c.value);
  if (kind === "simulate" || kind === "story") {
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
  $("story-run").disabled = busy;
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
    else if (r.data.result.kind === "story") startStory(r.data.result, job);
    else drawSimulation(r.data.result, job);
    const runs = job.kind === "story" ? "one run" : `${fmtInt(job.total)} runs`;
    setProgress(1, `Done: ${runs} in ${job.seconds.toFixed(1)} s.`, "done");
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
  state.sim = { res, label: job.label };
  $("results-empty").hidden = true;
  $("sim-downloads").hidden = false;
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
  state.factorial = res;
  $("factorial-empty").hidden = true;
  $("factorial-downloads").hidden = false;
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
  resetResults();
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
  resetResults();
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

// Compare like with like: the server says what differs (/api/lab/compare); a refusal shows the differences and
// no chart, a warning shows them above a chart of the means over the cells the experiments share.
function compareNote() {
  let note = $("compare-note");
  if (!note) {
    note = el("div", { id: "compare-note", class: "compare-note", role: "status", style: "margin:.5rem 0" });
    $("plot-compare").before(note);
  }
  return note;
}

function differencesTable(res) {
  const head = el("tr", {}, el("th", { class: "l", text: "what differs" }),
    ...res.experiments.map((n) => el("th", { class: "l", text: n })), el("th", { class: "l", text: "why it matters" }));
  const colour = { refuse: "background:#fdecec;color:#a4161a", warn: "background:#fff6e0" };
  const rows = res.differences.map((d) => el("tr", { class: `diff-${d.severity}`, "data-field": d.field, style: colour[d.severity] },
    el("td", { class: "l", text: `${d.field}${d.severity === "refuse" ? " (refused)" : ""}` }),
    ...res.experiments.map((n) => el("td", { class: "l", text: d.values[n] ?? "" })), el("td", { class: "l", text: d.why })));
  return el("div", { class: "table-wrap" }, el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows)));
}

async function compareSelected() {
  const names = [...document.querySelectorAll("#experiments input.pick:checked")].map((c) => c.value);
  if (names.length < 2) return;
  const store = $("store-select").value;
  const query = names.map((n) => `names=${encodeURIComponent(n)}`).join("&");
  const res = await api("GET", `/api/lab/compare?store=${encodeURIComponent(store)}&${query}`);
  const box = $("plot-compare");
  const note = compareNote();
  if (!res.ok) { box.hidden = true; showList(note, res.data.detail, res.data.problems); return; }
  const c = res.data;
  note.dataset.status = c.status;
  const words = { ok: "These experiments compare like with like.",
    warn: "Compared with care: they differ as listed below.",
    refuse: "Not compared: they differ in a way that would make the comparison misleading." };
  note.replaceChildren(el("b", { text: words[c.status] }), c.differences.length ? differencesTable(c) : "",
    c.status !== "refuse" ? el("p", { class: "note", text: `Means over the ${c.cells.length} shared cell(s): ${c.cells.join("; ")}.` }) : "");
  if (c.status === "refuse") { box.hidden = true; Plotly.purge(box); return; }
  box.hidden = false;
  const traces = c.experiments.map((n, i) => ({
    type: "bar", name: n, x: c.outcomes, y: c.outcomes.map((o) => c.means[n][o].mean),
    error_y: { type: "data", array: c.outcomes.map((o) => c.means[n][o].sd || 0), visible: true },
    marker: { color: SIDE_COLOURS[i % SIDE_COLOURS.length] },
  }));
  const layout = baseLayout("Stored experiments: mean of each outcome over shared cells (± sd over points)", "value");
  delete layout.yaxis.range;
  layout.barmode = "group";
  Plotly.react(box, traces, layout, PLOT_CONFIG);
}

// ---- every parameter: the editor ----------------------------------------------------------------
// Each value of the scenario is a text field named by its dotted path; dated list items can be switched off.
const shownValue = (v) => (v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));

function parseValue(text, original) {
  const t = text.trim();
  if (t === "") return null;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  if (typeof original !== "string" && (t === "true" || t === "false")) return t === "true";
  if (t === "null") return null;
  if (t.startsWith("{") || t.startsWith("[")) { try { return JSON.parse(t); } catch (err) { return t; } }
  return text;
}

function groupOf(path) {
  const parts = path.split(".");
  if ((parts[0] === "sides" || parts[0] === "issues") && parts.length > 2) return parts.slice(0, 2).join(".");
  return parts.length > 1 ? parts[0] : "scenario";
}

function buildEditor(desc) {
  const box = $("editor");
  box.replaceChildren();
  const groups = new Map();
  const listOf = new Map((desc.lists || []).map((l) => [l.path, l]));
  state.lists = listOf;
  const group = (name) => {
    if (!groups.has(name)) {
      const d = el("details", { class: "group", "data-group": name }, el("summary", { text: name === "scenario" ? "scenario (top level)" : name }));
      groups.set(name, d);
      box.append(d);
    }
    return groups.get(name);
  };
  const toggled = new Set();
  for (const p of desc.parameters || []) {
    const g = group(groupOf(p.path));
    // a dated list item: a check box before its first value
    const m = p.path.match(/^(.*)\.(\d+)\.[^.]+$/);
    if (m && listOf.has(m[1]) && !toggled.has(`${m[1]}.${m[2]}`)) {
      toggled.add(`${m[1]}.${m[2]}`);
      const item = listOf.get(m[1]).items[Number(m[2])];
      const what = [item.date || item.start, item.label || item.kind || item.side || item.sender || (item.value !== undefined ? `value ${item.value}` : "")].filter(Boolean).join(" ");
      const id = `item-${m[1]}-${m[2]}`.replace(/\./g, "-");
      g.append(el("div", { class: "check item" }, el("input", { type: "checkbox", id, checked: true, "data-list": m[1], "data-index": m[2] }),
        el("label", { for: id, text: `${m[1]} #${m[2]}: ${what}` })));
    }
    const id = "param-" + p.path.replace(/[^\w-]/g, "-");
    const rel = p.path.startsWith(g.dataset.group + ".") ? p.path.slice(g.dataset.group.length + 1) : p.path;
    const input = el("input", { type: "text", id, "data-param": p.path, "data-original": shownValue(p.value), value: shownValue(p.value),
      placeholder: "none", title: p.doc, spellcheck: "false", autocomplete: "off" });
    input.originalValue = p.value;
    g.append(el("div", { class: "param" }, el("label", { for: id, text: rel }), input,
      p.doc ? el("small", { text: p.doc }) : null, el("div", { class: "field-error", "data-for": p.path, hidden: true })));
  }
  if (desc.parameters_truncated) box.append(el("p", { class: "note", text: "The scenario has more values than the editor lists; edit the file for the rest." }));
  box.querySelectorAll("input[data-param], input[data-list]").forEach((inp) => inp.addEventListener("input", onEdit));
  box.querySelectorAll("input[data-list]").forEach((inp) => inp.addEventListener("change", onEdit));
  onEdit();
}

function onEdit(ev) {
  const inp = ev && ev.target;
  if (inp && inp.dataset.param) {
    inp.classList.toggle("edited", inp.value !== inp.dataset.original);
    const slider = document.querySelector(`#knobs input[data-path="${CSS.escape(inp.dataset.param)}"]`);
    const x = Number(inp.value);
    if (slider && !slider.disabled && inp.value.trim() !== "" && Number.isFinite(x) && x >= 0 && x <= 1) {
      slider.value = x;  // no input event: the slider would write back into the field being typed in
      const out = document.querySelector(`output[for="${CSS.escape(slider.id)}"]`);
      if (out) out.textContent = fmt(slider.value, 2);
    }
  }
  const edited = document.querySelectorAll("#editor input[data-param].edited").length
    + document.querySelectorAll("#editor input[data-list]:not(:checked)").length;
  $("edited-count").textContent = edited;
}

function setPathIn(obj, parts, value) {
  let node = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    if (node[parts[i]] === null || typeof node[parts[i]] !== "object") node[parts[i]] = {};
    node = node[parts[i]];
  }
  node[parts[parts.length - 1]] = value;
}

// The editor's changes as dotted-path values; a list with an item switched off is sent whole.
function editorParams() {
  const params = {};
  const off = new Map();
  document.querySelectorAll("#editor input[data-list]:not(:checked)").forEach((c) => {
    if (!off.has(c.dataset.list)) off.set(c.dataset.list, new Set());
    off.get(c.dataset.list).add(Number(c.dataset.index));
  });
  const wholeLists = new Map([...off.keys()].map((path) => [path, JSON.parse(JSON.stringify(state.lists.get(path).items))]));
  document.querySelectorAll("#editor input[data-param].edited").forEach((inp) => {
    const path = inp.dataset.param;
    const value = parseValue(inp.value, inp.originalValue);
    const list = [...wholeLists.keys()].find((l) => path.startsWith(l + "."));
    if (list) setPathIn(wholeLists.get(list), path.slice(list.length + 1).split("."), value);
    else params[path] = value;
  });
  for (const [path, items] of wholeLists) params[path] = items.filter((_, i) => !off.get(path).has(i));
  return params;
}

function syncEditorFromSlider(input) {
  const field = document.querySelector(`#editor input[data-param="${CSS.escape(input.dataset.path)}"]`);
  if (!field) return;
  field.value = String(Number(input.value));
  field.classList.toggle("edited", Number(field.value) !== Number(field.dataset.original));
  onEdit();
}

// ---- a fresh page after another scenario --------------------------------------------------------
function resetResults() {
  pauseStory();
  state.sim = null; state.factorial = null; state.story = null;
  for (const id of ["plot-regimes", "plot-trust", "plot-factorial", "plot-story-trust", "plot-story-issues"]) {
    Plotly.purge($(id));
    $(id).replaceChildren();
  }
  $("summary").replaceChildren();
  $("result-label").textContent = "";
  $("factorial-label").textContent = "";
  $("story-label").textContent = "";
  $("verdict").replaceChildren();
  $("factorial-table").replaceChildren();
  $("story-log").replaceChildren();
  for (const id of ["results-empty", "factorial-empty", "story-empty"]) $(id).hidden = false;
  for (const id of ["sim-downloads", "factorial-downloads", "story-downloads", "player", "story-now", "story-grid", "share-box", "settings-note"]) $(id).hidden = true;
  setProgress(0, "No job yet.", "idle");
  if (state.ready && location.hash) history.replaceState(null, "", location.pathname + location.search);
}

// ---- one run, month by month ------------------------------------------------------------------------
function startStory(res, job) {
  pauseStory();
  state.story = { res, i: 0, shown: 0, timer: null };
  $("story-empty").hidden = true;
  $("player").hidden = false;
  $("story-now").hidden = false;
  $("story-downloads").hidden = false;
  $("story-grid").hidden = false;
  $("story-label").textContent = `— ${job.label}, seed ${res.seed_text}`;
  const slider = $("story-month");
  slider.max = res.months.length - 1;
  $("story-log").replaceChildren();
  renderStory(0);
}

const REGIME_SCALE = [[0, REGIME_COLOURS.strategic], [0.333, REGIME_COLOURS.strategic], [0.334, REGIME_COLOURS.tactical],
  [0.666, REGIME_COLOURS.tactical], [0.667, REGIME_COLOURS.frozen], [1, REGIME_COLOURS.frozen]];

function renderStory(i) {
  const st = state.story;
  if (!st) return;
  const res = st.res;
  const T = res.months.length;
  i = Math.max(0, Math.min(T - 1, i));
  st.i = i;
  const xs = res.months.slice(0, i + 1);
  const range = [res.months[0], res.months[T - 1]];
  const trust = res.sides.map((side, k) => ({
    x: xs, y: res.trust[side.id].slice(0, i + 1), type: "scatter", mode: "lines", name: `${side.name} trusts ${res.sides[1 - k].name}`,
    line: { color: SIDE_COLOURS[k], width: 2 },
  }));
  const cohort = res.sides.map((side, k) => ({
    x: xs, y: res.cohort[side.id].slice(0, i + 1), type: "scatter", mode: "lines", name: `Cold-War share of ${side.name}'s elite`,
    line: { color: SIDE_COLOURS[k], width: 1, dash: "dot" },
  }));
  const layout = baseLayout("Trust in this run (solid) and the Cold-War cohort's share (dotted)", "probability / share");
  layout.xaxis = { range, type: "date" };
  layout.height = 300;
  layout.shapes = [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: 0.5, y1: 0.5, line: { dash: "dash", color: "#999", width: 1 } }];
  Plotly.react("plot-story-trust", [...trust, ...cohort], layout, PLOT_CONFIG);

  const labels = res.issues.map((x) => x.label);
  const open = res.issues.map((x) => res.open[x.id].slice(0, i + 1));
  const breaks = { x: [], y: [] };
  res.issues.forEach((x, k) => {
    for (let t = 0; t <= i; t++) {
      if (res.open[x.id][t] && res.sides.some((s) => !res.coop[s.id][x.id][t])) { breaks.x.push(res.months[t]); breaks.y.push(labels[k]); }
    }
  });
  const traces = [
    { type: "heatmap", x: xs, y: ["regime"], z: [res.regime.slice(0, i + 1)], zmin: 0, zmax: 2, colorscale: REGIME_SCALE, showscale: false,
      yaxis: "y", hovertemplate: "%{x}: regime %{text}<extra></extra>", text: [res.regime.slice(0, i + 1).map((r) => res.regimes[r])] },
    { type: "heatmap", x: xs, y: labels, z: open, zmin: 0, zmax: 1, colorscale: [[0, "#eef1f4"], [1, "#3a8c5c"]], showscale: false,
      yaxis: "y2", hovertemplate: "%{x} %{y}: %{text}<extra></extra>", text: open.map((row) => row.map((v) => (v ? "open" : "closed"))), xgap: 0, ygap: 2 },
    { type: "scatter", mode: "markers", x: breaks.x, y: breaks.y, yaxis: "y2", name: "a defection on an open issue",
      marker: { symbol: "x-thin", size: 6, line: { width: 1.5, color: "#a4161a" } }, hovertemplate: "%{x} %{y}: a side defects<extra></extra>" },
  ];
  const il = {
    title: { text: "Regime (top) and open issues (green); × a defection on an open issue", font: { size: 14 } },
    margin: { l: 190, r: 20, t: 40, b: 30 }, height: 110 + 34 * labels.length, showlegend: false,
    xaxis: { range, type: "date", anchor: "y2" }, paper_bgcolor: "#fff", plot_bgcolor: "#fff",
    yaxis: { domain: [0.8, 1], fixedrange: true, anchor: "x" }, yaxis2: { domain: [0, 0.72], automargin: true, fixedrange: true, type: "category", categoryarray: labels, anchor: "x" },
  };
  Plotly.react("plot-story-issues", traces, il, PLOT_CONFIG);

  $("story-month").value = i;
  $("story-month-label").textContent = `${res.months[i]} (${i + 1} of ${T})`;
  const openNow = res.issues.filter((x) => res.open[x.id][i]).map((x) => x.label);
  const trustNow = res.sides.map((s, k) => `${s.name} → ${res.sides[1 - k].name}: ${fmt(res.trust[s.id][i], 2)}`).join(" · ");
  $("story-now").innerHTML = `<b>${res.months[i]}</b> <span class="reg ${res.regimes[res.regime[i]]}">${res.regimes[res.regime[i]]}</span> `
    + `<span>${escapeHtml(trustNow)}</span> <span class="muted">open: ${escapeHtml(openNow.join(", ") || "none")}</span>`;
  renderLog(i);
}

function renderLog(i) {
  const st = state.story;
  const log = $("story-log");
  const quarrels = $("story-quarrels").checked;
  const wanted = st.res.story.filter((e) => e.t <= i && (quarrels || e.kind !== "defection"));
  if (wanted.length < log.children.length || st.quarrels !== quarrels) { log.replaceChildren(); st.quarrels = quarrels; }
  for (const e of wanted.slice(log.children.length)) {
    log.append(el("li", { class: `k-${e.kind}`, "data-t": e.t, "data-kind": e.kind }, el("time", { text: e.month }), el("span", { text: e.text })));
  }
  log.querySelectorAll("li.now").forEach((li) => li.classList.remove("now"));
  log.querySelectorAll(`li[data-t="${i}"]`).forEach((li) => li.classList.add("now"));
  const box = log.parentElement;
  box.scrollTop = box.scrollHeight;
}

function playStory() {
  const st = state.story;
  if (!st) return;
  if (st.i >= st.res.months.length - 1) renderStory(0);
  pauseStory();
  const btn = $("story-play");
  btn.textContent = "Pause";
  btn.dataset.state = "playing";
  st.timer = setInterval(() => {
    if (st.i >= st.res.months.length - 1) { pauseStory(); return; }
    renderStory(st.i + 1);
  }, 1000 / Number($("story-speed").value));
}

function pauseStory() {
  const st = state.story;
  if (st && st.timer) { clearInterval(st.timer); st.timer = null; }
  const btn = $("story-play");
  btn.textContent = "Play";
  btn.dataset.state = "paused";
}

// ---- downloads ------------------------------------------------------------------------------------
function csvText(header, rows) {
  const cell = (v) => {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(",")).join("\n") + "\n";
}

function download(name, text, type = "text/csv") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const fileBase = () => (state.desc ? state.desc.name : "detente");

function simulationCsv(res) {
  const sides = Object.keys(res.trust);
  const qs = ["q05", "q25", "q50", "q75", "q95"];
  const issues = Object.keys(res.issue_open);
  const header = ["month", ...Object.keys(res.regime_prob).map((r) => `p_${r}`), "mean_ci",
    ...sides.flatMap((s) => qs.map((q) => `trust_${s}_${q}`)), ...issues.map((k) => `open_${k}`)];
  const rows = res.months.map((m, t) => [m, ...Object.values(res.regime_prob).map((ys) => ys[t]), res.ci[t],
    ...sides.flatMap((s) => qs.map((q) => res.trust[s][q][t])), ...issues.map((k) => res.issue_open[k][t])]);
  return csvText(header, rows);
}

function storyCsv(res) {
  const header = ["month", "regime", ...res.sides.map((s) => `trust_${s.id}`), ...res.sides.map((s) => `cold_war_share_${s.id}`),
    ...res.issues.map((x) => `open_${x.id}`), ...res.sides.flatMap((s) => res.issues.map((x) => `cooperates_${s.id}_${x.id}`))];
  const rows = res.months.map((m, t) => [m, res.regimes[res.regime[t]], ...res.sides.map((s) => res.trust[s.id][t]),
    ...res.sides.map((s) => res.cohort[s.id][t]), ...res.issues.map((x) => res.open[x.id][t]),
    ...res.sides.flatMap((s) => res.issues.map((x) => res.coop[s.id][x.id][t]))]);
  return csvText(header, rows);
}

function factorialCsv(res) {
  const keys = Object.keys(res.rows[0] || {});
  return csvText(keys, res.rows.map((r) => keys.map((k) => r[k])));
}

function downloadPng(id, name) {
  const gd = $(id);
  if (!gd || !gd.data) return;
  Plotly.downloadImage(gd, { format: "png", filename: name, width: Math.max(gd.clientWidth, 800), height: gd.clientHeight || 320 });
}

// ---- settings in the link -----------------------------------------------------------------------
function collectSettings() {
  const knobs = {};
  document.querySelectorAll("#knobs input[data-path]").forEach((inp) => {
    if (!inp.disabled && Number(inp.value) !== Number(inp.dataset.default)) knobs[inp.dataset.path] = Number(inp.value);
  });
  const dates = {};
  document.querySelectorAll("#dates input[data-date]").forEach((inp) => {
    if (Number(inp.value) !== Number(inp.dataset.default)) dates[inp.dataset.date] = monthLabel(state.desc.start, Number(inp.value));
  });
  const edits = {};
  document.querySelectorAll("#editor input[data-param].edited").forEach((inp) => { edits[inp.dataset.param] = inp.value; });
  const off = [...document.querySelectorAll("#editor input[data-list]:not(:checked)")].map((c) => `${c.dataset.list}.${c.dataset.index}`);
  const out = { v: 1, world: $("world").value, conditions: [...document.querySelectorAll("#conditions input:checked")].map((c) => c.value),
    knobs, dates, edits, off, runs: Number($("runs").value), seed: $("seed").value.trim() };
  if (state.source.scenario) out.scenario = state.source.scenario;
  else out.upload = state.source.filename || "upload.yaml";
  return out;
}

function settingsUrl(settings) {
  return `${location.origin}${location.pathname}#settings=${encodeURIComponent(JSON.stringify(settings))}`;
}

function readSettingsHash() {
  const m = location.hash.match(/^#settings=(.*)$/);
  if (!m) return null;
  try { return JSON.parse(decodeURIComponent(m[1])); } catch (err) { return null; }
}

function applySettings(s) {
  const note = $("settings-note");
  const missing = [];
  if (s.upload) missing.push(`they were made for the uploaded file ${s.upload}: upload it again, then open the link`);
  if (s.world !== undefined && [...$("world").options].some((o) => o.value === s.world)) $("world").value = s.world;
  $("world").dispatchEvent(new Event("change"));
  document.querySelectorAll("#conditions input").forEach((c) => { c.checked = (s.conditions || []).includes(c.value); });
  for (const [path, value] of Object.entries(s.knobs || {})) {
    const inp = document.querySelector(`#knobs input[data-path="${CSS.escape(path)}"]`);
    if (inp) { inp.value = value; inp.dispatchEvent(new Event("input")); } else missing.push(path);
  }
  for (const [key, month] of Object.entries(s.dates || {})) {
    const inp = document.querySelector(`#dates input[data-date="${CSS.escape(key)}"]`);
    if (inp && state.desc) { inp.value = monthIndex(state.desc.start, month); inp.dispatchEvent(new Event("input")); } else missing.push(key);
  }
  for (const [path, text] of Object.entries(s.edits || {})) {
    const inp = document.querySelector(`#editor input[data-param="${CSS.escape(path)}"]`);
    if (inp) { inp.value = text; inp.dispatchEvent(new Event("input")); } else missing.push(path);
  }
  for (const key of s.off || []) {
    const i = key.lastIndexOf(".");
    const c = document.querySelector(`#editor input[data-list="${CSS.escape(key.slice(0, i))}"][data-index="${CSS.escape(key.slice(i + 1))}"]`);
    if (c) { c.checked = false; c.dispatchEvent(new Event("change")); } else missing.push(key);
  }
  if (s.runs) { $("runs").value = s.runs; $("runs").dispatchEvent(new Event("input")); }
  if (s.seed) $("seed").value = s.seed;
  note.textContent = missing.length ? `Settings restored from the link, except: ${missing.join("; ")}.` : "Settings restored from the link.";
  note.hidden = false;
}

function share() {
  const url = settingsUrl(collectSettings());
  history.replaceState(null, "", url);
  $("share-box").hidden = false;
  const box = $("share-url");
  box.value = url;
  box.select();
  if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(url).catch(() => {});
}

// ---- the Info tab ---------------------------------------------------------------------------------
function showView(name) {
  document.querySelectorAll("#tabs .tab[data-view]").forEach((b) => b.setAttribute("aria-selected", String(b.dataset.view === name)));
  document.querySelectorAll(".view").forEach((v) => { v.hidden = v.id !== `view-${name}`; });
  if (name === "info") fillInfo();
}

async function fillInfo() {
  const knobRows = Object.entries(KNOB_LABELS).map(([key, [label, help]]) => [label, `sides.*.${key}`, help]);
  knobRows.push(["Shared threat starts", "schedules.threat", "moves every step of the threat schedule (base and conditions) by the same number of months"]);
  knobRows.push(["Inclusion offered", "schedules.inclusion", "moves the inclusion offer (and any counterfactual join set with it)"]);
  $("info-knobs").replaceChildren(
    el("thead", {}, el("tr", {}, el("th", { class: "l", text: "slider" }), el("th", { class: "l", text: "field" }), el("th", { class: "l", text: "meaning" }))),
    el("tbody", {}, ...knobRows.map(([label, path, help]) => el("tr", {},
      el("td", { class: "l", text: label }), el("td", { class: "l" }, el("code", { text: path })), el("td", { class: "l wrap", text: help })))));
  if (!state.fields) {
    const res = await api("GET", "/api/fields");
    if (!res.ok) return;
    state.fields = res.data;
  }
  $("info-fields").replaceChildren(el("thead", {}, el("tr", {}, el("th", { class: "l", text: "field" }), el("th", { class: "l", text: "meaning" }), el("th", { text: "default" }))),
    el("tbody", {}, ...state.fields.map((f) => el("tr", { "data-field": f.path }, el("td", { class: "l" }, el("code", { text: f.path })),
      el("td", { class: "l wrap", text: f.description }), el("td", { text: f.default === null ? "" : String(f.default) })))));
}

// ---- wiring ---------------------------------------------------------------------------------------
function wireTeaching() {
  document.querySelectorAll("#tabs .tab[data-view]").forEach((b) => b.addEventListener("click", () => showView(b.dataset.view)));
  $("story-run").addEventListener("click", () => startJob("story"));
  $("story-play").addEventListener("click", () => (state.story && state.story.timer ? pauseStory() : playStory()));
  $("story-step").addEventListener("click", () => { pauseStory(); if (state.story) renderStory(state.story.i + 1); });
  $("story-restart").addEventListener("click", () => { pauseStory(); renderStory(0); });
  $("story-month").addEventListener("input", () => { pauseStory(); renderStory(Number($("story-month").value)); });
  $("story-speed").addEventListener("change", () => { if (state.story && state.story.timer) playStory(); });
  $("story-quarrels").addEventListener("change", () => state.story && renderLog(state.story.i));
  $("dl-sim-csv").addEventListener("click", () => state.sim && download(`${fileBase()}-months.csv`, simulationCsv(state.sim.res)));
  $("dl-regimes-png").addEventListener("click", () => downloadPng("plot-regimes", `${fileBase()}-regimes`));
  $("dl-trust-png").addEventListener("click", () => downloadPng("plot-trust", `${fileBase()}-trust`));
  $("dl-factorial-csv").addEventListener("click", () => state.factorial && download(`${fileBase()}-factorial.csv`, factorialCsv(state.factorial)));
  $("dl-factorial-png").addEventListener("click", () => downloadPng("plot-factorial", `${fileBase()}-factorial`));
  $("dl-story-csv").addEventListener("click", () => state.story && download(`${fileBase()}-run.csv`, storyCsv(state.story.res)));
  $("dl-story-log").addEventListener("click", () => state.story && download(`${fileBase()}-story.csv`,
    csvText(["month", "kind", "text"], state.story.res.story.map((e) => [e.month, e.kind, e.text]))));
  $("dl-story-png").addEventListener("click", () => downloadPng("plot-story-trust", `${fileBase()}-run-trust`));
  $("share").addEventListener("click", share);
  $("editor-reset").addEventListener("click", () => state.desc && buildEditor(state.desc));
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
  wireTeaching();
  $("reset").addEventListener("click", () => state.desc && buildForm(state.desc));
  $("store-select").addEventListener("change", loadExperiments);
  $("refresh-stored").addEventListener("click", loadStores);
  $("compare").addEventListener("click", compareSelected);
  const settings = readSettingsHash();
  if (settings && settings.scenario && [...select.options].some((o) => o.value === settings.scenario)) select.value = settings.scenario;
  if (select.value) await loadBundled(select.value);
  if (settings) applySettings(settings);
  await loadStores();
  state.ready = true;
  document.body.dataset.ready = "1";
}

main();
