/* spacebridge sky page: a site and a night, its twilights, when each target is observable (altitude chart per
   target), the schedule of the sample request file, and the passes of the bundled satellite sample. Talks only to
   this server; all times are UTC. */
"use strict";

const $ = (id) => document.getElementById(id);
const state = { sites: [], vis: null, passes: [], chart: null, selected: null, generation: 0, sample: null };
const DEFAULT_TARGETS = [
  "M31, 10.6847, 41.2690", "M42, 83.8221, -5.3911", "M45, 56.7500, 24.1167", "M1, 83.6331, 22.0145",
  "M13, 250.4235, 36.4613", "M57, 283.3963, 33.0292", "M51, 202.4696, 47.1952", "M81, 148.8882, 69.0653",
  "Vega, 279.2347, 38.7837", "Betelgeuse, 88.7929, 7.4071", "Sirius, 101.2872, -16.7161",
  "Sgr A*, 266.4168, -29.0078", "LMC, 80.8938, -69.7561", "Omega Cen, 201.6970, -47.4795",
];

async function getJSON(url, options) {
  const resp = await fetch(url, options);
  const body = resp.headers.get("content-type")?.includes("json") ? await resp.json() : await resp.text();
  if (!resp.ok) {
    const detail = body.detail ? body.detail.map((d) => `${d.loc.slice(1).join(".")}: ${d.msg}`).join("; ") : resp.status;
    throw new Error(body.description || detail);
  }
  return body;
}
const postJSON = (url, data) => getJSON(url, {
  method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) });

function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
  return node;
}
const hhmm = (iso) => (iso ? iso.slice(11, 16) : "–");
const secs = (iso) => Date.parse(iso) / 1000;

/* ---- inputs ------------------------------------------------------------------------------------------------ */
function parseTargets() {
  const rows = $("targets-text").value.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  return rows.map((line, i) => {
    const parts = line.split(",").map((s) => s.trim());
    const [ra, dec] = [Number(parts[parts.length - 2]), Number(parts[parts.length - 1])];
    if (parts.length < 3 || !Number.isFinite(ra) || !Number.isFinite(dec)) throw new Error(`target line ${i + 1}: expected "id, ra_deg, dec_deg"`);
    return { id: parts.slice(0, parts.length - 2).join(","), ra_deg: ra, dec_deg: dec };
  });
}
const optionalNumber = (id) => ($(id).value === "" ? null : Number($(id).value));

function fillTelescopes() {
  const site = state.sites.find((s) => s.id === $("site").value);
  $("telescope").length = 1;
  for (const t of site.telescopes) $("telescope").appendChild(el("option", `${t.name} (${t.aperture_m} m)`, { value: t.id }));
}

/* ---- night, targets, chart --------------------------------------------------------------------------------- */
function showTwilights(night, moon) {
  const rows = [["sunset", night.sunset_utc], ["civil dusk", night.dusk_utc.civil], ["nautical dusk", night.dusk_utc.nautical],
    ["astronomical dusk", night.dusk_utc.astronomical], ["astronomical dawn", night.dawn_utc.astronomical],
    ["nautical dawn", night.dawn_utc.nautical], ["civil dawn", night.dawn_utc.civil], ["sunrise", night.sunrise_utc]];
  const table = $("twilights");
  table.replaceChildren();
  for (const [name, t] of rows) {
    const tr = el("tr");
    tr.append(el("th", name), el("td", t ? `${t.slice(0, 10)} ${hhmm(t)}` : "none"));
    table.appendChild(tr);
  }
  const tr = el("tr");
  tr.append(el("th", "astronomical darkness"), el("td", `${night.dark_hours.astronomical.toFixed(1)} h`));
  const tm = el("tr");
  tm.append(el("th", "Moon illumination"), el("td", moon === null ? "–" : `${Math.round(moon * 100)} %`));
  table.append(tr, tm);
}

function showTargets() {
  const body = $("targets").querySelector("tbody");
  body.replaceChildren();
  for (const t of state.vis.targets) {
    const tr = el("tr", null, { "data-id": t.id, tabindex: "0" });
    tr.classList.toggle("never", !t.observable);
    tr.classList.toggle("selected", t.id === state.selected);
    const wins = t.windows.map((w) => `${hhmm(w.start_utc)}–${hhmm(w.end_utc)}`).join(", ");
    tr.append(el("td", t.id), el("td", `${Math.round(t.fraction_observable * 100)} %`), el("td", wins || "–"),
      el("td", `${t.max_altitude_deg.toFixed(1)}°`), el("td", t.reason || ""));
    tr.addEventListener("click", () => selectTarget(t.id));
    tr.addEventListener("keydown", (e) => { if (e.key === "Enter") selectTarget(t.id); });
    body.appendChild(tr);
  }
}

function selectTarget(id) {
  state.selected = id;
  document.querySelectorAll("#targets tr[data-id]").forEach((tr) => tr.classList.toggle("selected", tr.dataset.id === id));
  const v = state.vis;
  const t = v.targets.find((x) => x.id === id);
  const xs = v.times_utc.map(secs);
  const inWindow = (x) => t.windows.some((w) => x >= secs(w.start_utc) && x <= secs(w.end_utc));
  const observable = t.altitude_deg.map((a, i) => (inWindow(xs[i]) ? a : null));
  $("chart-title").textContent = `Altitude of ${id} at ${v.site}, night of ${v.night.night} (UTC)`;
  $("chart").replaceChildren();
  const width = Math.max(400, $("chart").clientWidth || 700);
  state.chart = new uPlot({
    width, height: 260, tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"),
    scales: { x: { time: true }, y: { range: [-30, 90] } },
    axes: [{ values: (u, splits) => splits.map((s) => new Date(s * 1000).toISOString().slice(11, 16)) },
      { label: "altitude (°)" }],
    series: [{}, { label: id, stroke: "#145ad8", width: 1.5 },
      { label: "observable", stroke: "#1a9641", width: 4, spanGaps: false },
      { label: "Moon", stroke: "#999", width: 1, dash: [4, 4] }, { label: "Sun", stroke: "#e08a00", width: 1 }],
  }, [xs, t.altitude_deg, observable, v.moon_altitude_deg, v.sun_altitude_deg], $("chart"));
}

/* ---- passes ------------------------------------------------------------------------------------------------ */
function showPasses() {
  const body = $("passes").querySelector("tbody");
  body.replaceChildren();
  const shown = state.passes.filter((p) => !$("visible-only").checked || (p.sunlit && p.observer_dark));
  for (const p of shown.slice(0, 200)) {
    const tr = el("tr");
    tr.append(el("td", p.name), el("td", p.norad_id), el("td", hhmm(p.rise_utc)), el("td", hhmm(p.culmination_utc)),
      el("td", hhmm(p.set_utc)), el("td", `${p.max_elevation_deg.toFixed(1)}°`), el("td", p.sunlit ? "yes" : "no"),
      el("td", p.observer_dark ? "yes" : "no"));
    body.appendChild(tr);
  }
  return shown.length;
}

async function loadPasses(night, generation) {
  $("passes-info").textContent = "computing passes…";
  state.passes = [];
  if (!night.sunset_utc || !night.sunrise_utc) {
    showPasses();
    $("passes-info").textContent = "the Sun does not set this night";
    return;
  }
  const doc = await postJSON("/sky/passes", { site: $("site").value, sample: true, start_utc: night.sunset_utc,
    end_utc: night.sunrise_utc, min_elevation_deg: 10 });
  if (generation !== state.generation) return;
  state.passes = doc.passes;
  const n = showPasses();
  $("passes-info").textContent = `${n} of ${doc.passes.length} passes above 10° of ${doc.n_satellites} satellites` +
    (doc.warnings.length ? ` · warning: ${doc.warnings.join(" · ")}` : "");
}

/* ---- schedule of the sample request file --------------------------------------------------------------------- */
const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function movedSample(sample, site, telescope, night) {
  /* the sample's windows and cadences are for its own night: shift them by whole days to the chosen one */
  const ms = Date.parse(`${night}T00:00:00Z`) - Date.parse(`${sample.night}T00:00:00Z`);
  const shift = (iso) => new Date(Date.parse(iso) + ms).toISOString().replace(".000Z", "Z");
  const doc = JSON.parse(JSON.stringify(sample));
  Object.assign(doc, { site, night, telescope: telescope || null });
  for (const r of doc.requests) {
    for (const w of r.windows || []) Object.assign(w, { start_utc: shift(w.start_utc), end_utc: shift(w.end_utc) });
    if (r.cadence) Object.assign(r.cadence, { start_utc: shift(r.cadence.start_utc), end_utc: shift(r.cadence.end_utc) });
  }
  return doc;
}

function drawTimeline(doc, priorities) {
  const box = $("timeline");
  box.replaceChildren();
  if (!doc.night_start_utc) return;
  const [t0, t1] = [secs(doc.night_start_utc), secs(doc.night_end_utc)];
  const width = Math.max(400, box.clientWidth || 800);
  const x = (t) => 10 + (width - 20) * (t - t0) / (t1 - t0);
  const chart = svg("svg", { viewBox: `0 0 ${width} 70`, height: 70, role: "img", "aria-label": "schedule timeline" });
  chart.appendChild(svg("rect", { class: "night", x: 10, y: 8, width: width - 20, height: 34 }));
  for (let h = Math.ceil(t0 / 3600) * 3600; h <= t1; h += 3600) {
    chart.appendChild(svg("line", { x1: x(h), x2: x(h), y1: 42, y2: 48, stroke: "#888" }));
    chart.appendChild(svg("text", { x: x(h), y: 60, "text-anchor": "middle" }, new Date(h * 1000).toISOString().slice(11, 16)));
  }
  const top = Math.max(...Object.values(priorities), 1);
  for (const b of doc.scheduled) {
    const [a, e] = [x(secs(b.start_utc)), x(secs(b.end_utc))];
    const rect = svg("rect", { class: "block", x: a, y: 10, width: Math.max(1, e - a), height: 30,
      "fill-opacity": 0.35 + 0.65 * (priorities[b.id] ?? top) / top, "data-id": b.id });
    rect.appendChild(svg("title", {}, `${b.id}: ${hhmm(b.start_utc)}–${hhmm(b.end_utc)} UTC, priority ${priorities[b.id] ?? "?"}`));
    chart.appendChild(rect);
    if (e - a > 7 * String(b.id).length) chart.appendChild(svg("text", { x: a + 2, y: 29, fill: "#fff" }, b.id));
  }
  box.appendChild(chart);
}

async function loadSchedule(generation) {
  $("schedule-info").textContent = "scheduling…";
  state.sample = state.sample || await getJSON("/sky/sample-requests");
  const request = movedSample(state.sample, $("site").value, $("telescope").value, $("night").value);
  const doc = await postJSON("/sky/schedule", request);
  if (generation !== state.generation) return;
  const priorities = {};
  for (const r of request.requests) priorities[r.id] = r.priority;
  for (const b of doc.scheduled) priorities[b.id] = priorities[b.id] ?? priorities[String(b.id).split("#")[0]];
  drawTimeline(doc, priorities);
  $("schedule-info").textContent = `${doc.scheduled.length} of ${doc.scheduled.length + doc.unscheduled.length} ` +
    `requests scheduled between ${hhmm(doc.night_start_utc)} and ${hhmm(doc.night_end_utc)} UTC, value ` +
    `${doc.value_priority_hours.toFixed(1)} priority-hours` + (doc.warnings.length ? ` · ${doc.warnings.join(" · ")}` : "");
  $("unscheduled").replaceChildren(...doc.unscheduled.map((u) => el("li", `${u.id}: ${u.reason}`)));
}

/* ---- wiring ------------------------------------------------------------------------------------------------ */
async function update() {
  const generation = ++state.generation;  /* answers of an older update are dropped */
  delete document.body.dataset.shown;
  $("status").textContent = "computing…";
  const request = {
    site: $("site").value, telescope: $("telescope").value || null, night: $("night").value,
    twilight: $("twilight").value, max_airmass: optionalNumber("airmass"),
    min_moon_separation_deg: optionalNumber("moonsep"), curves: true, step_s: 300, targets: parseTargets(),
  };
  const night = await getJSON(`/sky/sites/${encodeURIComponent(request.site)}/nights/${request.night}`);
  if (generation !== state.generation) return;
  showTwilights(night, null);
  const passes = loadPasses(night, generation).catch((e) => { $("passes-info").textContent = `passes: ${e.message}`; });
  const schedule = loadSchedule(generation).catch((e) => { $("schedule-info").textContent = `schedule: ${e.message}`; });
  try {
    const vis = await postJSON("/sky/visibility", request);
    if (generation !== state.generation) return;
    state.vis = vis;
    showTwilights(state.vis.night, state.vis.moon_illumination);
    showTargets();
    const keep = state.vis.targets.find((t) => t.id === state.selected) || state.vis.targets.find((t) => t.observable);
    if (keep) selectTarget(keep.id);
    const n = state.vis.targets.filter((t) => t.observable).length;
    $("status").textContent = `${n} of ${state.vis.targets.length} targets observable between ${hhmm(state.vis.start_utc)} and ` +
      `${hhmm(state.vis.end_utc)} UTC` + (state.vis.warnings.length ? ` · ${state.vis.warnings.join(" · ")}` : "");
  } catch (e) {
    if (generation !== state.generation) return;
    $("status").textContent = e.message;
    $("targets").querySelector("tbody").replaceChildren();
    $("chart").replaceChildren();
  }
  await Promise.all([passes, schedule]);
  if (generation === state.generation) document.body.dataset.shown = `${request.site}/${request.night}`;
}

const run = () => update().catch((e) => { $("status").textContent = e.message; });
$("site").addEventListener("change", () => { fillTelescopes(); run(); });
for (const id of ["telescope", "night", "twilight"]) $(id).addEventListener("change", run);
$("update").addEventListener("click", run);
$("visible-only").addEventListener("change", showPasses);

(async () => {
  state.sites = await getJSON("/sky/sites");
  for (const s of state.sites) $("site").appendChild(el("option", s.name, { value: s.id }));
  fillTelescopes();
  $("night").value = new Date().toISOString().slice(0, 10);
  $("targets-text").value = DEFAULT_TARGETS.join("\n");
  await update();
  document.body.dataset.ready = "1";
})().catch((e) => { document.body.dataset.ready = "error"; $("status").textContent = e.message; });
