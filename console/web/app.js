// rtmprecd console: plain JavaScript, no build step. It calls the
// locations named by config.json with the token as a Bearer header; media
// and downloads use the recordings API's session cookie (POST login), so
// a token never appears in a URL.
"use strict";

const state = {
  token: sessionStorage.getItem("rtmprecd-token") || "",
  cfg: null,       // config.json: api, stat, control, metrics paths
  features: {},    // what the API's openapi.json offers: export, hlsFiles
  page: "",
  timer: 0,
  disk: {},        // path -> first {free, t} sample, for time to full
  rows: [],        // recordings shown
  hls: null,
};

const $ = (id) => document.getElementById(id);

// el builds an element: el("td", {class: "x"}, "text", child).
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== false && v !== undefined && v !== null) e.setAttribute(k, v === true ? "" : v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : String(k ?? ""));
  return e;
}

function say(msg, bad) {
  const s = $("status");
  s.textContent = msg;
  s.className = bad ? "bad" : "";
}

// AuthError is a 401 or 403: the token is missing or wrong.
class AuthError extends Error {}

async function call(path, opts) {
  opts = opts || {};
  const headers = Object.assign({}, opts.headers);
  if (state.token) headers.Authorization = "Bearer " + state.token;
  if (opts.json !== undefined) {
    headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(opts.json);
  }
  const res = await fetch(path, { method: opts.method || "GET", headers, body: opts.body, credentials: "same-origin" });
  if (res.status === 401 || res.status === 403) throw new AuthError(await message(res));
  if (!res.ok) throw new Error(path + ": " + (await message(res)));
  return opts.text ? res.text() : res.json();
}

async function message(res) {
  const t = await res.text();
  try { return JSON.parse(t).message || t; } catch (e) { return t.trim() || res.status + " " + res.statusText; }
}

function api(p) { return state.cfg.api + p; }
function streamURL(sp) { return sp.split("/").map(encodeURIComponent).join("/"); }

// --- formatting ---
function bytes(n) {
  if (!(n >= 0)) return "";
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + " " + u[i];
}
function secs(s) {
  s = Math.round(s || 0);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(r).padStart(2, "0");
}
function bits(n) { return n >= 1e6 ? (n / 1e6).toFixed(2) + " Mbit/s" : (n / 1e3).toFixed(0) + " kbit/s"; }
function when(iso) { return iso ? new Date(iso).toLocaleString() : ""; }

// --- login ---
async function start() {
  $("login-form").addEventListener("submit", (ev) => { ev.preventDefault(); login($("token").value); });
  $("logout").addEventListener("click", logout);
  for (const b of document.querySelectorAll("nav [data-page]")) b.addEventListener("click", () => { location.hash = b.dataset.page; });
  window.addEventListener("hashchange", () => show(location.hash.slice(1)));
  $("filters").addEventListener("submit", (ev) => { ev.preventDefault(); loadRecordings(); });
  $("f-stream").addEventListener("change", loadRecordings);
  $("play-range").addEventListener("click", playRange);
  try {
    await enter();
  } catch (e) {
    showLogin(e instanceof AuthError && state.token ? "The saved token was refused: log in again." : "This console needs the control token.");
    if (!(e instanceof AuthError)) say(e.message, true);
  }
}

// enter reads config.json and the API's features, sets the session
// cookie, and shows the page of the URL's hash.
async function enter() {
  state.cfg = await call("config.json");
  if (state.cfg.needToken) throw new AuthError("a control_token is needed");
  if (state.cfg.api) {
    await call(api("login"), { method: "POST" });
    try {
      const doc = await call(api("openapi.json"));
      const paths = Object.keys(doc.paths || {});
      state.features.export = paths.some((p) => p.startsWith("/export/"));
      state.features.hlsFiles = paths.includes("/recordings/{id}/file/{name}");
    } catch (e) { say("openapi.json: " + e.message, true); }
  }
  $("login").hidden = true;
  $("nav").hidden = false;
  show(location.hash.slice(1) || "live");
}

async function login(token) {
  state.token = token.trim();
  $("login-error").textContent = "";
  try {
    await enter();
    sessionStorage.setItem("rtmprecd-token", state.token);
    say("Logged in.");
  } catch (e) {
    state.token = "";
    const msg = e instanceof AuthError ? "Wrong token: the daemon refused it (" + e.message + ")." : "Login failed: " + e.message;
    $("login-error").textContent = msg;
    $("token").focus();
  }
}

function logout() {
  sessionStorage.removeItem("rtmprecd-token");
  state.token = "";
  showLogin("Logged out.");
}

function showLogin(msg) {
  clearInterval(state.timer);
  for (const p of document.querySelectorAll(".page")) p.hidden = true;
  $("nav").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = msg || "";
  $("token").focus();
}

// --- navigation ---
function show(page) {
  if (!["live", "recordings", "health"].includes(page)) page = "live";
  state.page = page;
  clearInterval(state.timer);
  for (const p of document.querySelectorAll(".page")) p.hidden = p.id !== page;
  for (const b of document.querySelectorAll("nav [data-page]")) {
    if (b.dataset.page === page) b.setAttribute("aria-current", "page"); else b.removeAttribute("aria-current");
  }
  const every = { live: [refreshLive, 1000], recordings: [loadCatalog, 0], health: [refreshHealth, 5000] }[page];
  guard(every[0]);
  if (every[1]) state.timer = setInterval(() => guard(every[0]), every[1]);
}

// guard runs an async refresh, showing its error; a refused token shows
// the login form.
async function guard(fn) {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AuthError) showLogin("The token was refused: " + e.message);
    else say(e.message, true);
  }
}

// --- live ---
async function refreshLive() {
  if (!state.cfg.stat) { say("No rtmp_stat location in this server: live streams cannot be shown.", true); return; }
  const st = await call(state.cfg.stat + "?format=json");
  const tbody = $("live-table").tBodies[0];
  const rows = [];
  for (const srv of st.servers || []) {
    for (const app of srv.applications || []) {
      for (const s of (app.live && app.live.streams) || []) {
        if (s.publishing) rows.push(liveRow(app.name, s));
      }
    }
  }
  tbody.replaceChildren(...rows);
  $("live-empty").hidden = rows.length > 0;
  if (state.page === "live") say("Live: " + rows.length + " stream(s), " + new Date().toLocaleTimeString());
}

function liveRow(app, s) {
  const sp = app + "/" + s.name;
  const pub = (s.clients || []).find((c) => c.publishing);
  const v = (s.meta && s.meta.video) || null, a = (s.meta && s.meta.audio) || null;
  const video = v ? v.codec + " " + v.width + "x" + v.height + (v.frame_rate ? " @" + v.frame_rate : "") : "";
  const audio = a ? a.codec + (a.sample_rate ? " " + a.sample_rate + " Hz" : "") + (a.channels ? " " + a.channels + "ch" : "") : "";
  const recs = el("ul", { class: "recs" }, ...(s.recordings || []).map((r) =>
    el("li", { "data-recorder": r.recorder, "data-size": r.size }, (r.recorder || "record") + ": " + bytes(r.size) + ", " + secs(r.duration / 1000))));
  return el("tr", { "data-stream": sp },
    el("td", {}, sp), el("td", {}, pub ? pub.address : ""), el("td", {}, video), el("td", {}, audio),
    el("td", {}, bits(s.bw_in)), el("td", {}, secs(s.time / 1000)), el("td", {}, recs),
    el("td", { class: "actions" },
      el("button", { type: "button", onclick: () => manual(sp, "start") }, "Start recording"),
      el("button", { type: "button", onclick: () => manual(sp, "stop") }, "Stop recording"),
      el("button", { type: "button", class: "event", onclick: () => trigger(sp) }, "Trigger event")));
}

async function manual(sp, what) {
  await guard(async () => {
    const r = await call(api(what + "/" + streamURL(sp)), { method: "POST" });
    say((what === "start" ? "Recording " : "Stopped ") + sp + ": " + r.filePath);
  });
}

async function trigger(sp) {
  await guard(async () => {
    const r = await call(api("event/start"), { method: "POST", json: { streamPath: sp, eventId: "console-" + Date.now(), eventName: "console", eventDesc: "triggered from the console" } });
    say("Event " + r.eventId + " on " + sp + ": " + (r.message || r.filePath));
  });
}

// --- recordings ---
async function loadCatalog() {
  if (!state.cfg.api) { say("No record_api location in this server: recordings cannot be shown.", true); return; }
  const cat = await call(api("catalog"));
  const sel = $("f-stream"), keep = sel.value;
  sel.replaceChildren(...cat.data.map((c) => el("option", { value: c.streamPath }, c.streamPath + " (" + c.count + ")")));
  if (keep && cat.data.some((c) => c.streamPath === keep)) sel.value = keep;
  if (!$("f-day").value) $("f-day").value = dayString(new Date());
  await loadRecordings();
}

function dayString(d) {
  return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
}

// range is the filters' time range, local time: the day, narrowed by from
// and to.
function range() {
  const day = $("f-day").value || dayString(new Date());
  const start = new Date(day + "T" + ($("f-from").value || "00:00"));
  const end = $("f-to").value ? new Date(day + "T" + $("f-to").value) : new Date(start.getTime() + 86400e3);
  return { day: new Date(day + "T00:00"), start, end };
}

// loadRecordings shows the filtered recordings. Loads can overlap (a
// filter change while a refresh is on its way): only the latest one
// draws, so an older answer never replaces a newer stream's rows.
async function loadRecordings() {
  const gen = (state.recGen = (state.recGen || 0) + 1);
  await guard(async () => {
    const sp = $("f-stream").value;
    if (!sp) { $("rec-table").tBodies[0].replaceChildren(); $("rec-empty").hidden = false; $("timeline").replaceChildren(); return; }
    const r = range();
    const q = new URLSearchParams({ start: r.start.toISOString(), end: r.end.toISOString(), size: "200" });
    if ($("f-format").value) q.set("format", $("f-format").value);
    if ($("f-recorder").value) q.set("recorder", $("f-recorder").value);
    if ($("f-events").checked) q.set("eventOnly", "true");
    const list = await call(api("list/" + streamURL(sp) + "?" + q));
    const evs = await call(api("events/" + streamURL(sp) + "?" + new URLSearchParams({ start: r.day.toISOString(), end: new Date(r.day.getTime() + 86400e3).toISOString(), size: "500" })));
    if (gen !== state.recGen) return; // a newer load draws
    state.rows = list.data.filter((x) => x.status !== "deleted");
    $("rec-table").tBodies[0].replaceChildren(...state.rows.map(recRow));
    $("rec-empty").hidden = state.rows.length > 0;
    drawTimeline(r.day, state.rows, evs.data);
    say(sp + ": " + state.rows.length + " recording(s)");
  });
}

function drawTimeline(day, rows, events) {
  const t0 = day.getTime(), span = 86400e3;
  const pct = (t) => Math.min(100, Math.max(0, ((t - t0) / span) * 100));
  const kids = [];
  for (const r of rows) {
    const s = new Date(r.startTime).getTime();
    const e = r.endTime ? new Date(r.endTime).getTime() : s + r.duration * 1000;
    const bar = el("button", { type: "button", class: "bar", "data-id": r.id, title: "#" + r.id + " " + when(r.startTime) + ", " + secs(r.duration), "aria-label": "Play recording " + r.id, onclick: () => play(r) });
    bar.style.left = pct(s) + "%";
    bar.style.width = Math.max(0.05, pct(e) - pct(s)) + "%";
    kids.push(bar);
  }
  for (const ev of events) {
    const m = el("span", { class: "mark", "data-event": ev.eventId, title: "event " + (ev.eventName || ev.eventId) + " " + when(ev.triggerTime) });
    m.style.left = pct(new Date(ev.triggerTime).getTime()) + "%";
    kids.push(m);
  }
  $("timeline").replaceChildren(...kids);
}

// playable says how a recording plays here, or why it does not.
function playable(r) {
  if (r.format === "mp4" || r.format === "fmp4") return r.status === "recording" && r.format === "mp4" ? "" : "file";
  if (r.format === "hls") return state.features.hlsFiles ? "hls" : "";
  if (r.format === "flv") return state.features.export ? "export" : "";
  return "";
}

function recRow(r) {
  const how = playable(r);
  const file = api("recordings/" + r.id + "/file");
  const events = (r.events || []).map((e) => e.eventName || e.eventId).join(", ") || r.eventName || "";
  const actions = el("td", { class: "actions" },
    el("button", { type: "button", class: "play", disabled: !how, title: how ? "" : "This daemon's API cannot serve this recording to a browser", onclick: () => play(r) }, "Play"),
    r.format === "hls" ? "" : el("a", { href: file, download: "", class: "download" }, "Download"),
    el("button", { type: "button", class: "pin", "aria-pressed": r.pinned ? "true" : "false", onclick: () => pin(r) }, r.pinned ? "Unpin" : "Pin"),
    el("button", { type: "button", class: "delete danger", onclick: (ev) => remove(r, ev.currentTarget) }, "Delete"));
  return el("tr", { "data-id": r.id, "data-format": r.format, "data-pinned": r.pinned ? "true" : "false" },
    el("td", {}, r.id), el("td", {}, when(r.startTime)), el("td", {}, secs(r.duration)), el("td", { class: "size" }, bytes(r.size)),
    el("td", {}, r.format), el("td", {}, r.recorder || "(app)"), el("td", {}, r.status + (r.pinned ? ", pinned" : "")),
    el("td", { class: "events" }, events), actions);
}

async function pin(r) {
  await guard(async () => {
    await call(api("recordings/" + r.id + "/" + (r.pinned ? "unpin" : "pin")), { method: "POST" });
    say((r.pinned ? "Unpinned " : "Pinned ") + "recording " + r.id);
    await loadRecordings();
  });
}

// remove asks for a second press rather than a dialog, so that it stays
// one keyboard action away and never blocks the page.
async function remove(r, button) {
  if (button.dataset.armed !== "1") {
    button.dataset.armed = "1";
    button.textContent = "Confirm delete";
    say("Press again to delete recording " + r.id + ".");
    return;
  }
  await guard(async () => {
    const res = await call(api("delete/" + streamURL(r.streamPath)), { method: "POST", json: { ids: [r.id] } });
    say("Deleted recording " + r.id + (res.message ? ": " + res.message : ""));
    await loadRecordings();
  });
}

// --- playback ---
function stopPlayer() {
  const v = $("video");
  if (state.hls) { state.hls.destroy(); state.hls = null; }
  v.removeAttribute("src");
  v.load();
}

function play(r) {
  const how = playable(r);
  if (!how) { say("Recording " + r.id + " (" + r.format + ") cannot be played here.", true); return; }
  let src = api("recordings/" + r.id + "/file");
  if (how === "export") {
    // The media's duration, not the wall clock: a file pushed faster
    // than real time spans more media than time.
    const t0 = new Date(r.startTime).getTime();
    const end = new Date(Math.max(r.endTime ? new Date(r.endTime).getTime() : 0, t0 + r.duration * 1000) + 1000);
    src = api("export/" + streamURL(r.streamPath) + "?" + new URLSearchParams({ start: r.startTime, end: end.toISOString(), format: "fmp4", recorder: r.recorder }));
  }
  if (how === "hls") src += "/index.m3u8";
  load(src, how === "hls", "Recording " + r.id + " (" + r.format + (how === "export" ? ", exported as fMP4" : "") + ")");
}

function playRange() {
  const sp = $("f-stream").value;
  if (!sp || !state.features.export) { say("Playing a range needs a stream and the API's export.", true); return; }
  const r = range();
  load(api("export/" + streamURL(sp) + "?" + new URLSearchParams({ start: r.start.toISOString(), end: r.end.toISOString(), format: "fmp4" })), false, sp + " from " + r.start.toLocaleString() + " to " + r.end.toLocaleString());
}

function load(src, isHLS, title) {
  stopPlayer();
  const v = $("video");
  $("player").hidden = false;
  $("player-info").textContent = title;
  v.dataset.src = src;
  if (isHLS && window.Hls && window.Hls.isSupported()) {
    const h = new window.Hls({ xhrSetup: (xhr) => { xhr.withCredentials = true; } });
    state.hls = h;
    h.on(window.Hls.Events.ERROR, (_, d) => { if (d.fatal) say("HLS: " + d.type + " " + d.details, true); });
    h.loadSource(src);
    h.attachMedia(v);
  } else {
    v.src = src;
  }
  v.play().catch((e) => { if (e.name !== "AbortError") say("Play: " + e.message, true); });
  say("Playing " + title);
}

// --- health ---
async function refreshHealth() {
  const info = [["Console", "hls.js " + state.cfg.hlsjs], ["Version", state.cfg.version]];
  if (state.cfg.control) {
    const st = await call(state.cfg.control + "/status");
    const c = st.config || {};
    info.push(["Daemon", "pid " + st.pid + ", up " + secs(st.uptime_ms / 1000)],
      ["Config generation", c.generation + " (" + (c.file || "") + ")"], ["Loaded", when(c.loaded_at)],
      ["Last reload", c.last_reload_at ? when(c.last_reload_at) + ": " + c.last_result : "none"]);
    if (c.last_error) info.push(["Last reload error", c.last_error + " (" + when(c.last_error_at) + ")"]);
  } else info.push(["Config", "no rtmp_control location in this server"]);
  $("health-info").replaceChildren(...info.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  if (!state.cfg.metrics) { $("disk-table").tBodies[0].replaceChildren(el("tr", {}, el("td", { colspan: 3 }, "no rtmp_metrics location in this server"))); return; }
  const text = await call(state.cfg.metrics, { text: true });
  $("disk-table").tBodies[0].replaceChildren(...diskRows(text));
}

// diskRows reads rtmprecd_record_path_free_bytes from the Prometheus text
// and estimates the time to full from the first sample seen.
function diskRows(text) {
  const out = [], now = Date.now();
  const re = /^rtmprecd_record_path_free_bytes\{path="((?:[^"\\]|\\.)*)"\} (\S+)$/gm;
  for (const m of text.matchAll(re)) {
    const p = m[1].replace(/\\(.)/g, "$1"), free = Number(m[2]);
    const first = state.disk[p] || (state.disk[p] = { free, t: now });
    const rate = (first.free - free) / ((now - first.t) / 1000);
    const ttf = rate > 0 ? secs(free / rate) : "not filling";
    out.push(el("tr", { "data-path": p }, el("td", {}, p), el("td", {}, bytes(free)), el("td", {}, ttf)));
  }
  return out;
}

start();
