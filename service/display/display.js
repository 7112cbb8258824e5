// The agent display: subscribes to callcoach/v1/agents/<agent>/# over MQTT on
// WebSockets and shows nudges as short cards that fade, plus the live gauges.
// It never takes the keyboard focus (the agent is typing elsewhere); new cards
// are announced through the polite live region of the card list.
// Whose display it is comes from the signed link (?token=, minted by
// `coach display-link` or GET /display-link), never from ?agent= alone: the
// page reads the token's claims to know what to show, and logs in to the
// broker with them, where the signature and the expiry are checked.
// Time: the page never trusts the desktop's clock. It anchors the server's
// clock (server_time_ms of /display/config.json) to its own monotonic clock
// (performance.now) when it loads, and again after every reconnect, and judges
// a nudge's age (issued_at), the link's expiry and a card's end on that clock.
// Missing nothing: one MQTT session per display that outlives the connection
// (clean: false, a client id a reload keeps), QoS 1, so what the broker queued
// while the page was away arrives on reconnect; de-duplicated by nudge id.
(() => {
  "use strict";

  const params = new URLSearchParams(location.search);
  const $ = (id) => document.getElementById(id);
  const I18N = window.CALLCOACH_I18N;
  // Used only when the server does not serve /display/config.json; the real
  // values come from config/mqtt.toml through that file, and the kind labels
  // ({language: {kind: label}}) from the kind catalogue of service.coaching.
  const FALLBACK_CONFIG = {
    broker: `ws://${location.hostname || "127.0.0.1"}:9001`,
    topic_root: "callcoach/v1", language: "en", nudge_expiry_s: 20, card_s: 12, labels: {},
  };
  const MAX_CARDS = 3;              // a calm screen: older cards make room
  const KUDOS_CARD_SHARE = 0.5;     // kudos stay half as long as nudges
  const FADE_MS = 1000;             // matches the CSS opacity transition
  const SEEN_IDS_KEPT = 500;        // ids remembered to drop a redelivered duplicate
  const RECONNECT_MS = 2000;
  const KEEPALIVE_S = 15;           // a dead link (no close seen) is noticed within ~1.5x this
  const CLOCK_TIMEOUT_MS = 3000;    // a re-measure of the server clock waits at most this long
  const CLAIM_WAIT_MS = 150;        // how long another tab may take to say it uses our client id
  const STORE = "callcoach.display";
  const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout's longest wait; longer waits are chained
  const SUBACK_FAILURE = 128;
  // CONNACK codes of a refused login: 3.1.1 bad credentials / not authorised, MQTT 5 the same.
  const REFUSED_CODES = new Set([4, 5, 134, 135]);
  const DISTRESS_KINDS = new Set(["missing_empathy", "policy_before_empathy"]);
  const CALM_KUDOS = new Set(["empathy"]);

  let t = I18N.en;
  let labels = {};                  // kind -> label in the page's language
  let config = FALLBACK_CONFIG;
  let seen = [];                    // nudge ids shown (or dropped), oldest first; kept across a reload
  let seenKey = "";
  // The server's clock: serverMs was its time when the page's clock read perfMs.
  // Until a server answers with server_time_ms, the desktop clock stands in.
  let clockAnchor = { serverMs: Date.now(), perfMs: performance.now() };
  // Silence timer: from state.silence_s when the service sends it; otherwise it
  // starts with a dead-air nudge and stops when the talk totals grow again.
  let silence = { base: 0, at: 0, live: false };
  let lastTalk = 0;

  // The server's clock now, in Unix milliseconds.
  const serverNow = () => clockAnchor.serverMs + (performance.now() - clockAnchor.perfMs);

  // GET /display/config.json, anchoring the server's clock to ours on the way
  // (at the midpoint of the request: off by at most half its round trip).
  async function fetchConfig(timeoutMs) {
    const signal = timeoutMs && typeof AbortSignal.timeout === "function" ? AbortSignal.timeout(timeoutMs) : undefined;
    const sent = performance.now();
    const reply = await fetch("/display/config.json", { cache: "no-store", signal });
    const answered = performance.now();
    if (!reply.ok) return null;
    const body = await reply.json();
    if (body && typeof body.server_time_ms === "number" && Number.isFinite(body.server_time_ms)) {
      clockAnchor = { serverMs: body.server_time_ms, perfMs: (sent + answered) / 2 };
    }
    return body;
  }

  // After a reconnect: the desktop may have slept (its monotonic clock with it), so measure again.
  async function remeasureClock() {
    try { await fetchConfig(CLOCK_TIMEOUT_MS); } catch (_) { /* keep the last anchor */ }
  }

  async function loadConfig() {
    const merged = { ...FALLBACK_CONFIG };
    try {
      const served = await fetchConfig(0);
      if (served) Object.assign(merged, served);
    } catch (_) { /* keep the fallback */ }
    if (params.get("broker")) merged.broker = params.get("broker");
    if (params.get("root")) merged.topic_root = params.get("root");
    if (params.get("lang")) merged.language = params.get("lang");
    return merged;
  }

  function localise(language) {
    const code = window.CallcoachI18n.apply(language);
    t = I18N[code];
    labels = config.labels[code] || {};
  }

  function setConnection(state) {
    const pill = $("connection");
    pill.dataset.state = state;
    pill.textContent = t[state];
    document.body.dataset.connection = state;
  }

  function showProblem(text) {
    const box = $("problem");
    box.textContent = text;
    box.hidden = false;
  }


  // Why the link cannot open this display (an i18n key), or "" when it can.
  function linkProblem(claims) {
    if (!claims || claims.role !== "agent") return "missing_link";
    if (claims.exp * 1000 <= serverNow()) return "expired_link";
    if (params.has("agent") && params.get("agent") !== claims.id) return "wrong_agent";
    return "";
  }

  // Run action at epochMs on the server's clock.
  function atTime(epochMs, action) {
    const wait = epochMs - serverNow();
    if (wait <= 0) action(); else setTimeout(() => atTime(epochMs, action), Math.min(wait, MAX_TIMER_MS));
  }

  function randomHex() {
    return Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // Storage may be off (privacy settings) or full: then the page just forgets.
  function stored(storage, key) {
    try { return window[storage].getItem(key); } catch (_) { return null; }
  }

  function store(storage, key, value) {
    try { window[storage].setItem(key, value); } catch (_) { /* forget */ }
  }

  // This display's MQTT client id, display-<agent>-<64 random bits>: the bits are
  // kept in localStorage, so a reload resumes the broker's session and gets what
  // it queued meanwhile. A second tab showing the same agent must not use the
  // same id (each would take the other's connection over, forever): tabs ask
  // each other over a BroadcastChannel, and a tab whose id is in use, or that
  // asked at the same moment with the lower draw, takes fresh bits for itself.
  function claimClientId(agent) {
    const key = `${STORE}.${agent}.client`;
    let bits = stored("localStorage", key);
    if (!/^[0-9a-f]{16}$/.test(bits || "")) {
      bits = randomHex();
      store("localStorage", key, bits);
    }
    const id = (suffix) => `display-${agent}-${suffix}`;
    if (typeof BroadcastChannel !== "function") return Promise.resolve(id(bits));
    const channel = new BroadcastChannel(key);
    const draw = randomHex();
    let mine = null;
    let taken = false;
    channel.onmessage = ({ data }) => {
      if (!data || typeof data !== "object") return;
      if (data.ask && data.ask === mine) channel.postMessage({ taken: mine });
      else if (mine === null && data.taken === bits) taken = true;
      else if (mine === null && data.ask === bits && data.draw > draw) taken = true;
    };
    channel.postMessage({ ask: bits, draw });
    return new Promise((resolve) => setTimeout(() => {
      mine = taken ? randomHex() : bits;
      resolve(id(mine));
    }, CLAIM_WAIT_MS));
  }

  function stop(client, problem) {
    client.end(true);
    showProblem(t[problem]);
    setConnection("offline");
  }

  // VOICE_MARK: the mood comes from the customer's raised voice, not their words
  // (state.customer_distress_source "voice"): a speaker sign, the same in every language.
  const VOICE_MARK = " \u{1F50A}";

  function setDistress(upset, source) {
    const el = $("distress");
    el.dataset.distress = String(upset);
    el.dataset.source = upset && source ? source : "";
    el.textContent = upset ? t.upset + (source === "voice" ? VOICE_MARK : "") : t.calm;
  }

  const clock = (seconds) => {
    const s = Math.max(0, Math.floor(seconds));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  };

  // QoS 1 is at least once, and a resumed session may send again what the page
  // got just before a reload: an id is shown once (the list survives a reload, per tab).
  function alreadySeen(id) {
    if (!id) return false;
    if (seen.includes(id)) return true;
    seen.push(id);
    if (seen.length > SEEN_IDS_KEPT) seen.shift();
    store("sessionStorage", seenKey, JSON.stringify(seen));
    return false;
  }

  function loadSeen(agent) {
    seenKey = `${STORE}.${agent}.seen`;
    try {
      const kept = JSON.parse(stored("sessionStorage", seenKey) || "[]");
      seen = Array.isArray(kept) ? kept.filter((id) => typeof id === "string").slice(-SEEN_IDS_KEPT) : [];
    } catch (_) { seen = []; }
  }

  // Seconds until the message expires on the server's clock (nudge_expiry_s after
  // issued_at); Infinity for a message without issued_at.
  function lifeLeft(msg) {
    if (typeof msg.issued_at !== "number") return Infinity;
    return msg.issued_at + config.nudge_expiry_s - serverNow() / 1000;
  }

  function evidenceNode(evidence) {
    const box = document.createElement("p");
    if (evidence.text) {
      const quote = document.createElement("q");
      quote.textContent = evidence.text;
      box.append(`${t.said}: `, quote, " ");
    }
    box.append(`${t.at} ${clock(evidence.start)}–${clock(evidence.end)}`);
    return box;
  }

  function scheduleFade(card, seconds) {
    setTimeout(() => {
      if (card.querySelector(".why").getAttribute("aria-expanded") === "true") {
        scheduleFade(card, seconds);   // the agent is reading the evidence: keep it
        return;
      }
      card.classList.add("fading");
      setTimeout(() => removeCard(card), FADE_MS);
    }, seconds * 1000);
  }

  function removeCard(card) {
    card.remove();
    $("empty").hidden = $("cards").children.length > 0;
  }

  function addCard(msg) {
    if (alreadySeen(msg.id)) return;
    const left = lifeLeft(msg);
    if (left <= 0) return;          // stale: it arrived after its expiry (a reconnect, a slow network)
    const type = msg.type === "kudos" ? "kudos" : "nudge";
    const card = $("card-template").content.firstElementChild.cloneNode(true);
    card.dataset.id = msg.id || "";
    card.dataset.kind = msg.kind || "";
    card.dataset.type = type;
    card.dataset.severity = msg.severity || "info";
    card.querySelector(".message").textContent = msg.message || labels[msg.kind] || msg.kind || "";
    const why = card.querySelector(".why");
    const evidence = card.querySelector(".evidence");
    why.textContent = t.why;
    if (msg.evidence) evidence.append(evidenceNode(msg.evidence)); else why.hidden = true;
    why.addEventListener("click", () => {
      const open = why.getAttribute("aria-expanded") !== "true";
      why.setAttribute("aria-expanded", String(open));
      why.textContent = open ? t.hide : t.why;
      evidence.hidden = !open;
    });
    const list = $("cards");
    list.prepend(card);
    while (list.children.length > MAX_CARDS) list.lastElementChild.remove();
    $("empty").hidden = true;
    // A card fades after card_s, or when its message expires if that comes first.
    scheduleFade(card, Math.min(config.card_s * (type === "kudos" ? KUDOS_CARD_SHARE : 1), left));
    if (type === "nudge" && msg.kind === "dead_air" && msg.evidence) {
      silence = { base: msg.evidence.end - msg.evidence.start, at: performance.now(), live: true };
    }
    if (type === "nudge" && DISTRESS_KINDS.has(msg.kind)) setDistress(true);
    if (type === "kudos" && CALM_KUDOS.has(msg.kind)) setDistress(false);
  }

  function applyState(state) {
    const m = state.metrics || {};
    if (typeof m.talk_ratio_agent === "number") {
      const pct = Math.round(Math.min(1, Math.max(0, m.talk_ratio_agent)) * 100);
      document.querySelector(".agent-share").style.width = `${pct}%`;
      const meter = $("ratio");
      meter.setAttribute("aria-valuenow", String(pct));
      meter.setAttribute("aria-valuetext", `${t.you} ${pct}%`);
    }
    if (typeof m.interruptions_by_agent === "number") $("interruptions").textContent = String(m.interruptions_by_agent);
    if (typeof state.customer_distress === "boolean") setDistress(state.customer_distress, state.customer_distress_source);
    const live = state.status !== "ended";
    const talk = (m.agent_talk_s || 0) + (m.customer_talk_s || 0);
    if (typeof state.silence_s === "number") {
      silence = { base: state.silence_s, at: performance.now(), live };
    } else if (!live || talk > lastTalk) {
      silence = { base: 0, at: performance.now(), live };  // someone spoke (or the call ended)
    }
    lastTalk = talk;
    document.body.dataset.callStatus = state.status || "";
  }

  function tickSilence() {
    const shown = silence.live && silence.base > 0 ? silence.base + (performance.now() - silence.at) / 1000 : 0;
    $("silence").textContent = clock(shown);
  }

  // Only this agent's own topics count, whatever a broker hands over.
  function onMessage(topics, topic, payload) {
    let msg;
    try { msg = JSON.parse(new TextDecoder().decode(payload)); } catch (_) { return; }
    if (!msg || typeof msg !== "object") return;
    if (topic === topics.nudges) addCard(msg);
    else if (topic === topics.state) applyState(msg);
  }

  function dismissNewest(event) {
    if (event.key !== "Escape") return;
    const newest = $("cards").firstElementChild;
    if (newest) removeCard(newest);
  }

  async function main() {
    config = await loadConfig();
    localise(config.language);
    setDistress(false);
    setConnection("connecting");
    document.addEventListener("keydown", dismissNewest);
    setInterval(tickSilence, 250);
    const token = params.get("token");
    const claims = window.CallcoachToken.read(token);
    const problem = linkProblem(claims);
    if (problem) { showProblem(t[problem]); setConnection("offline"); return; }
    const agent = claims.id;
    $("agent").textContent = agent;
    if (typeof window.mqtt === "undefined") { showProblem(t.missing_library); setConnection("offline"); return; }
    loadSeen(agent);
    const own = `${config.topic_root}/agents/${agent}`;
    const topics = { nudges: `${own}/nudges`, state: `${own}/state` };
    // An external broker that cannot check tokens (Mosquitto) gets a login from the
    // link: &user= (agent/<id>/<epoch>, rotating) and &password=; older links carry
    // only the password, for the bare agent id.
    const brokerPassword = params.get("password");
    const client = window.mqtt.connect(config.broker, {
      clientId: await claimClientId(agent),
      clean: false,                    // the broker keeps the session, and queues QoS 1 while we are away
      resubscribe: false,              // subscribed on every connect below
      protocolVersion: 4,              // 3.1.1: every broker speaks it, the embedded one included
      keepalive: KEEPALIVE_S,
      reconnectPeriod: RECONNECT_MS,
      username: params.get("user") || (brokerPassword ? agent : `${claims.role}:${agent}`),
      password: brokerPassword || token,
    });
    // Messages are handled in order, each once the server's clock is known:
    // after a reconnect the queued ones wait for the clock's re-measure.
    let clockReady = Promise.resolve();
    let inbox = Promise.resolve();
    let connectedBefore = false;
    client.on("connect", () => {
      if (connectedBefore) clockReady = remeasureClock();
      connectedBefore = true;
      setConnection("connected");
      // Again on every connect: a broker that lost the session (a restart) has lost it too.
      client.subscribe(`${own}/#`, { qos: 1 }, (err, granted) => {
        if (err || (granted || []).some((g) => g.qos === SUBACK_FAILURE)) stop(client, "refused_link");
      });
    });
    client.on("error", (err) => { if (REFUSED_CODES.has(err.code)) stop(client, "refused_link"); });
    client.on("reconnect", () => setConnection("reconnecting"));
    client.on("offline", () => setConnection("offline"));
    client.on("message", (topic, payload) => {
      const ready = clockReady;
      inbox = inbox.then(() => ready).then(() => onMessage(topics, topic, payload)).catch((err) => reportError(err));
    });
    atTime(claims.exp * 1000, () => stop(client, "expired_link"));
    window.callcoachClient = client;   // for debugging from the console
  }

  main();
})();
