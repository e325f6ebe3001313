// profilestream console: plain JS, no build step. It calls the read API with the bearer token
// kept in sessionStorage, and builds every element with textContent (data from events is never
// interpreted as HTML).
"use strict";

const PALETTE = ["#2f6fde", "#e67e22", "#27ae60", "#c0392b", "#8e44ad", "#16a085", "#d4ac0d", "#7f8c8d",
  "#e84393", "#2c3e50", "#6ab04c", "#f0932b"];
const SVGNS = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);
let churnAt = null; // the churn report's time, used for a looked-up user's risk
let segLabels = {};

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k === "style") e.style.cssText = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
function svg(tag, attrs) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}
const color = (seg) => (seg >= 0 ? PALETTE[seg % PALETTE.length] : "#aaa");
const fmt = (x, d = 2) => (typeof x === "number" ? x.toFixed(d) : "-");
const short = (s, n) => (s.length > n ? s.slice(0, n - 1) + "…" : s);
const day = (t) => (t ? t.slice(0, 16).replace("T", " ") : "-");

class AuthError extends Error {}

async function api(path, opts = {}) {
  const token = sessionStorage.getItem("ps-token");
  if (!token) throw new AuthError("no token");
  const headers = { Authorization: "Bearer " + token };
  if (opts.body) headers["Content-Type"] = "application/json";
  const resp = await fetch(path, { method: opts.method || "GET", headers, body: opts.body ? JSON.stringify(opts.body) : undefined });
  let data = null;
  try { data = await resp.json(); } catch (e) { /* not JSON */ }
  if (resp.status === 401) throw new AuthError((data && data.error) || "unauthorized");
  if (!resp.ok) {
    const err = new Error((data && data.error) || resp.statusText);
    err.status = resp.status;
    throw err;
  }
  return data;
}

function pseudonymLink(ps) {
  const a = el("a", { class: "ps", title: "look up this user" }, ps);
  a.addEventListener("click", () => lookup("pseudonym", ps));
  return a;
}

// ---- segments: map and table ----

async function loadSegments() {
  const [segs, map] = await Promise.all([api("/v1/segments"), api("/v1/map?per_segment=40")]);
  segLabels = {};
  const tbody = $("segments-table").querySelector("tbody");
  tbody.replaceChildren();
  if (!segs.initialized) {
    $("seg-summary").textContent = "(the segment model is not initialized yet)";
  } else {
    const total = segs.segments.reduce((a, s) => a + s.size, 0);
    $("seg-summary").textContent = `${segs.segments.length} segments, ${total} users, centroid version ${segs.centroid_version}`;
  }
  for (const s of segs.segments) {
    segLabels[s.id] = s.label;
    const cats = s.top_categories.slice(0, 3).map((c) => c.category).join(", ");
    tbody.append(el("tr", { "data-segment": s.id },
      el("td", {}, el("span", { class: "swatch", style: "background:" + color(s.id) }), String(s.id)),
      el("td", {}, s.label),
      el("td", { class: "num" }, String(s.size)),
      el("td", {}, trendCell(s.trend)),
      el("td", {}, cats || "-"),
      el("td", { class: "num" }, s.mean_rating ? fmt(s.mean_rating) : "-")));
  }
  drawMap(map);
}

function trendCell(t) {
  const wrap = el("span", {});
  const w = 60, h = 16;
  const s = svg("svg", { width: w, height: h, class: "spark" });
  let acc = 0;
  const cum = t.series.map((v) => (acc += v));
  const lo = Math.min(0, ...cum), hi = Math.max(1, ...cum);
  const pts = cum.map((v, i) => `${(i / Math.max(1, cum.length - 1)) * (w - 2) + 1},${h - 1 - ((v - lo) / (hi - lo)) * (h - 2)}`);
  s.append(svg("polyline", { points: pts.join(" "), fill: "none", stroke: t.net >= 0 ? "#1e8449" : "#c0392b", "stroke-width": 1.5 }));
  wrap.append(s, " ", (t.net > 0 ? "+" : "") + t.net);
  wrap.title = `${t.joined} joined, ${t.left} left in the last ${Math.round(t.window_seconds / 60)} min`;
  return wrap;
}

function drawMap(map) {
  const g = $("segmap");
  g.replaceChildren();
  const W = 520, H = 380, pad = 28;
  const all = map.segments.concat(map.users);
  if (all.length === 0) {
    const t = svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle" });
    t.textContent = "no segments yet";
    g.append(t);
    $("map-caption").textContent = "";
    return;
  }
  const xs = all.map((p) => p.x), ys = all.map((p) => p.y);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const sx = (x) => pad + ((x - x0) / (x1 - x0 || 1)) * (W - 2 * pad);
  const sy = (y) => H - pad - ((y - y0) / (y1 - y0 || 1)) * (H - 2 * pad);
  for (const u of map.users) {
    const c = svg("circle", { class: "user-pt", cx: sx(u.x), cy: sy(u.y), r: 3.5, fill: color(u.segment), "data-segment": u.segment });
    const tip = svg("title");
    tip.textContent = `${u.pseudonym} (segment ${u.segment})`;
    c.append(tip);
    c.addEventListener("click", () => lookup("pseudonym", u.pseudonym));
    g.append(c);
  }
  const maxSize = Math.max(1, ...map.segments.map((s) => s.size));
  for (const s of map.segments) {
    const r = 7 + 13 * Math.sqrt(s.size / maxSize);
    const c = svg("circle", { class: "seg-pt", cx: sx(s.x), cy: sy(s.y), r, fill: color(s.id), "data-segment": s.id });
    const tip = svg("title");
    tip.textContent = `segment ${s.id}: ${s.label}, ${s.size} users`;
    c.append(tip);
    g.append(c);
    const right = sx(s.x) > W * 0.6; // keep labels inside the map
    const label = svg("text", { x: right ? sx(s.x) - r - 3 : sx(s.x) + r + 3, y: sy(s.y) + 4, "text-anchor": right ? "end" : "start" });
    label.textContent = `${s.id} ${short(s.label.split(" / ")[0], 26)}`;
    g.append(label);
  }
  $("map-caption").textContent = `PCA of the centroids and ${map.users.length} sampled users; axes explain ` +
    `${(100 * map.explained[0]).toFixed(0)}% and ${(100 * map.explained[1]).toFixed(0)}% of the variance. Click a user to look it up.`;
}

// ---- user lookup ----

async function lookup(kind, id) {
  $("lookup-error").textContent = "";
  $("lookup-kind").value = kind;
  $("lookup-id").value = id;
  let prof;
  try {
    prof = kind === "raw"
      ? await api("/v1/profiles/lookup", { method: "POST", body: { user_id: id } })
      : await api("/v1/profiles/" + encodeURIComponent(id));
  } catch (e) {
    if (e instanceof AuthError) return signOut(e.message);
    $("user").hidden = true;
    $("lookup-error").textContent = e.status === 404 ? "No profile for this user." : "Lookup failed: " + e.message;
    return;
  }
  const ps = prof.pseudonym, p = prof.profile;
  const at = churnAt || new Date().toISOString();
  const q = encodeURIComponent(ps);
  const [recs, similar, churn] = await Promise.all([
    api(`/v1/profiles/${q}/recommendations?n=10`),
    api(`/v1/profiles/${q}/similar?n=10`).catch((e) => ({ error: e.message })),
    api(`/v1/profiles/${q}/churn?at=${encodeURIComponent(at.replace(/\.\d+Z$/, "Z"))}`)]);
  renderProfile(p, prof.interests || {}, churn);
  const rb = $("recs").querySelector("tbody");
  rb.replaceChildren();
  recs.items.forEach((it, i) => rb.append(el("tr", {},
    el("td", {}, String(i + 1)), el("td", { title: it.title || "" }, it.title ? `${it.item} · ${short(it.title, 70)}` : it.item),
    el("td", {}, it.category || "-"), el("td", { class: "num" }, fmt(it.score, 3)))));
  $("recs-source").textContent = recs.items.length === 0 ? "no items in the item index yet"
    : recs.source === "profile" ? "ranked by co-occurrence with the user's items, similarity to the user's recent taste, popularity and category affinity"
      : recs.source === "cooccur" ? "the user has no profile vector: ranked by co-occurrence with the user's items and popularity"
        : "the user has no profile vector: most popular items";
  const lb = $("lookalikes").querySelector("tbody");
  lb.replaceChildren();
  if (similar.error) lb.append(el("tr", {}, el("td", { colspan: 3, class: "error" }, similar.error)));
  else similar.users.forEach((u, i) => lb.append(el("tr", {},
    el("td", {}, String(i + 1)), el("td", {}, pseudonymLink(u.pseudonym)), el("td", { class: "num" }, fmt(u.similarity, 3)))));
  $("user").hidden = false;
}

// bars draws weighted entries as a small bar chart: label (share). The share is the entry's
// part of the listed entries' total weight, in percent: the decayed weights themselves depend on
// the time they are decayed to (a user last seen months ago has every weight near 0), their
// shares do not. The raw weight is in the tooltip.
function bars(entries, label, weight) {
  const box = el("div", { class: "bars" });
  const ws = entries.map((e) => Math.max(0, weight(e) || 0));
  const sum = ws.reduce((a, b) => a + b, 0), max = Math.max(...ws, 0);
  entries.forEach((e, i) => {
    const share = sum > 0 ? (100 * ws[i]) / sum : 0;
    const pct = share >= 1 ? `${Math.round(share)}%` : share > 0 ? "<1%" : "0%";
    box.append(el("div", { title: `weight ${ws[i].toPrecision(3)}` },
      el("span", { class: "bar", style: `width:${max > 0 ? Math.max(2, Math.round((80 * ws[i]) / max)) : 0}px` }),
      ` ${label(e)} `, el("span", { class: "share" }, pct)));
  });
  return entries.length ? box : "-";
}

function renderProfile(p, interests, churn) {
  const dl = $("profile");
  dl.replaceChildren();
  const row = (k, v) => dl.append(el("dt", {}, k), el("dd", {}, v));
  row("pseudonym", p.pseudonym);
  const kinds = Object.entries(p.kinds || {}).map(([k, n]) => `${k} ${n}`).join(", ");
  row("events", `${p.events} (${kinds})`);
  row("seen", `${day(p.first_seen)} … ${day(p.last_seen)}`);
  const seg = p.segment >= 0
    ? el("span", {}, el("span", { class: "swatch", style: "background:" + color(p.segment) }), `${p.segment} · ${segLabels[p.segment] || ""}`)
    : "unassigned";
  row("segment", seg);
  // interests: shares of the weights decayed to now; terms ranked by TF-IDF
  row("top terms", bars((interests.terms || []).slice(0, 8), (t) => t.term, (t) => t.score));
  row("top categories", bars((interests.categories || p.categories || []).slice(0, 5), (c) => c.category.replaceAll("_", " "), (c) => c.count));
  row("top items", bars((interests.items || []).slice(0, 5), (it) => it.item, (it) => it.weight));
  if (p.rating_count > 0) row("mean rating", `${fmt(p.rating_sum / p.rating_count)} of ${p.rating_count}`);
  row("churn risk", `${fmt(churn.risk, 3)} (7 days, at ${day(churn.at)})`);
  const recent = (interests.recent || p.recent_items || []).slice(0, 5).map((it) => `${it.item} (${it.kind}, ${day(it.ts)})`).join(", ");
  row("recent items", recent || "-");
}

// ---- churn ----

async function loadChurn() {
  const rep = await api("/v1/churn?top=10");
  churnAt = rep.at;
  $("churn-at").textContent = `at ${day(rep.at)}, ${rep.scored} users scored`;
  const hist = $("churn-hist");
  hist.replaceChildren();
  const max = Math.max(1, ...rep.histogram);
  rep.histogram.forEach((n, i) => {
    const d = el("div", { style: `height:${Math.round(60 * n / max)}px`, title: `${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}: ${n} users` });
    hist.append(d);
  });
  const tb = $("churn").querySelector("tbody");
  tb.replaceChildren();
  for (const u of rep.users) {
    tb.append(el("tr", {}, el("td", {}, pseudonymLink(u.pseudonym)), el("td", { class: "num" }, fmt(u.risk, 3)),
      el("td", { class: "num" }, String(u.events)), el("td", {}, day(u.last_seen)), el("td", { class: "num" }, u.segment >= 0 ? String(u.segment) : "-")));
  }
}

// ---- operations ----

async function loadHealth() {
  const h = await api("/v1/health");
  const box = $("health");
  box.replaceChildren();
  const w = h.worker;
  let state = "unknown", text = "not configured (start serve with --worker-readyz)";
  if (w.configured) {
    state = w.ready ? "ready" : "down";
    text = w.error || w.detail || `HTTP ${w.status}`;
  }
  box.append(el("p", { id: "worker-health" }, "worker ", el("span", { class: "pill " + state }, state), " ", text));
  const l = h.lag;
  if (!l.configured) {
    box.append(el("p", { class: "muted", id: "lag-health" }, "lag: not configured (start serve with --brokers)"));
    return;
  }
  if (l.error) {
    box.append(el("p", { class: "error", id: "lag-health" }, "lag: " + l.error));
    return;
  }
  const s = l.snapshot;
  box.append(el("p", { id: "lag-health" }, `group ${s.group} (${s.state}, ${s.members} members): `,
    el("span", { class: "pill " + s.status }, s.status), ` total lag ${s.total_lag} messages, max ${fmt(s.max_lag_seconds, 1)} s`));
  const t = el("table", { id: "lag-table" }, el("thead", {}, el("tr", {}, el("th", {}, "topic"), el("th", { class: "num" }, "partition"),
    el("th", { class: "num" }, "committed"), el("th", { class: "num" }, "end"), el("th", { class: "num" }, "lag"), el("th", {}, "status"))));
  const tb = el("tbody", {});
  for (const p of s.partitions) {
    tb.append(el("tr", {}, el("td", {}, p.topic), el("td", { class: "num" }, String(p.partition)), el("td", { class: "num" }, String(p.committed)),
      el("td", { class: "num" }, String(p.end)), el("td", { class: "num" }, String(p.lag)), el("td", {}, el("span", { class: "pill " + p.status }, p.status))));
  }
  t.append(tb);
  box.append(t);
}

// ---- session ----

function signOut(msg) {
  sessionStorage.removeItem("ps-token");
  $("app").hidden = true;
  $("login").hidden = false;
  $("signout").hidden = true;
  $("conn").textContent = "not connected";
  $("login-error").textContent = msg && msg !== "no token" ? "Not accepted: " + msg : "";
}

async function start() {
  try {
    await api("/v1/segments"); // checks the token
  } catch (e) {
    return signOut(e instanceof AuthError ? e.message : "server error: " + e.message);
  }
  $("login").hidden = true;
  $("app").hidden = false;
  $("signout").hidden = false;
  $("conn").textContent = "connected";
  const results = await Promise.allSettled([loadSegments(), loadChurn(), loadHealth()]);
  for (const r of results) {
    if (r.status === "rejected") {
      if (r.reason instanceof AuthError) return signOut(r.reason.message);
      console.error(r.reason);
    }
  }
  document.body.dataset.ready = "1";
}

$("login-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  sessionStorage.setItem("ps-token", $("token").value.trim());
  $("token").value = "";
  start();
});
$("lookup-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  lookup($("lookup-kind").value, $("lookup-id").value.trim());
});
$("signout").addEventListener("click", () => signOut());
$("refresh-health").addEventListener("click", () => loadHealth().catch((e) => { $("health").textContent = e.message; }));

if (sessionStorage.getItem("ps-token")) start(); else signOut();
