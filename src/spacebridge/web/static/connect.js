/* spacebridge connectivity page: the settlements of a written plan coloured by the system each option chooses
   (or by rollout year), the rollout order, per-option totals and the per-oblast summary. Talks only to this
   server (no CDN, no web tiles): boundaries and settlements are the only map layers. */
"use strict";

const $ = (id) => document.getElementById(id);
const state = { plan: null, detail: null, colours: {}, markers: [], byId: new Map() };
const map = L.map("map", { preferCanvas: true, zoomSnap: 0.25 }).setView([48.0, 67.0], 5);
map.attributionControl.setPrefix("Leaflet");
const renderer = L.canvas({ padding: 0.5 });
const YEARS = ["#440154", "#482878", "#3e4a89", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"];
const OUTSIDE = "#bbbbbb";

async function getJSON(url) {
  const resp = await fetch(url);
  const body = resp.headers.get("content-type")?.includes("json") ? await resp.json() : await resp.text();
  if (!resp.ok) throw new Error(body && body.description ? body.description : String(resp.status));
  return body;
}

const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const fmt = (v, digits = 0) => (v === null || v === undefined || Number.isNaN(Number(v))) ? "–"
  : Number(v).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const key = (option) => option.replace("-", "_");

async function loadBoundaries() {
  for (const [level, weight] of [["adm0", 2.0], ["adm1", 1.0]]) {
    const data = await getJSON(`/boundaries/${level}.geojson`);
    L.geoJSON(data, { style: { color: "#444", weight, fill: false, opacity: 0.7 }, interactive: false }).addTo(map);
  }
}

function yearColour(year, horizon) {
  if (!year || year < 1) return OUTSIDE;
  return YEARS[Math.min(YEARS.length - 1, Math.floor((year - 1) * YEARS.length / Math.max(horizon, 1)))];
}

function colourOf(props) {
  const o = key($("option").value);
  if ($("colour").value === "year") return yearColour(props[`${o}_rollout_year`], state.horizon);
  return state.colours[props[`${o}_system`]] || OUTSIDE;
}

function legend() {
  const o = key($("option").value);
  const counts = {};
  for (const m of state.markers) {
    const p = m.feature.properties;
    const k = $("colour").value === "year" ? (p[`${o}_rollout_year`] > 0 ? p[`${o}_rollout_year`] : 0) : p[`${o}_system`];
    counts[k] = (counts[k] || 0) + 1;
  }
  if ($("colour").value === "year") {
    const rows = [];
    for (let y = 1; y <= state.horizon; y += 1) {
      if (counts[y]) rows.push(`<div class="row"><span class="dot" style="background:${yearColour(y, state.horizon)}"></span>year ${y}: ${fmt(counts[y])}</div>`);
    }
    rows.push(`<div class="row"><span class="dot" style="background:${OUTSIDE}"></span>not within ${state.horizon} years: ${fmt(counts[0] || 0)}</div>`);
    $("legend").innerHTML = rows.join("");
    return;
  }
  $("legend").innerHTML = state.detail.systems
    .map((s) => `<div class="row"><span class="dot" style="background:${s.colour}"></span>${esc(s.label)}: ${fmt(counts[s.id] || 0)}</div>`)
    .join("");
}

function recolour() {
  for (const m of state.markers) {
    const c = colourOf(m.feature.properties);
    m.setStyle({ fillColor: c, color: c });
  }
  legend();
}

function popup(p) {
  const o = key($("option").value);
  return `<b>${esc(p.name || p.id)}</b><br>population ${fmt(p.population)}${p.population_estimated ? " (estimated)" : ""}`
    + `<br>busy-hour demand ${fmt(p.demand_mbps, 1)} Mbit/s<br>${esc($("option").value)}: ${esc(p[`${o}_system`])}`
    + `, served ${fmt(p[`${o}_served_mbps`], 1)} Mbit/s, CAPEX ${fmt(p[`${o}_capex_usd`])} USD`
    + `<br>rollout: ${p[`${o}_rollout_year`] > 0 ? `year ${p[`${o}_rollout_year`]}, rank ${fmt(p[`${o}_rollout_rank`])}` : "not within the horizon"}`;
}

async function loadSettlements(planId) {
  for (const m of state.markers) map.removeLayer(m);
  state.markers = [];
  state.byId.clear();
  const data = await getJSON(`/connect/plans/${encodeURIComponent(planId)}/layers/settlements.geojson`);
  for (const f of data.features) {
    const [lon, lat] = f.geometry.coordinates;
    const radius = Math.max(2, Math.min(12, Math.sqrt(f.properties.population || 0) / 8));
    const m = L.circleMarker([lat, lon], { renderer, radius, weight: 0.5, fillOpacity: 0.75, opacity: 0.9 });
    m.feature = f;
    m.bindPopup(() => popup(f.properties));
    m.addTo(map);
    state.markers.push(m);
    state.byId.set(String(f.properties.id), m);
  }
  if (state.markers.length) map.fitBounds(L.featureGroup(state.markers).getBounds(), { padding: [10, 10] });
}

function optionsTable() {
  const rows = state.detail.options_table.map((r) => {
    const served = r.demand_mbps ? 100 * r.served_mbps / r.demand_mbps : null;
    return `<tr class="${r.option === $("option").value ? "current" : ""}"><td>${esc(r.option)}</td>`
      + `<td>${fmt(r.settlements_feasible)}</td><td>${fmt(served, 1)} %</td><td>${fmt(r.capex_usd / 1e6, 1)}</td>`
      + `<td>${fmt(r.cost_per_user_usd_year)}</td><td>${fmt(r.settlements_connected_in_horizon)}</td></tr>`;
  });
  $("options").innerHTML = "<tr><th>option</th><th title='settlements feasible'>feasible</th>"
    + "<th title='busy-hour demand served'>served</th><th title='capital expenditure, million USD'>CAPEX M$</th>"
    + "<th title='annualised cost per subscriber, USD per year'>$/user/yr</th>"
    + "<th title='settlements connected within the rollout horizon'>rolled out</th></tr>" + rows.join("");
}

async function rollout(planId) {
  const option = $("option").value;
  const rows = await getJSON(`/connect/plans/${encodeURIComponent(planId)}/rollout/${option}?limit=50`);
  const o = key(option);
  $("rollout").innerHTML = rows.map((r) => `<li data-id="${esc(r.id)}">${esc(r.name || r.id)} `
    + `<span class="meta">${esc(r[`${o}_system`])}, year ${esc(r[`${o}_rollout_year`])}, ${fmt(r.population)} people, `
    + `${fmt(r[`${o}_capex_usd`])} USD</span></li>`).join("") || "<li>none within the horizon</li>";
}

async function summary(planId) {
  const rows = await getJSON(`/connect/plans/${encodeURIComponent(planId)}/summary/adm1?option=${$("option").value}`);
  rows.sort((a, b) => (b.population || 0) - (a.population || 0));
  $("summary").innerHTML = "<tr><th>oblast</th><th>settlements</th><th>feasible</th><th>CAPEX M$</th>"
    + "<th>rolled out</th></tr>" + rows.map((r) => `<tr><td>${esc(r.name || r.adm1 || "(unknown)")}</td>`
    + `<td>${fmt(r.settlements)}</td><td>${fmt(r.feasible)}</td><td>${fmt(r.capex_usd / 1e6, 1)}</td>`
    + `<td>${fmt(r.connected_in_horizon)}</td></tr>`).join("");
}

async function showOption() {
  recolour();
  optionsTable();
  await Promise.all([rollout(state.plan), summary(state.plan)]);
}

async function showPlan(planId) {
  state.plan = planId;
  state.detail = await getJSON(`/connect/plans/${encodeURIComponent(planId)}`);
  state.colours = Object.fromEntries(state.detail.systems.map((s) => [s.id, s.colour]));
  $("plan-info").textContent = `${state.detail.scenario} · ${fmt(state.detail.settlements)} settlements · `
    + `design availability ${state.detail.design_availability_percent} %`;
  state.horizon = state.detail.rollout_years || 10;
  await loadSettlements(planId);
  await showOption();
}

async function main() {
  await loadBoundaries();
  const plans = await getJSON("/connect/plans");
  $("plan").innerHTML = plans.map((p) => `<option value="${esc(p.id)}">${esc(p.id)} (${esc(p.scenario)})</option>`).join("");
  if (!plans.length) {
    $("plan-info").textContent = "No plan yet: run 'make demo' or 'spacebridge connect plan --out DATA/NAME'.";
    return;
  }
  $("plan").value = plans.some((p) => p.id === "connect") ? "connect" : plans[0].id;
  await showPlan($("plan").value);
}

$("plan").addEventListener("change", () => showPlan($("plan").value));
$("option").addEventListener("change", showOption);
$("colour").addEventListener("change", recolour);
$("rollout").addEventListener("click", (ev) => {
  const li = ev.target.closest("li[data-id]");
  const m = li && state.byId.get(li.dataset.id);
  if (m) { map.setView(m.getLatLng(), Math.max(map.getZoom(), 8)); m.openPopup(); }
});

main().then(() => { document.body.dataset.ready = "1"; }).catch((e) => {
  $("plan-info").textContent = `Could not load: ${e.message}`;
  document.body.dataset.ready = "1";
});
