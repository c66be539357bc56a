// detente play: one side is yours, month by month. The page holds the saved session (JSON text) and
// sends it back with each move; the server replays it, plays the new months and returns what to draw.
"use strict";

const $ = (id) => document.getElementById(id);
const SIDE_COLOURS = ["#24587a", "#b2182b"];
const REGIME_COLOURS = { strategic: "rgba(27,120,55,.13)", tactical: "rgba(217,138,26,.12)", frozen: "rgba(90,111,134,.10)" };
const game = { session: null, view: null, moves: {}, touched: new Set(), scenarios: {} };

function showErrors(data) {
  const box = $("errors");
  box.replaceChildren(el("b", { text: data.detail || "Something went wrong" }));
  const items = (data.problems || []).map((p) => el("li", { text: p.text || p.message || String(p) }));
  if (items.length) box.append(el("ul", {}, ...items));
  box.hidden = false;
}
const clearErrors = () => { $("errors").hidden = true; };
const fmt = (x, d = 2) => (x === null || x === undefined ? "–" : !Number.isFinite(x) ? "∞" : Number(x).toFixed(d));

// ---- set-up ----------------------------------------------------------------------------------------
async function loadScenario(name) {
  if (!game.scenarios[name]) {
    const r = await api("GET", `/api/scenarios/${encodeURIComponent(name)}`);
    if (!r.ok) { showErrors(r.data); return; }
    game.scenarios[name] = r.data;
  }
  const sc = game.scenarios[name];
  $("world").replaceChildren(el("option", { value: "", text: "as written" }),
    ...sc.worlds.map((w) => el("option", { value: w.id, text: w.label })));
  $("side").replaceChildren(...sc.sides.map((s) => el("option", { value: s.id, text: `${s.name} (${s.id})` })));
  $("seed").value = sc.seed_text;
  $("horizon").max = sc.horizon;
}

async function init() {
  const [scs, opts] = await Promise.all([api("GET", "/api/scenarios"), api("GET", "/api/play/options")]);
  if (!scs.ok || !opts.ok) { showErrors((scs.ok ? opts : scs).data); return; }
  $("scenario").replaceChildren(...scs.data.map((s) => el("option", { value: s.name, text: s.title })));
  $("opponent").replaceChildren(...opts.data.opponents.map((o) => el("option", { value: o.name, text: o.label })));
  $("horizon").value = opts.data.default_horizon;
  await loadScenario($("scenario").value);
  $("scenario").addEventListener("change", () => loadScenario($("scenario").value));
  $("start").addEventListener("click", start);
  $("next-month").addEventListener("click", () => step(1));
  $("next-year").addEventListener("click", () => step(12));
  $("save").addEventListener("click", save);
  $("load").addEventListener("change", load);
  $("explain-month").addEventListener("change", () => drawExplanation(Number($("explain-month").value)));
  for (const id of ["lever-reset", "lever-signal", "signal-size", "lever-offer"]) $(id).addEventListener("change", preview);
  document.body.dataset.ready = "1";
}

async function start() {
  clearErrors();
  const body = {
    scenario: $("scenario").value,
    side: $("side").value,
    opponent: $("opponent").value,
    horizon: Number($("horizon").value),
    run: Number($("run").value || 0),
  };
  if ($("world").value) body.world = $("world").value;
  if ($("seed").value !== "") body.seed = $("seed").value; // text: seeds go beyond exact JavaScript numbers
  await send("/api/play/new", body);
}

function levers() {
  const next = game.view.next;
  const body = {};
  if ($("lever-reset").checked) body.reset = true;
  if ($("lever-signal").checked) body.signal = Number($("signal-size").value);
  if (next.can_offer && $("lever-offer").checked !== next.offer_now) body.offer = $("lever-offer").checked;
  return body;
}

async function step(months) {
  clearErrors();
  // Moves you set hold for every month played; the issues you leave alone follow the model's advice each month.
  const moves = Object.fromEntries([...game.touched].map((k) => [k, game.moves[k]]));
  await send("/api/play/step", { session: game.session, moves, months, ...levers() });
}

async function preview() {
  // The coming month's games and advice with the levers as now set (nothing is played).
  clearErrors();
  const r = await api("POST", "/api/play/preview", { session: game.session, ...levers() });
  if (!r.ok) { showErrors(r.data); return; }
  drawIssues(game.view.setup, r.data.next);
}

async function send(path, body) {
  document.body.dataset.busy = "1";
  for (const b of document.querySelectorAll("button")) b.disabled = true;
  const r = await api("POST", path, body);
  for (const b of document.querySelectorAll("button")) b.disabled = false;
  delete document.body.dataset.busy;
  if (!r.ok) { showErrors(r.data); if (!game.session) $("save").disabled = true; return false; }
  game.session = r.data.session;
  game.view = r.data.view;
  draw();
  return true;
}

function save() {
  const name = `detente-play-${game.view.setup.scenario}-${game.view.setup.you}-month${game.view.months.length}.json`;
  const url = URL.createObjectURL(new Blob([game.session], { type: "application/json" }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

async function load(ev) {
  const file = ev.target.files[0];
  if (!file) return;
  clearErrors();
  const text = await file.text();
  ev.target.value = "";
  await send("/api/play/load", { session: text });
}

// ---- drawing ---------------------------------------------------------------------------------------
function draw() {
  const v = game.view;
  $("empty").hidden = true;
  $("save").disabled = false;
  const note = $("replay-note");
  note.hidden = !v.replay_problems.length;
  note.textContent = v.replay_problems.join(" ");
  drawTurn(v);
  drawSummary(v);
  drawBeliefs(v);
  const pick = $("explain-month");
  pick.replaceChildren(...v.months.map((m) => el("option", { value: m.month, text: `${m.date} (month ${m.month + 1})` })));
  $("why-section").hidden = !v.months.length;
  if (v.months.length) {
    pick.value = String(v.months.length - 1);
    drawExplanation(v.months.length - 1);
  }
  drawHistory(v);
  document.body.dataset.months = String(v.months.length);
  document.body.dataset.state = v.next ? "playing" : "over";
}

function drawTurn(v) {
  const n = v.next;
  $("turn").hidden = !n;
  if (!n) return;
  const s = v.setup;
  $("turn-label").textContent = `${n.date}: month ${n.month + 1} of ${s.horizon}`;
  const them = s.sides.find((x) => x.id === s.them).name;
  const opp = s.opponent === "model" ? "the model" : `the ${s.opponent_label} doctrine`;
  $("turn-note").textContent = `You are ${s.sides.find((x) => x.id === s.you).name}; ${them} is played by ${opp}. ` +
    "The relationship this month, as things stand: ";
  $("turn-note").append(el("b", { id: "turn-regime", text: n.regime }),
    `. Each move you choose is carried out with implementation noise ε = ${n.eps}.`);
  game.moves = { ...n.advice };
  game.touched = new Set();
  drawIssues(s, n);
  $("lever-reset").checked = false;
  $("lever-signal").checked = false;
  $("signal-note").textContent = `separates (only a benign side would pay it) at ≥ ${fmt(n.separating_cost)}, ` +
    `judged on ${s.issues.find((x) => x.id === n.signal_issue).label}`;
  $("offer-box").hidden = !n.can_offer;
  $("lever-offer").checked = Boolean(n.offer_now);
}

function drawIssues(s, n) {
  for (const k of s.issues.map((x) => x.id)) if (!game.touched.has(k)) game.moves[k] = n.advice[k];
  const rows = s.issues.map((iss) => {
    const toggle = el("span", { class: "toggle", role: "group", "aria-label": `Your move on ${iss.label}` });
    for (const mv of ["C", "D"]) {
      const b = el("button", { type: "button", class: "move", "data-issue": iss.id, "data-move": mv,
        "aria-pressed": String(game.moves[iss.id] === mv), text: mv === "C" ? "Cooperate" : "Defect" });
      b.addEventListener("click", () => {
        game.moves[iss.id] = mv;
        game.touched.add(iss.id);
        for (const x of toggle.children) x.setAttribute("aria-pressed", String(x.dataset.move === mv));
      });
      toggle.append(b);
    }
    const open = n.open[iss.id];
    return el("tr", { "data-issue": iss.id },
      el("td", {}, el("b", { text: iss.label }), el("div", { class: "note", text: iss.kind })),
      el("td", {}, el("span", { class: `badge ${open ? "open" : "closed"}`, text: open ? "open" : "closed" })),
      el("td", { text: `${n.t_star[iss.id] === null ? "∞" : fmt(n.t_star[iss.id])} / ${fmt(n.pi[iss.id])}` }),
      el("td", { class: "advice", text: n.advice[iss.id] === "C" ? "cooperate" : "defect" }),
      el("td", {}, toggle));
  });
  $("issues").querySelector("tbody").replaceChildren(...rows);
  $("turn-regime").textContent = n.regime;
}

function drawSummary(v) {
  const sec = $("summary-section");
  sec.hidden = Boolean(v.next);
  if (v.next) return;
  const s = v.summary;
  $("summary").textContent = s.text;
  const cards = [
    ["strategic months", s.regime_months.strategic], ["tactical months", s.regime_months.tactical],
    ["frozen months", s.regime_months.frozen], ["mean cooperation index", fmt(s.mean_ci)],
    ...Object.entries(s.trust).map(([k, x]) => [`${k}'s trust at the end`, fmt(x, 3)]),
    ...Object.entries(s.score).map(([k, x]) => [`${k}'s score`, fmt(x, 1)]),
    ...Object.entries(s.types || {}).map(([k, x]) => [`${k} was in fact`, x === "B" ? "benign" : "malign"]),
  ];
  $("summary-cards").replaceChildren(...cards.map(([label, value]) =>
    el("div", { class: "card" }, el("b", { text: String(value) }), el("span", { text: label }))));
}

function drawBeliefs(v) {
  $("beliefs-section").hidden = false;
  const s = v.setup;
  const x = ["start", ...v.months.map((m) => m.date)];
  const traces = s.sides.map((side, j) => ({
    x, y: [s.start_trust[j], ...v.months.map((m) => m.trust[j])], mode: "lines+markers", name:
      `${side.name} trusts ${s.sides[1 - j].name}`, line: { color: SIDE_COLOURS[j] },
  }));
  const shapes = v.months.map((m, i) => ({
    type: "rect", xref: "x", yref: "paper", x0: i + 0.5, x1: i + 1.5, y0: 0, y1: 1, line: { width: 0 },
    fillcolor: REGIME_COLOURS[m.regime], layer: "below",
  }));
  Plotly.react("plot-beliefs", traces, {
    margin: { t: 10, r: 10, b: 40, l: 50 }, height: 300, shapes,
    xaxis: { type: "category", range: [-0.5, v.months.length + 0.5] },
    yaxis: { range: [0, 1], title: "Pr(the other is benign)" }, legend: { orientation: "h", y: -0.2 },
  }, { displayModeBar: false, responsive: true });
}

function drawExplanation(i) {
  const d = game.view.explanations[i];
  const box = $("explanation");
  const parts = [el("p", {}, el("span", { class: `badge ${d.regime}`, text: d.regime }),
    ` ${d.regime_text}; cooperation index ${fmt(d.ci)}.`)];
  for (const n of d.notes) parts.push(el("p", { class: "note", text: n }));
  for (const b of d.beliefs) {
    parts.push(el("h3", { text: b.text }));
    parts.push(el("ul", {}, ...b.sources.map((s) => el("li", { text: s.text }))));
    parts.push(el("ul", { class: "sub" }, ...b.moves.map((m) => el("li", { text: m.text }))));
  }
  parts.push(el("h3", { text: "Issues" }));
  parts.push(el("ul", {}, ...d.issues.map((x) => el("li", { text: x.text }))));
  box.replaceChildren(...parts);
}

function drawHistory(v) {
  $("history-section").hidden = !v.months.length;
  const s = v.setup;
  const head = el("tr", {}, el("th", { text: "Month" }), el("th", { text: "Regime" }),
    ...s.issues.map((iss) => el("th", { title: iss.label, text: iss.label.split(/[ (]/)[0] })),
    el("th", { text: "Levers" }));
  const rows = v.months.map((m) => {
    const levers = [m.choice.reset ? "reset" : "", m.choice.signal !== null ? `signal ${m.choice.signal}` : "",
      m.choice.offer === null ? "" : m.choice.offer ? "offer on" : "offer off"].filter(Boolean).join(", ");
    return el("tr", {}, el("td", { text: m.date }), el("td", {}, el("span", { class: `badge ${m.regime}`, text: m.regime })),
      ...s.issues.map((iss) => el("td", { "data-issue": iss.id }, ...s.sides.flatMap((side, j) => {
        const mv = m.moves[side.id][iss.id];
        return [j ? " · " : "", el("span", { class: `move-${mv}`, "data-side": side.id, title: side.name, text: `${side.id} ${mv}` })];
      }))),
      el("td", { text: levers }));
  });
  $("history").replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
}

document.addEventListener("DOMContentLoaded", init);
