// The supervisor view of one team: opened with a supervisor link
// (`coach supervisor-link TEAM`: /supervisor?team=T&token=...), it logs in to
// the broker with the token (the broker checks it and lets it read only
// <root>/teams/T/# and the team's agents' topics), reads the team's roster
// (<root>/teams/T/roster), then each agent's retained state and nudges, and
// the team's attention digest (<root>/teams/T/attention). One tile per agent;
// tiles needing attention sort first with a reason line; a click or Enter
// opens the coaching history of the agent's call (what this page has seen).
// Its words are i18n.js's, in the agent display's language (?lang=, else the
// server's nudges.display_language, else the browser's); the kind labels come
// from /display/config.json in the same language.
(() => {
  "use strict";

  const params = new URLSearchParams(location.search);
  const $ = (id) => document.getElementById(id);
  const I18N = window.CALLCOACH_I18N;
  const { format } = window.CallcoachI18n;
  const FALLBACK_CONFIG = { broker: `ws://${location.hostname || "127.0.0.1"}:9001`, topic_root: "callcoach/v1",
                            language: "en", labels: {} };
  const RECONNECT_MS = 2000;
  const SUBACK_FAILURE = 128;
  const REFUSED_CODES = new Set([4, 5, 134, 135]);
  const STALE_STATE_S = 10;        // a call whose state has not moved this long is marked stale
  const LAST_NUDGES = 3;
  const SEVERITY_RANK = { alert: 0, warn: 1 };
  // The digest's reasons (<root>/teams/T/attention) in words.
  const REASONS = {
    alert_nudge: (e) => format(t.reason_alert, { kind: label(e.kind) }),
    dead_air: (e) => format(t.reason_silence, { seconds: Math.round(e.silence_s || 0) }),
    customer_distress: (e) => (e.source === "voice" ? t.reason_distress_voice : t.reason_distress),
  };

  let t = I18N.en;
  let config = FALLBACK_CONFIG;
  let labels = {};
  let root = "";
  const agents = new Map();        // agent id -> {tile, state, stateAt, callId, attention}
  const history = new Map();       // call id -> [nudge or kudos payloads]
  let openAgent = null;

  const label = (kind) => labels[kind] || (kind || "").replace(/_/g, " ");
  // "Kudos", or the nudge's severity, in words.
  const kindOf = (msg) => (msg.type === "kudos" ? t.kudos : t[`severity_${msg.severity}`] || t.severity_info);
  const clock = (seconds) => {
    const s = Math.max(0, Math.floor(seconds));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  };

  async function loadConfig() {
    const merged = { ...FALLBACK_CONFIG };
    try {
      const reply = await fetch("/display/config.json", { cache: "no-store" });
      if (reply.ok) Object.assign(merged, await reply.json());
    } catch (_) { /* keep the fallback */ }
    if (params.get("broker")) merged.broker = params.get("broker");
    if (params.get("root")) merged.topic_root = params.get("root");
    if (params.get("lang")) merged.language = params.get("lang");
    return merged;
  }


  // Why the link cannot open this page (an i18n key), or "" when it can.
  function linkProblem(claims) {
    if (!claims || claims.role !== "supervisor" || !claims.team) return "needs_supervisor_link";
    if (params.has("team") && params.get("team") !== claims.team) return "needs_supervisor_link";
    if (claims.exp * 1000 <= Date.now()) return "expired_link";
    return "";
  }

  function setConnection(state) {
    const pill = $("connection");
    pill.dataset.state = state;
    pill.textContent = t[state];
    document.body.dataset.connection = state;
    const stale = state !== "connected" && agents.size > 0;
    document.body.dataset.stale = String(stale);
    $("stale").hidden = !stale;
  }

  function showProblem(key) {
    $("problem").textContent = t[key];
    $("problem").hidden = false;
    $("tiles").replaceChildren();
    agents.clear();
    $("history").hidden = true;
  }

  // -- tiles -----------------------------------------------------------------
  function ensureAgent(id) {
    if (agents.has(id)) return agents.get(id);
    const tile = $("tile-template").content.firstElementChild.cloneNode(true);
    tile.dataset.agent = id;
    tile.querySelector(".name").textContent = id;
    tile.addEventListener("click", () => openHistory(id));
    tile.addEventListener("keydown", (event) => onTileKey(event, id));
    const entry = { tile, state: null, stateAt: 0, callId: "", attention: null };
    agents.set(id, entry);
    $("tiles").append(tile);
    $("empty").hidden = true;
    render(entry);
    reorder();
    rovingFocus();
    return entry;
  }

  function onCall(entry) { return Boolean(entry.state && entry.state.status === "active"); }

  function render(entry) {
    const { tile, state } = entry;
    const live = onCall(entry);
    tile.dataset.oncall = String(live);
    tile.querySelector(".status").textContent = live ? t.on_call : (state && state.status === "ended" ? t.call_ended : t.idle);
    const m = (state && state.metrics) || {};
    const ratio = typeof m.talk_ratio_agent === "number" ? `${Math.round(m.talk_ratio_agent * 100)}%` : "–";
    tile.querySelector(".ratio-value").textContent = ratio;
    tile.querySelector(".interruptions").textContent = String(m.interruptions_by_agent || 0);
    const mood = tile.querySelector(".mood");
    const upset = Boolean(live && state.customer_distress);
    const byVoice = upset && state.customer_distress_source === "voice";
    mood.dataset.distress = String(upset);
    mood.dataset.source = upset ? state.customer_distress_source || "" : "";
    mood.textContent = live ? (upset ? t.upset + (byVoice ? " \u{1F50A}" : "") : t.calm) : "–"; // the speaker sign: by voice
    const reason = tile.querySelector(".reason");
    const attention = live || entry.attention ? entry.attention : null;
    tile.dataset.attention = attention ? attention.severity : "";
    reason.hidden = !attention;
    reason.textContent = attention ? (REASONS[attention.reason] || ((e) => e.reason))(attention) : "";
    const list = tile.querySelector(".last-nudges");
    list.replaceChildren(...(history.get(entry.callId) || []).slice(-LAST_NUDGES).reverse().map((msg) => {
      const li = document.createElement("li");
      li.dataset.severity = msg.severity || "info";
      li.dataset.type = msg.type || "nudge";
      li.textContent = `${kindOf(msg)}: ${label(msg.kind)}`;
      return li;
    }));
    tile.setAttribute("aria-label", [entry.tile.dataset.agent, tile.querySelector(".status").textContent,
                                     reason.hidden ? "" : reason.textContent].filter(Boolean).join(", "));
    tick(entry);
  }

  // The call's length now: its last state's call time, running on while the call is live.
  function duration(entry) {
    const { state } = entry;
    if (!state || typeof state.t !== "number") return 0;
    return state.t + (onCall(entry) ? (performance.now() - entry.stateAt) / 1000 : 0);
  }

  function tick(entry) {
    const { tile, state } = entry;
    const live = onCall(entry);
    const since = (performance.now() - entry.stateAt) / 1000;
    tile.querySelector(".duration").textContent = clock(duration(entry));
    const silence = live && typeof state.silence_s === "number" && state.silence_s > 0 ? state.silence_s + since : 0;
    tile.querySelector(".silence").textContent = clock(silence);
    tile.dataset.stale = String(document.body.dataset.stale === "true" || (live && since > STALE_STATE_S));
  }

  function rank(entry) {
    const a = entry.attention && onCall(entry) ? SEVERITY_RANK[entry.attention.severity] ?? 2 : 3;
    return [a, onCall(entry) ? 0 : 1, entry.tile.dataset.agent];
  }

  function reorder() {
    const sorted = [...agents.values()].sort((x, y) => {
      const [a, b] = [rank(x), rank(y)];
      return a[0] - b[0] || a[1] - b[1] || a[2].localeCompare(b[2]);
    });
    const list = $("tiles");
    const current = [...list.children];
    if (sorted.every((e, i) => current[i] === e.tile)) return;
    const focused = document.activeElement;
    sorted.forEach((e) => list.append(e.tile));
    if (focused && focused.classList && focused.classList.contains("tile")) focused.focus();
    rovingFocus();
  }

  // One tile in the tab order at a time; arrow keys move between tiles.
  function rovingFocus() {
    const tiles = [...$("tiles").children];
    const active = tiles.find((t) => t.tabIndex === 0) || tiles[0];
    tiles.forEach((t) => { t.tabIndex = t === active ? 0 : -1; });
  }

  function onTileKey(event, id) {
    const tiles = [...$("tiles").children];
    const at = tiles.indexOf(event.currentTarget);
    let next = null;
    if (event.key === "Enter" || event.key === " ") { event.preventDefault(); openHistory(id); return; }
    if (event.key === "ArrowRight" || event.key === "ArrowDown") next = tiles[Math.min(tiles.length - 1, at + 1)];
    if (event.key === "ArrowLeft" || event.key === "ArrowUp") next = tiles[Math.max(0, at - 1)];
    if (event.key === "Home") next = tiles[0];
    if (event.key === "End") next = tiles[tiles.length - 1];
    if (next) {
      event.preventDefault();
      tiles.forEach((t) => { t.tabIndex = t === next ? 0 : -1; });
      next.focus();
    }
  }

  // -- history ---------------------------------------------------------------
  function openHistory(id) {
    openAgent = id;
    agents.forEach((e, agent) => e.tile.setAttribute("aria-expanded", String(agent === id)));
    renderHistory();
    $("history").hidden = false;
  }

  function closeHistory() {
    if (openAgent === null) return;
    const entry = agents.get(openAgent);
    openAgent = null;
    $("history").hidden = true;
    agents.forEach((e) => e.tile.setAttribute("aria-expanded", "false"));
    if (entry) entry.tile.focus();
  }

  function renderHistory() {
    const entry = agents.get(openAgent);
    if (!entry) return;
    const items = history.get(entry.callId) || [];
    $("history-title").textContent = format(entry.callId ? t.history_title_call : t.history_title,
                                            { agent: openAgent, call: entry.callId });
    $("history-empty").hidden = items.length > 0;
    $("history-list").replaceChildren(...items.map((msg) => {
      const li = document.createElement("li");
      li.dataset.severity = msg.severity || "info";
      li.dataset.type = msg.type || "nudge";
      li.dataset.kind = msg.kind || "";
      const head = document.createElement("p");
      head.className = "message";
      const when = typeof msg.t === "number" ? ` ${t.at} ${clock(msg.t)}` : "";
      head.textContent = `${kindOf(msg)}${when}: ${msg.message || label(msg.kind)}`;
      li.append(head);
      if (msg.evidence) {
        const ev = document.createElement("p");
        ev.className = "evidence";
        if (msg.evidence.text) {
          const quote = document.createElement("q");
          quote.textContent = msg.evidence.text;
          ev.append(`${t.said}: `, quote, " ");
        }
        ev.append(`(${clock(msg.evidence.start)}–${clock(msg.evidence.end)})`);
        li.append(ev);
      }
      return li;
    }));
  }

  // -- messages --------------------------------------------------------------
  function onMessage(client, topic, payload) {
    let msg;
    try { msg = JSON.parse(new TextDecoder().decode(payload)); } catch (_) { return; }
    if (!msg || typeof msg !== "object") return;
    const team = `${root}/teams/${config.team}/`;
    if (topic === `${team}roster`) return onRoster(client, msg);
    if (topic === `${team}attention`) return onDigest(msg);
    const match = topic.match(/\/agents\/([^/]+)\/(state|nudges)$/);
    if (!match || !agents.has(match[1])) return;   // only the roster's agents are shown
    const entry = agents.get(match[1]);
    if (match[2] === "state") {
      // The "ended" state carries no call time: the tile keeps the last one the call sent (not the
      // clock run on, which would count the wait for the call's last transcripts as call time).
      const last = entry.state && entry.state.call_id === msg.call_id ? entry.state.t : undefined;
      entry.state = typeof msg.t !== "number" && typeof last === "number" ? { ...msg, t: last } : msg;
      entry.stateAt = performance.now();
      if (msg.call_id && msg.call_id !== entry.callId) entry.callId = msg.call_id;
      if (msg.status !== "active" && entry.attention && entry.attention.call_id === msg.call_id) entry.attention = null;
    } else {
      if (!msg.call_id) return;
      const seen = history.get(msg.call_id) || [];
      const known = msg.id ? seen.findIndex((m) => m.id === msg.id) : -1;
      if (known >= 0) seen[known] = { ...seen[known], ...msg };   // a duplicate, or the digest's copy first
      else seen.push(msg);
      history.set(msg.call_id, seen);
      if (!entry.callId) entry.callId = msg.call_id;
    }
    render(entry);
    reorder();
    if (openAgent === match[1]) renderHistory();
  }

  function onRoster(client, msg) {
    (Array.isArray(msg.agents) ? msg.agents : []).forEach((agent) => {
      if (typeof agent !== "string" || agents.has(agent)) return;
      ensureAgent(agent);
      client.subscribe(`${root}/agents/${agent}/#`, { qos: 1 }, (err, granted) => {
        if (err || (granted || []).some((g) => g.qos === SUBACK_FAILURE)) stop(client, "refused_link");
      });
    });
  }

  function onDigest(msg) {
    const calls = Array.isArray(msg.calls) ? msg.calls : [];
    agents.forEach((entry) => { entry.attention = null; });
    calls.forEach((c) => {
      const entry = agents.get(c.agent_id);
      if (!entry) return;
      entry.attention = c;
      if (c.call_id) entry.callId = c.call_id;
      const seen = history.get(c.call_id) || [];
      (c.last_nudges || []).forEach((n) => { if (!seen.some((m) => m.id === n.id)) seen.push({ ...n, call_id: c.call_id }); });
      history.set(c.call_id, seen.sort((a, b) => (a.t || 0) - (b.t || 0)));
    });
    agents.forEach(render);
    reorder();
    if (openAgent) renderHistory();
  }

  function stop(client, problem) {
    client.end(true);
    showProblem(problem);
    setConnection("offline");
  }

  async function main() {
    config = await loadConfig();
    const code = window.CallcoachI18n.apply(config.language, $("tile-template").content);
    t = I18N[code];
    labels = (config.labels || {})[code] || {};
    root = config.topic_root;
    setConnection("connecting");
    const token = params.get("token");
    const claims = window.CallcoachToken.read(token);
    const problem = linkProblem(claims);
    if (problem) { showProblem(problem); setConnection("offline"); return; }
    config.team = claims.team;
    $("title").textContent = `${t.team} ${claims.team}`;
    document.title = `callcoach: ${t.team} ${claims.team}`;
    if (typeof window.mqtt === "undefined") { showProblem("missing_library"); setConnection("offline"); return; }
    $("history-close").addEventListener("click", closeHistory);
    document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeHistory(); });
    setInterval(() => agents.forEach(tick), 250);
    const client = window.mqtt.connect(config.broker, {
      clientId: `supervisor-${claims.id}-${Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, "0")).join("")}`,
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: RECONNECT_MS,
      username: params.get("user") || `supervisor:${claims.id}`,  // &user, &password: an external broker's login
      password: params.get("password") || token,
    });
    client.on("connect", () => {
      setConnection("connected");
      const topics = [`${root}/teams/${claims.team}/#`, ...[...agents.keys()].map((a) => `${root}/agents/${a}/#`)];
      client.subscribe(topics, { qos: 1 }, (err, granted) => {
        if (err || (granted || []).some((g) => g.qos === SUBACK_FAILURE)) stop(client, "refused_link");
      });
    });
    client.on("error", (err) => { if (REFUSED_CODES.has(err.code)) stop(client, "refused_link"); });
    client.on("reconnect", () => setConnection("reconnecting"));
    client.on("offline", () => setConnection("offline"));
    client.on("close", () => { if (document.body.dataset.connection === "connected") setConnection("reconnecting"); });
    client.on("message", (topic, payload) => onMessage(client, topic, payload));
    const wait = claims.exp * 1000 - Date.now();
    if (wait < 2 ** 31 - 1) setTimeout(() => stop(client, "expired_link"), wait);
    window.callcoachClient = client;
  }

  main();
})();
