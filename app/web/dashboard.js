// The Aurigraph dashboard: feeds with their health, assets with their value and history, collateral
// positions, recent alerts — all read from the REST API under /v1 with the user's API key (typed in, or
// given as the URL fragment #key=..., which the browser never sends to a server), and guard failures from
// /metrics. Plain JS, no build step. Every value is written with textContent (never parsed as HTML).
// Once a refresh has rendered, <body data-state="ready"> and the chart's data-points attribute say so.
"use strict";

const REFRESH_MS = 15000;
const MAX_ASSETS = 100;
const state = { key: null, chart: null, selected: null, history: {}, timer: null };

function keyFromHash() {
  const m = location.hash.match(/(?:^#|&)key=([^&]+)/);
  return m ? decodeURIComponent(m[1]) : null;
}

async function api(path) {
  const r = await fetch(path, { headers: { Authorization: `Bearer ${state.key}` } });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return path === "/metrics" ? r.text() : r.json();
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function badge(text) {
  const td = el("td");
  td.appendChild(el("span", text, `badge ${text}`));
  return td;
}

function row(cells) {
  const tr = el("tr");
  for (const c of cells) tr.appendChild(c instanceof Node ? c : el("td", c ?? "—"));
  return tr;
}

function fill(section, rows, empty) {
  const body = document.querySelector(`#${section} tbody`);
  body.replaceChildren(...rows);
  if (!rows.length) {
    const cols = document.querySelectorAll(`#${section} thead th`).length;
    const td = el("td", empty, "muted");
    td.colSpan = cols;
    body.appendChild(row([td]));
  }
  document.getElementById(section).dataset.rows = String(rows.length);
}

function age(iso) {
  if (!iso) return null;
  return Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
}

function duration(s) {
  if (s === null) return "—";
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

function money(amount, currency) {
  if (amount === null || amount === undefined) return "—";
  const [int, frac] = String(amount).split(".");
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${currency} ${frac === undefined ? grouped : `${grouped}.${frac}`}`;
}

// aurigraph_feed_guard_failures_total{pair="XAU/USD",guard="stale"} 3.0  ->  {"XAU/USD": {stale: 3}}
function guardFailures(text) {
  const out = {};
  const re = /^aurigraph_feed_guard_failures_total\{([^}]*)\}\s+([0-9.eE+-]+)$/gm;
  for (const m of text.matchAll(re)) {
    const labels = Object.fromEntries([...m[1].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    (out[labels.pair] ??= {})[labels.guard] = Number(m[2]);
  }
  return out;
}

// What the page knows of a feed: the server's last read (health), else the newest valuation priced by it.
// Stale when its answer is older than heartbeat + grace, or when the newest valuation it priced is marked
// stale (a guard failed: the last good answer was used); unknown when nothing has read it yet.
function feedView(feed, seen) {
  const h = feed.health ?? seen[feed.pair] ?? null;
  const updated = h?.updated_at ?? null;
  const a = age(updated);
  let health = "unknown";
  if (a !== null) health = a <= feed.heartbeat_s + feed.grace_s && !seen[feed.pair]?.stale ? "fresh" : "stale";
  const failed = seen[feed.pair]?.stale ? seen[feed.pair].failed ?? [] : [];
  if (failed.length && failed.every((g) => g === "market_closed")) health = "market_closed";  // not an alarm
  return { price: h?.price ?? null, round: h?.round_id ?? null, updated, age: a, health, avail: h?.availability ?? null };
}

async function renderFeeds(seen) {
  const [feeds, metrics] = await Promise.all([api("/v1/feeds"), api("/metrics").catch(() => "")]);
  const failures = guardFailures(metrics);
  fill("feeds", feeds.map((f) => {
    const v = feedView(f, seen);
    const fails = Object.entries(failures[f.pair] ?? {}).filter(([, n]) => n > 0);
    const tr = row([
      el("td", f.pair), el("td", v.price, "num"), el("td", v.round, "num"),
      v.updated ? new Date(v.updated).toISOString().replace(".000", "") : "—", duration(v.age),
      duration(f.heartbeat_s), badge(v.health),
      v.avail === null ? "—" : `${(Number(v.avail) * 100).toFixed(3)} %`,
      fails.length ? fails.map(([g, n]) => `${g}: ${n}`).join(", ") : "none",
    ]);
    tr.dataset.pair = f.pair;
    tr.dataset.health = v.health;
    return tr;
  }), "no feeds registered");
}

async function assetLine(asset) {
  let rule = null;
  try { rule = await api(`/v1/assets/${encodeURIComponent(asset.symbol)}/pricing`); } catch { /* no rule */ }
  if (!rule) return { asset, rule, value: null };
  const currency = rule.currencies[0];
  let value = null;
  try {
    value = await api(`/v1/assets/${encodeURIComponent(asset.symbol)}/valuation?currency=${currency}`);
  } catch { /* not valued yet */ }
  return { asset, rule, value, currency };
}

async function history(symbol, currency) {
  const items = [];
  let after = 0;
  for (let page = 0; page < 10; page++) {  // at most 10,000 points
    const r = await api(`/v1/assets/${encodeURIComponent(symbol)}/valuations?currency=${currency}&limit=1000&after=${after}`);
    items.push(...r.items);
    if (r.next === null) break;
    after = r.next;
  }
  return items;
}

async function renderAssets() {
  // two requests per asset: the page shows the first MAX_ASSETS (a registry of thousands needs the API)
  const all = await api("/v1/assets");
  const assets = all.slice(0, MAX_ASSETS);
  document.getElementById("assets").dataset.total = String(all.length);
  const lines = await Promise.all(assets.map(assetLine));
  // the newest valuation priced by each feed: its answer, and whether the guards let it through
  const seen = {};
  for (const l of lines) {
    const f = l.value?.feed;
    if (f && !(seen[f.pair]?.block > l.value.block_number)) {
      seen[f.pair] = {
        updated_at: f.updated_at, round_id: f.round_id, availability: null, block: l.value.block_number,
        price: f.answer !== null && f.decimals !== null ? scaled(f.answer, f.decimals) : null,
        stale: l.value.stale, failed: l.value.failed,
      };
    }
  }
  // the chart shows the asset clicked last, else the one whose value moved last (#asset=SYMBOL to choose)
  const priced = lines.filter((l) => l.value).sort((a, b) => b.value.block_number - a.value.block_number);
  state.selected ??= new URLSearchParams(location.hash.slice(1)).get("asset");
  if (!state.selected || !priced.some((l) => l.asset.symbol === state.selected)) {
    state.selected = priced.length ? priced[0].asset.symbol : null;
  }
  fill("assets", lines.map((l) => {
    const v = l.value;
    const tr = row([
      el("td", l.asset.symbol), l.asset.name,
      l.rule ? `${l.rule.kind}${l.rule.feed_pair ? ` (${l.rule.feed_pair})` : ""}` : "no pricing rule",
      el("td", v ? money(v.value, v.currency) : "—", "num"),
      v ? badge(v.stale ? "stale" : "fresh") : el("td", "—"),
      el("td", v ? v.block_number : null, "num"),
    ]);
    tr.dataset.symbol = l.asset.symbol;
    if (v) {
      tr.dataset.value = v.value;
      tr.classList.add("selectable");
      tr.addEventListener("click", () => { state.selected = l.asset.symbol; refresh(); });
    }
    if (l.asset.symbol === state.selected) tr.classList.add("selected");
    return tr;
  }), "no assets visible to this key");
  document.querySelector("#assets h2").textContent =
    all.length > assets.length ? `Assets (the first ${assets.length} of ${all.length})` : "Assets";
  const sel = lines.find((l) => l.asset.symbol === state.selected);
  await renderChart(sel);
  return seen;
}

// an exact decimal string shown to the cent (display only; half-up on the string's digits)
function cents(amount) {
  if (amount === null || amount === undefined) return amount;
  const [int, frac = ""] = String(amount).split(".");
  if (frac.length <= 2) return `${int}.${frac.padEnd(2, "0")}`;
  const whole = BigInt(int + frac.slice(0, 2)) + (Number(frac[2]) >= 5 ? 1n : 0n);
  const s = whole.toString().padStart(3, "0");
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

// an integer answer with its decimals, as a decimal string (exact: string arithmetic, no float)
function scaled(answer, decimals) {
  const s = String(answer).padStart(decimals + 1, "0");
  return `${s.slice(0, -decimals)}.${s.slice(-decimals)}`.replace(/\.?0+$/, "");
}

async function renderChart(line) {
  const canvas = document.getElementById("history");
  const title = document.getElementById("chart-title");
  if (!line || !line.value) {
    title.textContent = "Value history (no priced asset)";
    canvas.dataset.points = "0";
    return;
  }
  const items = await history(line.asset.symbol, line.currency);
  title.textContent = `${line.asset.symbol}: value in ${line.currency}, ${items.length} valuations`;
  const labels = items.map((v) => `${new Date(v.block_time).toISOString().slice(0, 19).replace("T", " ")} #${v.block_number}`);
  const data = items.map((v) => Number(v.value));  // display only: the figures above stay exact strings
  if (typeof Chart === "undefined") throw new Error("Chart.js did not load");
  if (!state.chart) {
    state.chart = new Chart(canvas, {
      type: "line",
      data: { labels, datasets: [{ label: line.currency, data, borderColor: "#1f5fbf", tension: 0, pointRadius: 3 }] },
      options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } } },
    });
  } else {
    state.chart.data.labels = labels;
    state.chart.data.datasets[0].data = data;
    state.chart.data.datasets[0].label = line.currency;
    state.chart.update();
  }
  canvas.dataset.points = String(state.chart.data.datasets[0].data.length);
  canvas.dataset.symbol = line.asset.symbol;
}

async function renderPositions() {
  const positions = await api("/v1/collateral-positions?status=open");
  fill("positions", positions.map((p) => {
    const tr = row([
      el("td", p.id, "num"), p.reference, p.asset, el("td", p.units, "num"),
      el("td", money(p.debt, p.currency), "num"), el("td", money(cents(p.collateral_value), p.currency), "num"),
      el("td", p.ratio === null ? null : Number(p.ratio).toFixed(4), "num"),
      `${p.warning_ratio} / ${p.liquidation_ratio}`, badge(p.state),
    ]);
    tr.dataset.state = p.state;
    return tr;
  }), "no open positions");
}

async function renderAlerts() {
  const alerts = await api("/v1/alerts?limit=20");
  fill("alerts", alerts.map((a) => {
    const tr = row([a.created_at, a.kind, badge(a.severity), a.subject, a.asset]);
    tr.dataset.kind = a.kind;
    return tr;
  }), "no alerts");
}

async function refresh() {
  const status = document.getElementById("status");
  if (!state.key) {
    status.textContent = "enter an API key (or open /dashboard#key=...)";
    return;
  }
  const errors = [];
  const guard = (p) => p.catch((e) => { errors.push(e.message); return {}; });
  const seen = await guard(renderAssets());
  await Promise.all([guard(renderFeeds(seen)), guard(renderPositions()), guard(renderAlerts())]);
  status.textContent = errors.length ? `errors: ${errors.join("; ")}` : `updated ${new Date().toLocaleTimeString()}`;
  document.body.dataset.errors = String(errors.length);
  document.body.dataset.state = "ready";
}

function start(key) {
  state.key = key;
  clearInterval(state.timer);
  refresh();
  state.timer = setInterval(refresh, REFRESH_MS);
}

document.getElementById("key-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const key = document.getElementById("key").value.trim();
  if (key) start(key);
});
window.addEventListener("hashchange", () => { const k = keyFromHash(); if (k) start(k); });
start(keyFromHash());
