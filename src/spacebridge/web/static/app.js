/* spacebridge web map: boundaries, product layers with legends, before/after swipe, pixel time series,
   drawing an area to start an analysis, alerts and downloads. Talks only to this server (no CDN, no web tiles). */
"use strict";

const state = { products: [], layer: null, vector: null, before: null, after: null, drawn: null, chart: null };
const $ = (id) => document.getElementById(id);

const map = L.map("map", { zoomControl: true, preferCanvas: false }).setView([48.0, 67.0], 4);
map.attributionControl.setPrefix("Leaflet");

async function getJSON(url, options) {
  const resp = await fetch(url, options);
  const body = resp.headers.get("content-type")?.includes("json") ? await resp.json() : await resp.text();
  if (!resp.ok) {
    const msg = body && body.description ? body.description : (body.detail ? JSON.stringify(body.detail) : resp.status);
    throw new Error(msg);
  }
  return body;
}

/* ---- boundaries ---------------------------------------------------------------------------------------- */
const boundaryLayers = {};
const LEVELS = [["adm0", "Country", 2.0, true], ["adm1", "Oblasts", 1.2, true], ["adm2", "Districts", 0.5, false]];

function nameOf(props, level) {
  const lang = $("lang").value;
  const n = level === "adm0" ? "ADM0" : level === "adm1" ? "ADM1" : "ADM2";
  return props[`${n}_${lang}`] || props[`${n}_EN`] || "";
}

async function loadBoundaries() {
  const installed = await getJSON("/boundaries");
  if (installed.message) {
    $("boundaries-note").textContent = installed.message;
    $("boundaries-note").hidden = false;
  }
  for (const [level, label, weight, on] of LEVELS) {
    if (!installed.levels[level]) continue;
    const box = document.createElement("label");
    box.innerHTML = `<input type="checkbox" data-level="${level}" ${on ? "checked" : ""}> ${label}`;
    $("boundary-toggles").appendChild(box);
    let data;
    try { data = await getJSON(`/boundaries/${level}.geojson`); } catch (e) { box.title = String(e); continue; }
    const layer = L.geoJSON(data, {
      style: { color: "#333", weight, fill: level !== "adm0", fillOpacity: 0.0, opacity: 0.8 },
      onEachFeature: (f, l) => l.bindTooltip(() => nameOf(f.properties, level), { sticky: true }),
      interactive: level !== "adm0",
    });
    boundaryLayers[level] = layer;
    if (on) layer.addTo(map);
    box.querySelector("input").addEventListener("change", (ev) => {
      if (ev.target.checked) layer.addTo(map); else map.removeLayer(layer);
    });
  }
}

/* ---- products -------------------------------------------------------------------------------------------- */
function assetsOf(item, kind) {
  return Object.entries(item.assets || {}).filter(([, a]) => (a.type || "").includes(kind)).map(([key]) => key);
}

async function loadProducts() {
  const cols = (await getJSON("/stac/collections")).collections;
  const groups = [];
  for (const c of cols) {
    const start = state.products.length;
    let url = `/stac/collections/${encodeURIComponent(c.id)}/items?limit=100`;
    while (url) {
      const page = await getJSON(url);
      for (const item of page.features) {
        for (const asset of assetsOf(item, "image/tiff")) state.products.push({ collection: c.id, item, asset });
      }
      const next = page.links.find((l) => l.rel === "next");
      url = next ? next.href : null;
    }
    groups.push([c.title || c.id, start, state.products.length]);
  }
  const escape = (text) => String(text).replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
  const options = groups.filter(([, a, b]) => b > a).map(([label, a, b]) => {
    const rows = state.products.slice(a, b).map((p, k) => {
      const when = (p.item.properties.datetime || p.item.properties.start_datetime || "").slice(0, 10);
      const title = p.item.assets[p.asset].title || p.asset;
      return `<option value="${a + k}">${escape(p.item.id)} · ${escape(title)}${when ? " · " + when : ""}</option>`;
    }).join("");
    return `<optgroup label="${escape(label)}">${rows}</optgroup>`;
  }).join("");
  for (const id of ["product", "before", "after"]) $(id).insertAdjacentHTML("beforeend", options);
  if (state.products.length) {
    $("product").value = "0";
    await showProduct(0);
  }
}

function tileLayer(p, pane) {
  const url = `/tiles/${encodeURIComponent(p.collection)}/${encodeURIComponent(p.item.id)}/${encodeURIComponent(p.asset)}/{z}/{x}/{y}.png`;
  return L.tileLayer(url, { pane: pane || "overlayPane", maxZoom: 22, opacity: 0.85, className: "product-layer",
    attribution: "spacebridge products" });
}

async function showVector(on) {
  if (state.vector) map.removeLayer(state.vector);
  state.vector = null;
  const p = state.products[Number($("product").value)];
  const key = p && assetsOf(p.item, "geo+json")[0];
  if (!on || !key) return;
  const data = await getJSON(p.item.assets[key].href);
  state.vector = L.geoJSON(data, { style: { color: "#d0208a", weight: 1.5, fill: false }, interactive: false,
    className: "product-vector" }).addTo(map);
}

async function showProduct(index) {
  if (state.layer) map.removeLayer(state.layer);
  state.layer = null;
  $("legend").innerHTML = "";
  $("downloads").innerHTML = "";
  $("vector-box").hidden = true;
  await showVector(false);
  if (index === "" || index === null || Number.isNaN(index)) return;
  const p = state.products[index];
  state.layer = tileLayer(p).addTo(map);
  const b = p.item.bbox;
  map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  const vectors = assetsOf(p.item, "geo+json");
  if (vectors.length) {
    $("vector-name").textContent = p.item.assets[vectors[0]].title || vectors[0];
    $("vector-box").hidden = false;
    if ($("vector").checked) await showVector(true);
  }
  const legend = await getJSON(`/tiles/${encodeURIComponent(p.collection)}/${encodeURIComponent(p.item.id)}/${encodeURIComponent(p.asset)}/legend`);
  $("legend").innerHTML = legend.kind === "classes"
    ? legend.classes.map((c) => `<div class="row"><span class="swatch" style="background:rgba(${c.rgba.slice(0, 3).join(",")},${c.rgba[3] / 255})"></span>${c.value}: ${c.name}</div>`).join("")
    : `<div class="ramp"></div><div class="row"><span>${legend.rescale[0].toPrecision(3)}</span><span style="margin-left:auto">${legend.rescale[1].toPrecision(3)}</span></div>`;
  const links = Object.entries(p.item.assets).map(([key, a]) => {
    const kind = (a.type || "").includes("tiff") ? "COG" : (a.type || "").includes("geo+json") ? "GeoJSON" : key;
    return `<a href="${a.href}" download>${kind}: ${key}</a>`;
  });
  $("downloads").innerHTML = links.join("");
}

/* ---- before / after swipe (clips the 'after' pane at the slider position) -------------------------------- */
map.createPane("before").style.zIndex = 410;
map.createPane("after").style.zIndex = 420;

function clipAfter() {
  const pane = map.getPane("after");
  if (!state.after) { pane.style.clip = ""; return; }
  const nw = map.containerPointToLayerPoint([0, 0]);
  const se = map.containerPointToLayerPoint(map.getSize());
  const x = nw.x + map.getSize().x * Number($("swipe").value) / 100;
  pane.style.clip = `rect(${nw.y}px, ${se.x}px, ${se.y}px, ${x}px)`;
}

function setSwipe(which, index) {
  if (state[which]) map.removeLayer(state[which]);
  state[which] = index === "" ? null : tileLayer(state.products[Number(index)], which).addTo(map);
  $("swipe").hidden = !(state.before && state.after);
  clipAfter();
}

/* ---- pixel time series ------------------------------------------------------------------------------------ */
async function pixelSeries(latlng) {
  const idx = $("product").value;
  if (idx === "") return;
  const p = state.products[Number(idx)];
  const q = `collection=${encodeURIComponent(p.collection)}&asset=${encodeURIComponent(p.asset)}&lon=${latlng.lng.toFixed(6)}&lat=${latlng.lat.toFixed(6)}`;
  const rows = await getJSON(`/timeseries/point?${q}`);
  const pts = rows.filter((r) => r.value !== null && r.datetime);
  const xs = pts.map((r) => Date.parse(r.datetime) / 1000);
  const ys = pts.map((r) => r.value);
  $("chart").innerHTML = "";
  state.chart = new uPlot({ width: 310, height: 180, scales: { x: { time: true } },
    series: [{}, { label: p.collection, stroke: "#145ad8", width: 2, points: { size: 6 } }] }, [xs, ys], $("chart"));
  $("chart-info").innerHTML = `${pts.length} of ${rows.length} dates valid at ${latlng.lat.toFixed(4)}, ${latlng.lng.toFixed(4)} · <a href="/timeseries/point?${q}&format=csv" download>CSV</a>`;
}

/* ---- drawing and analyses --------------------------------------------------------------------------------- */
const drawn = new L.FeatureGroup().addTo(map);
map.addControl(new L.Control.Draw({ edit: { featureGroup: drawn, edit: false },
  draw: { polyline: false, circle: false, circlemarker: false, marker: false, polygon: true, rectangle: true } }));
map.on(L.Draw.Event.CREATED, (ev) => {
  drawn.clearLayers();
  drawn.addLayer(ev.layer);
  state.drawn = ev.layer.toGeoJSON().geometry;
  $("start").disabled = false;
});

async function loadAnalyses() {
  // Scene analyses (flood, burn, index) run on the scenes a watch pass lists, not on a drawn area: not offered here.
  const list = (await getJSON("/analyses")).filter((a) => !a.needs_scene);
  $("analysis").innerHTML = list.map((a) => `<option value="${a.name}" title="${a.description}">${a.name}</option>`).join("");
}

async function startRun() {
  const key = $("apikey").value.trim();
  localStorage.setItem("spacebridge-key", key);
  const idx = $("product").value;
  const params = idx === "" ? {} : { collection: state.products[Number(idx)].collection, asset: state.products[Number(idx)].asset };
  $("run-status").textContent = "starting…";
  try {
    let run = await getJSON("/runs", { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` },
      body: JSON.stringify({ analysis: $("analysis").value, geometry: state.drawn, params }) });
    while (run.status === "queued" || run.status === "running") {
      $("run-status").textContent = `run ${run.id}: ${run.status}`;
      await new Promise((r) => setTimeout(r, 500));
      run = await getJSON(`/runs/${run.id}`);
    }
    const values = (run.result.values || []).map((v) => `${v.datetime.slice(0, 10)} ${v.variable} = ${Number(v.value).toPrecision(4)}`);
    $("run-status").textContent = `run ${run.id}: ${run.status}${run.error ? "\n" + run.error : ""}\n${values.join("\n")}`;
  } catch (e) {
    $("run-status").textContent = `could not start: ${e.message}`;
  }
  loadAlerts();
}

/* ---- alerts ----------------------------------------------------------------------------------------------- */
async function loadAlerts() {
  const alerts = await getJSON("/alerts?limit=50");
  $("alerts").innerHTML = alerts.length
    ? alerts.map((a) => `<li class="${a.closed_at ? "" : "open"}">${a.opened_at.slice(0, 16)} — ${a.message}</li>`).join("")
    : "<li>no alerts</li>";
}

/* ---- wiring ----------------------------------------------------------------------------------------------- */
$("product").addEventListener("change", (e) => showProduct(e.target.value === "" ? "" : Number(e.target.value)));
$("before").addEventListener("change", (e) => setSwipe("before", e.target.value));
$("after").addEventListener("change", (e) => setSwipe("after", e.target.value));
$("swipe").addEventListener("input", clipAfter);
$("vector").addEventListener("change", (e) => showVector(e.target.checked).catch((err) => { $("run-status").textContent = String(err.message); }));
$("lang").addEventListener("change", () => Object.values(boundaryLayers).forEach((l) => l.eachLayer((f) => f.setTooltipContent(nameOf(f.feature.properties, f.feature.properties.ADM2_EN ? "adm2" : f.feature.properties.ADM1_EN ? "adm1" : "adm0")))));
$("start").addEventListener("click", startRun);
$("apikey").value = localStorage.getItem("spacebridge-key") || "";
map.on("move zoom", clipAfter);
map.on("click", (e) => pixelSeries(e.latlng).catch((err) => { $("chart-info").textContent = String(err.message); }));

(async () => {
  await Promise.all([loadBoundaries(), loadAnalyses(), loadAlerts()]);
  await loadProducts();
  document.body.dataset.ready = "1";
})().catch((e) => { document.body.dataset.ready = "error"; $("run-status").textContent = String(e.message); });
setInterval(() => loadAlerts().catch(() => {}), 30000);
