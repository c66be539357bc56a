// Shared by the explorer, lab and play pages: build DOM nodes, call the JSON API (errors as data, never thrown).
"use strict";

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

async function api(method, path, body) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    // A seed up to 2^64-1 is not exact as a JavaScript number: it is written as a bare JSON integer.
    opts.body = JSON.stringify(body, (k, v) => (typeof v === "bigint" ? `__bigint:${v}__` : v))
      .replace(/"__bigint:(\d+)__"/g, "$1");
  }
  let res;
  try { res = await fetch(path, opts); } catch (err) {
    return { ok: false, status: 0, data: { detail: "the server cannot be reached", problems: [] } };
  }
  let data = null;
  try { data = await res.json(); } catch (err) { data = { detail: res.statusText, problems: [] }; }
  return { ok: res.ok, status: res.status, data };
}
