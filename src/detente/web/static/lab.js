// detente lab: sweep a bundled experiment (scaled down), then PRIM discovery and sensitivity indices, all as jobs.
"use strict";

const state = { info: null, bundled: null, polling: null, prim: null, sens: null };
const $ = (id) => document.getElementById(id);
const COLOURS = ["#24587a", "#b2182b", "#6a3d9a", "#33a02c"];
const PLOT_CONFIG = { displaylogo: false, responsive: true };

const fmt = (x, d = 3) => (x === null || x === undefined || Number.isNaN(x) ? "–" : Number(x).toFixed(d));
const fmtInt = (x) => Number(x).toLocaleString("en-US");
const checked = (id) => [...document.querySelectorAll(`#${id} input:checked`)].map((c) => c.value);

// ---- errors next to fields -----------------------------------------------------------------------
function clearErrors() {
  document.querySelectorAll(".field-error").forEach((n) => { n.hidden = true; n.textContent = ""; });
  $("lab-errors").hidden = true;
}

function showProblems(detail, problems) {
  clearErrors();
  const rest = [];
  for (const p of problems || []) {
    const target = document.querySelector(`.field-error[data-for="${CSS.escape((p.field || "").split(".")[0])}"]`);
    if (target) { target.textContent = p.message; target.hidden = false; } else rest.push(p);
  }
  const box = $("lab-errors");
  box.replaceChildren(el("b", { text: detail }));
  if (rest.length) box.append(el("ul", {}, ...rest.map((p) => el("li", { text: p.text }))));
  box.hidden = false;
}

// ---- the sweep form ------------------------------------------------------------------------------
function checks(id, values, on = true) {
  $(id).replaceChildren(...values.map((v) => el("label", {},
    el("input", { type: "checkbox", value: v, checked: on }), el("span", { text: v }))));
  $(id).querySelectorAll("input").forEach((c) => c.addEventListener("change", updateSize));
}

function buildSweepForm(exp) {
  state.bundled = exp;
  $("lab-description").textContent = exp.description;
  checks("lab-worlds", exp.worlds);
  checks("lab-conditions", exp.conditions);
  checks("lab-parameters", exp.parameters.map((p) => p.name));
  $("lab-seed").value = exp.seed_text;
  updateSize();
}

function sizes() {
  const exp = state.bundled;
  const design = $("lab-design").value;
  const n = Math.max(0, Math.floor(Number($("lab-samples").value) || 0));
  const runs = Math.max(0, Math.floor(Number($("lab-runs").value) || 0));
  const d = checked("lab-parameters").length;
  const rows = design === "lhs" ? n : design === "sobol" ? n * (d + 2) : n * (d + 1);
  const cells = checked("lab-worlds").length * 2 ** checked("lab-conditions").length;
  const points = rows * cells;
  const cost = points * runs * (exp.months || 1) * (exp.issues || 1);
  return { design, n, runs, d, rows, cells, points, cost };
}

function updateSize() {
  if (!state.bundled) return;
  const s = sizes();
  const label = { lhs: "Samples (rows n)", sobol: "Base samples N (power of 2)", morris: "Trajectories" }[s.design];
  $("lab-samples-label").textContent = label;
  const budget = state.info.limits.max_cost;
  const over = s.cost > budget;
  const box = $("lab-size");
  box.dataset.over = over ? "1" : "0";
  box.textContent = `${fmtInt(s.rows)} rows × ${fmtInt(s.cells)} cells = ${fmtInt(s.points)} points; ` +
    `× ${fmtInt(s.runs)} runs × ${state.bundled.months} months × ${state.bundled.issues} issues = ` +
    `${fmtInt(s.cost)} of the budget of ${fmtInt(budget)}${over ? " — too large: fewer samples, runs, worlds or conditions" : ""}.`;
}

function sweepRequest() {
  const req = {
    experiment: $("lab-bundled").value, design: $("lab-design").value,
    samples: Number($("lab-samples").value), runs: Number($("lab-runs").value),
    worlds: checked("lab-worlds"), conditions: checked("lab-conditions"), parameters: checked("lab-parameters"),
  };
  const seed = $("lab-seed").value.trim();
  if (/^[0-9]+$/.test(seed)) req.seed = BigInt(seed);
  else if (seed) req.seed = seed;  // refused by the server, with the message at the seed field
  return req;
}

// ---- jobs ----------------------------------------------------------------------------------------
function setProgress(fraction, text, name) {
  const bar = $("lab-progress");
  bar.value = fraction;
  bar.dataset.state = name;
  $("lab-status").textContent = text;
}

function setBusy(busy) {
  for (const id of ["lab-sweep", "prim-run", "sens-run"]) $(id).disabled = busy;
}

async function runJob(path, body, onDone) {
  clearErrors();
  const res = await api("POST", path, body);
  if (!res.ok) {
    setProgress(0, res.status === 429 ? "The server is busy; try again shortly." : "Refused.", "refused");
    showProblems(res.data.detail, res.data.problems);
    return;
  }
  setBusy(true);
  setProgress(0, `Queued: ${res.data.label}`, "queued");
  const id = res.data.id;
  const tick = async () => {
    const st = await api("GET", `/api/jobs/${id}`);
    if (!st.ok) { setBusy(false); setProgress(0, st.data.detail, "failed"); return; }
    const job = st.data;
    if (job.status === "queued" || job.status === "running") {
      const what = job.status === "queued" ? "Waiting for a worker" : `Running: ${fmtInt(job.done)} of ${fmtInt(job.total)}`;
      setProgress(job.fraction, `${what} — ${job.label}`, job.status);
      state.polling = setTimeout(tick, 300);
      return;
    }
    setBusy(false);
    const r = await api("GET", `/api/jobs/${id}/result`);
    if (job.status === "failed" || !r.ok) {
      setProgress(0, "The job failed.", "failed");
      showProblems(r.data.detail, r.data.problems);
      return;
    }
    await onDone(r.data.result);
    setProgress(1, `Done in ${job.seconds.toFixed(1)} s: ${job.label}`, "done");
  };
  tick();
}

// ---- stored lab runs -----------------------------------------------------------------------------
async function loadInfo(select) {
  const res = await api("GET", "/api/lab/experiments");
  if (!res.ok) { showProblems(res.data.detail, res.data.problems); return; }
  state.info = res.data;
  $("lab-store").textContent = res.data.store;
  const runs = res.data.stored || [];
  const pick = $("lab-experiment");
  const keep = select || pick.value;
  pick.replaceChildren(...runs.map((e) => el("option", { value: e.name,
    text: `${e.name} — ${e.design}, ${fmtInt(e.done)} of ${fmtInt(e.points)} points, ${e.runs} runs` })));
  if (keep && runs.some((e) => e.name === keep)) pick.value = keep;
  $("lab-experiment-note").textContent = res.data.stored_problem ? res.data.stored_problem
    : runs.length ? describeChoice() : "No lab runs yet: start a sweep (small sizes finish in seconds).";
  fillOutcomes();
}

// The outcomes of the lab run chosen for analysis (kept if the new run has the same one).
function fillOutcomes() {
  const e = (state.info.stored || []).find((x) => x.name === $("lab-experiment").value);
  const select = $("prim-outcome");
  const keep = select.value;
  const outcomes = e ? e.outcomes : [];
  select.replaceChildren(...outcomes.map((o) => el("option", { value: o, text: o })));
  if (outcomes.includes(keep)) select.value = keep;
}

function describeChoice() {
  const name = $("lab-experiment").value;
  const e = (state.info.stored || []).find((x) => x.name === name);
  if (!e) return "";
  return e.design === "lhs" ? "A Latin hypercube: use scenario discovery; sensitivity indices need a sobol or morris design."
    : `A ${e.design} design: sensitivity indices and discovery both apply.`;
}

// ---- PRIM ----------------------------------------------------------------------------------------
function drawPrim(res) {
  state.prim = res;
  const sign = res.below ? "≤" : "≥";
  const undefinedNote = res.undefined_points ? `; ${res.undefined_points} points left out (outcome undefined)` : "";
  $("prim-summary").textContent = `${res.experiment}: ${res.outcome} ${sign} ${res.threshold} at ${fmt(res.share_with_outcome * 100, 1)}% ` +
    `of ${fmtInt(res.points)} points${undefinedNote}. Click a point of the trajectory to see that box.`;
  const t = res.trajectory;
  const traces = [{
    type: "scatter", mode: "lines+markers", name: "peeling trajectory", x: t.map((b) => b.coverage), y: t.map((b) => b.density),
    text: t.map((b) => `box ${b.box}: ${b.inputs || "no restriction"}`), hoverinfo: "text+x+y",
    marker: { size: 9, color: t.map((b) => b.restricted), colorscale: "Viridis", showscale: true, colorbar: { title: { text: "restricted" }, thickness: 10 } },
    line: { color: "#9aa5b1", width: 1 }, customdata: t.map((b) => b.box),
  }, {
    type: "scatter", mode: "markers", name: "chosen box, pasted", x: [res.box.coverage], y: [res.box.density],
    marker: { symbol: "star", size: 16, color: "crimson" }, customdata: ["pasted"],
  }];
  const layout = {
    title: { text: "Coverage against density", font: { size: 14 } }, height: 340, margin: { l: 55, r: 10, t: 40, b: 45 },
    xaxis: { title: { text: "coverage" }, range: [0, 1.03] }, yaxis: { title: { text: "density" }, range: [0, 1.03] },
    legend: { orientation: "h", y: -0.2 }, paper_bgcolor: "#fff", plot_bgcolor: "#fff",
  };
  Plotly.react("prim-plot", traces, layout, PLOT_CONFIG);
  const plot = $("prim-plot");
  plot.removeAllListeners?.("plotly_click");
  plot.on("plotly_click", (ev) => { const p = ev.points[0]; if (p) pickBox(String(p.customdata)); });
  $("prim-box").replaceChildren(
    el("option", { value: "pasted", text: `chosen box (step ${res.chosen}, pasted)` }),
    ...t.map((b) => el("option", { value: String(b.box), text: `box ${b.box}: coverage ${fmt(b.coverage, 2)}, density ${fmt(b.density, 2)}${b.box === res.chosen ? " (chosen)" : ""}` })));
  pickBox("pasted");
}

const pValue = (p) => (p === null || p === undefined ? "–" : p < 1e-3 ? Number(p).toExponential(1) : Number(p).toPrecision(2));

function pickBox(which) {
  const res = state.prim;
  const box = which === "pasted" ? res.box : res.boxes[Number(which)];
  $("prim-box").value = which;
  $("prim-box-stats").textContent = `Coverage ${fmt(box.coverage)}, density ${fmt(box.density)}, mass ${fmt(box.mass)} (${fmtInt(box.n)} points).`;
  const head = el("tr", {}, el("th", { class: "l", text: "input" }), el("th", { class: "l", text: "restriction" }),
    el("th", { text: "quasi-p" }));
  const rows = box.limits.map((l) => el("tr", { "data-input": l.input, "data-kind": l.kind },
    el("td", { class: "l", text: l.input }),
    el("td", { class: l.kind === "categorical" ? "l cat" : "l", text: l.restriction }),
    el("td", { text: pValue(l.qp_value) })));
  const body = rows.length ? rows : [el("tr", {}, el("td", { class: "l", colspan: 3, text: "No restriction: the whole sample." }))];
  $("prim-box-table").replaceChildren(el("thead", {}, head), el("tbody", {}, ...body));
}

function startPrim() {
  const name = $("lab-experiment").value;
  if (!name) { showProblems("Run a sweep first: there is no lab run to analyse.", []); return; }
  const threshold = Number($("prim-threshold").value);
  const coverage = Number($("prim-coverage").value);
  runJob("/api/lab/discover", { name, outcome: $("prim-outcome").value, threshold, below: $("prim-below").value === "1", min_coverage: coverage }, drawPrim);
}

// ---- sensitivity ---------------------------------------------------------------------------------
function drawSensitivity(res) {
  state.sens = res;
  const groups = [...new Set(res.indices.map((r) => `${r.outcome} — ${r.cell}`))];
  $("sens-group").replaceChildren(...groups.map((g) => el("option", { value: g, text: g })));
  showGroup(groups[0]);
}

function showGroup(group) {
  const res = state.sens;
  const rows = res.indices.filter((r) => `${r.outcome} — ${r.cell}` === group);
  const keys = res.method === "sobol" ? [["S1", "first order S1"], ["ST", "total order ST"]] : [["mu_star", "mu* (mean |effect|)"]];
  const pct = Math.round(res.conf_level * 100);
  const traces = keys.map(([k, name], i) => ({
    type: "bar", name, x: rows.map((r) => r.parameter), y: rows.map((r) => r[k]), marker: { color: COLOURS[i] },
    error_y: { type: "data", symmetric: false, visible: true,
      array: rows.map((r) => (r[k] === null ? 0 : r[`${k}_high`] - r[k])), arrayminus: rows.map((r) => (r[k] === null ? 0 : r[k] - r[`${k}_low`])) },
  }));
  const undefinedAll = rows.every((r) => r[keys[0][0]] === null);
  const layout = {
    title: { text: `${res.experiment}, ${group}: ${res.method} indices (${pct}% bootstrap intervals)`, font: { size: 14 } }, height: 330,
    margin: { l: 55, r: 10, t: 40, b: 60 }, barmode: "group", legend: { orientation: "h", y: -0.25 }, paper_bgcolor: "#fff", plot_bgcolor: "#fff",
    annotations: undefinedAll ? [{ text: "undefined: the outcome is constant here", xref: "paper", yref: "paper", x: 0.5, y: 0.5, showarrow: false }] : [],
  };
  Plotly.react("sens-plot", traces, layout, PLOT_CONFIG);
  // The warnings of the group shown (each once), and how many other groups carry warnings.
  const own = [...new Set(rows.flatMap((r) => (r.warning ? r.warning.split("; ") : [])))];
  $("sens-warnings").replaceChildren(...own.map((w) => el("li", { text: `warning: ${w}` })));
  const others = new Set(res.indices.filter((r) => r.warning && `${r.outcome} — ${r.cell}` !== group).map((r) => `${r.outcome} — ${r.cell}`));
  $("sens-others").textContent = others.size ? `${others.size} other outcome/cell group(s) carry warnings too (choose them above).` : "";
  const head = el("tr", {}, el("th", { class: "l", text: "parameter" }),
    ...keys.map(([k]) => el("th", { text: `${k} [${pct}% interval]` })), el("th", { class: "l", text: "warning" }));
  const body = rows.map((r) => el("tr", {}, el("td", { class: "l", text: r.parameter }),
    ...keys.map(([k]) => el("td", { text: r[k] === null ? "undefined" : `${fmt(r[k])} [${fmt(r[`${k}_low`])}, ${fmt(r[`${k}_high`])}]` })),
    el("td", { class: "l", text: r.warning ? "see warnings" : "" })));
  $("sens-table").replaceChildren(el("thead", {}, head), el("tbody", {}, ...body));
}

function startSensitivity() {
  const name = $("lab-experiment").value;
  if (!name) { showProblems("Run a sweep first: there is no lab run to analyse.", []); return; }
  runJob("/api/lab/sensitivity", { name }, drawSensitivity);
}

// ---- start ---------------------------------------------------------------------------------------
async function main() {
  await loadInfo();
  if (!state.info) return;
  $("lab-bundled").replaceChildren(...state.info.bundled.map((b) => el("option", { value: b.name, text: b.name })));
  const pickBundled = () => buildSweepForm(state.info.bundled.find((b) => b.name === $("lab-bundled").value));
  $("lab-bundled").addEventListener("change", pickBundled);
  if (state.info.bundled.length) pickBundled();
  for (const id of ["lab-design", "lab-samples", "lab-runs"]) $(id).addEventListener("input", updateSize);
  $("lab-sweep").addEventListener("click", () => runJob("/api/lab/sweep", sweepRequest(), async (r) => loadInfo(r.experiment)));
  $("lab-refresh").addEventListener("click", () => loadInfo());
  $("lab-experiment").addEventListener("change", () => { $("lab-experiment-note").textContent = describeChoice(); fillOutcomes(); });
  $("prim-run").addEventListener("click", startPrim);
  $("prim-box").addEventListener("change", () => pickBox($("prim-box").value));
  $("sens-run").addEventListener("click", startSensitivity);
  $("sens-group").addEventListener("change", () => showGroup($("sens-group").value));
  document.body.dataset.ready = "1";
}

main();
