// The therapist's page: pairing, then the room over the WebSocket /osc that
// lull-web bridges to lulld (docs/tablet.md). No framework, nothing fetched from
// elsewhere. Commands are sent only while connected and never queued: a press
// during a disconnection does nothing (the controls say so), so nothing old is
// replayed into a session later.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const SUBSCRIBE_MS = 250;        // /lull/state interval asked of lulld
  const RENEW_S = 20;              // lulld's lease is 60 s; renew well before
  const STATUS_S = 5;              // status (preset, volume, session) re-read
  const STALE_S = 2.5;             // no /lull/state for this long: data shown as stale
  const BACKOFF_S = [0.5, 1, 2, 4, 5]; // reconnect delays, then 5 s
  const HISTORY_S = 40;            // seconds of breath drawn
  const TREND_S = 120;             // coherence trend

  const ui = {
    ws: null, connected: false, attempt: 0, retryTimer: null, timers: [],
    lastState: null, lastStateAt: 0, lastStatus: null, presets: new Map(),
    wave: [], trend: [], current: "", volumeSentAt: 0, volumeTimer: null,
  };
  window.lullDebug = ui; // read by the browser tests

  // ---- pairing ----------------------------------------------------------------

  async function whoami() {
    try {
      const r = await fetch("/api/whoami", { cache: "no-store", credentials: "same-origin" });
      const j = await r.json();
      if (j.room) { $("room").textContent = j.room; document.title = j.room + " · lull"; }
      return r.status === 200 ? "paired" : r.status === 401 ? "unpaired" : "error";
    } catch (e) {
      return "error"; // lull-web itself is away
    }
  }

  function showPairing(show) {
    $("pairing").hidden = !show;
    $("room-view").hidden = show;
    if (show) $("pin").focus();
  }

  $("pair-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("pair-error").textContent = "";
    const body = "pin=" + encodeURIComponent($("pin").value.trim());
    let r;
    try {
      r = await fetch("/pair", { method: "POST", body, credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    } catch (e) {
      $("pair-error").textContent = "The room's server is not reachable.";
      return;
    }
    let j = {};
    try { j = await r.json(); } catch (e) { /* keep {} */ }
    if (r.status === 200) {
      $("pin").value = "";
      showPairing(false);
      connect();
    } else if (r.status === 429) {
      $("pair-error").textContent = (j.error || "Too many attempts") +
        (j.retry_after ? ` (try again in ${j.retry_after} s)` : "");
    } else {
      $("pair-error").textContent = j.error || "Pairing failed (" + r.status + ")";
    }
  });

  // ---- connection ---------------------------------------------------------------

  function send(address, ...args) {
    if (!ui.connected) return false; // never queued for later
    ui.ws.send(LullOSC.encode(address, args));
    return true;
  }

  function setConnected(on, text) {
    ui.connected = on;
    $("conn").textContent = text;
    $("conn").className = "conn " + (on ? "on" : "off");
    $("controls").disabled = !on;
    $("offline").hidden = on;
    document.querySelectorAll("#presets button").forEach((b) => (b.disabled = !on));
  }

  function clearTimers() {
    ui.timers.forEach(clearInterval);
    ui.timers = [];
  }

  function connect() {
    clearTimeout(ui.retryTimer);
    ui.retryTimer = null;
    if (ui.ws && (ui.ws.readyState === WebSocket.OPEN || ui.ws.readyState === WebSocket.CONNECTING))
      return;
    const ws = new WebSocket(`ws://${location.host}/osc`, "osc");
    ws.binaryType = "arraybuffer";
    ui.ws = ws;
    ws.onopen = () => {
      ui.attempt = 0;
      setConnected(true, "connected");
      // Re-subscribe and re-read everything: the page keeps nothing across a gap.
      send("/lull/subscribe", { i: SUBSCRIBE_MS });
      send("/lull/status");
      ui.presets.clear();
      send("/lull/preset/info");
      ui.timers.push(setInterval(() => send("/lull/subscribe", { i: SUBSCRIBE_MS }), RENEW_S * 1000));
      ui.timers.push(setInterval(() => send("/lull/status"), STATUS_S * 1000));
    };
    ws.onmessage = (ev) => {
      let m;
      try { m = LullOSC.decode(ev.data); } catch (e) { return; }
      handle(m);
    };
    ws.onclose = () => {
      if (ui.ws !== ws) return;
      clearTimers();
      ui.ws = null;
      scheduleReconnect();
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  async function scheduleReconnect() {
    const delay = BACKOFF_S[Math.min(ui.attempt, BACKOFF_S.length - 1)];
    ui.attempt++;
    setConnected(false, `disconnected · retrying in ${delay} s`);
    ui.retryTimer = setTimeout(async () => {
      ui.retryTimer = null;
      const who = await whoami();
      if (who === "unpaired") { setConnected(false, "not paired"); showPairing(true); return; }
      if (who === "paired") connect();
      else scheduleReconnect();
    }, delay * 1000);
  }

  // Back from sleep or another app: try at once, not after the backoff.
  function reconnectNow() {
    if (document.visibilityState !== "visible" || ui.connected || $("room-view").hidden) return;
    ui.attempt = 0;
    if (ui.retryTimer) { clearTimeout(ui.retryTimer); ui.retryTimer = null; }
    connect();
  }
  document.addEventListener("visibilitychange", reconnectNow);
  window.addEventListener("pageshow", reconnectNow);

  // ---- messages from lulld ----------------------------------------------------------

  const num = (v, digits) => (typeof v === "number" && isFinite(v) ? v.toFixed(digits) : "–");

  function handle(m) {
    if (m.address === "/lull/state") {
      const s = LullOSC.pairs(m.args);
      const now = performance.now() / 1000;
      ui.lastState = s;
      ui.lastStateAt = now;
      $("breath-rate").textContent = num(s.breath, 1);
      $("pacer-rate").textContent = num(s.pacer, 1);
      $("heart-rate").textContent = num(s.heart, 0);
      $("coherence").textContent = num(s.coherence, 2);
      $("quality").textContent = `breath ${s.breath_state || "–"} · heart ${s.heart_state || "–"}`;
      ui.wave.push({ t: now, b: s.breath_phase, ok: s.breath_state === "ok", p: s.pacer_phase });
      while (ui.wave.length && now - ui.wave[0].t > HISTORY_S) ui.wave.shift();
      if (isFinite(s.coherence)) ui.trend.push({ t: now, c: s.coherence });
      while (ui.trend.length && now - ui.trend[0].t > TREND_S) ui.trend.shift();
      if (s.preset && s.preset !== ui.current) markCurrent(s.preset);
    } else if (m.address === "/lull/status.reply") {
      const s = LullOSC.pairs(m.args);
      ui.lastStatus = s;
      markCurrent(s.preset);
      if (performance.now() - ui.volumeSentAt > 3000 && isFinite(s.volume)) {
        $("volume").value = Math.round(s.volume);
        $("volume-value").textContent = s.volume.toFixed(0) + " dB";
      }
      $("session-state").textContent = s.session === "running" ? "running" : "stopped";
      document.querySelectorAll("#pacer-mode button").forEach((b) =>
        b.classList.toggle("active", b.dataset.mode === s.pacer_mode));
    } else if (m.address === "/lull/preset/info.reply") {
      const p = LullOSC.pairs(m.args);
      ui.presets.set(p.name, p);
      renderPresets();
    } else if (m.address === "/lull/done") {
      const [what, detail] = m.args;
      if (what === "/lull/volume") {
        $("volume-value").textContent = Number(detail).toFixed(0) + " dB";
        const asked = Number($("volume").value);
        $("volume-hint").textContent = Number(detail) < asked - 0.5 ?
          `capped at ${Number(detail).toFixed(0)} dB by the room's settings` : "";
      } else if (what === "/lull/preset/load") {
        feedback(`Now playing ${displayName(detail)} (crossfading)`);
        send("/lull/status");
      } else if (what === "/lull/pacer/mode") {
        feedback(`Breathing guide: ${detail}`);
        send("/lull/status");
      } else if (what === "/lull/session/start" || what === "/lull/session/stop") {
        feedback(what.endsWith("start") ? "Session started" : "Session stopping (fading out)");
        send("/lull/status");
      } else if (what === "/lull/session/mark") {
        feedback("Marked");
      }
    } else if (m.address === "/lull/fail") {
      const [what, reason] = m.args;
      if (what !== "/lull/unsubscribe") feedback(`Not done: ${reason}`, true);
    }
  }

  function feedback(text, bad) {
    $("feedback").textContent = text;
    $("feedback").style.color = bad ? "var(--bad)" : "";
  }

  function displayName(name) {
    const p = ui.presets.get(name);
    return p && p.display_name ? p.display_name : name;
  }

  function markCurrent(name) {
    ui.current = name || "";
    document.querySelectorAll("#presets .card").forEach((c) =>
      c.classList.toggle("current", c.dataset.name === ui.current));
  }

  function renderPresets() {
    const box = $("presets");
    box.textContent = "";
    [...ui.presets.values()].sort((a, b) => a.name.localeCompare(b.name)).forEach((p) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "card" + (p.name === ui.current ? " current" : "");
      b.dataset.name = p.name;
      b.disabled = !ui.connected;
      const t = document.createElement("b");
      t.textContent = p.display_name || p.name;
      const d = document.createElement("span");
      d.textContent = p.description || "";
      b.append(t, d);
      b.addEventListener("click", () => {
        if (send("/lull/preset/load", p.name)) feedback(`Switching to ${t.textContent}…`);
      });
      box.append(b);
    });
  }

  // ---- controls -----------------------------------------------------------------------

  function sendVolume() {
    ui.volumeTimer = null;
    if (send("/lull/volume", Number($("volume").value))) ui.volumeSentAt = performance.now();
  }
  $("volume").addEventListener("input", () => {
    $("volume-value").textContent = $("volume").value + " dB";
    if (!ui.volumeTimer) ui.volumeTimer = setTimeout(sendVolume, 150); // at most ~7/s
  });
  $("volume").addEventListener("change", sendVolume);
  document.querySelectorAll("#pacer-mode button").forEach((b) =>
    b.addEventListener("click", () => send("/lull/pacer/mode", b.dataset.mode)));
  $("session-start").addEventListener("click", () => send("/lull/session/start"));
  $("session-stop").addEventListener("click", () => send("/lull/session/stop"));
  $("mark").addEventListener("click", () => {
    const word = $("mark-word").value.trim() || "mark";
    if (send("/lull/session/mark", word)) $("mark-word").value = "";
  });

  // ---- drawing ---------------------------------------------------------------------------

  // Phase 0..1 (0 = start of inhale) as a breath curve: low at the start of the
  // inhale, high at its end.
  const curve = (phase) => -Math.cos(2 * Math.PI * phase);

  function drawWave(now, stale) {
    const c = $("wave");
    const w = (c.width = c.clientWidth * devicePixelRatio);
    const h = (c.height = c.clientHeight * devicePixelRatio);
    const g = c.getContext("2d");
    g.clearRect(0, 0, w, h);
    g.lineWidth = 3 * devicePixelRatio;
    const x = (t) => w - ((now - t) / HISTORY_S) * w;
    const line = (key, color, dy) => {
      g.strokeStyle = color;
      g.beginPath();
      let pen = false;
      for (const p of ui.wave) {
        const v = p[key];
        if (typeof v !== "number" || !isFinite(v) || (key === "b" && !p.ok)) { pen = false; continue; }
        const y = h / 2 + dy - curve(v) * (h * 0.3);
        if (pen) g.lineTo(x(p.t), y); else g.moveTo(x(p.t), y);
        pen = true;
      }
      g.stroke();
    };
    line("p", getComputedStyle(document.body).getPropertyValue("--guide") || "#5f8f8a", 0);
    line("b", getComputedStyle(document.body).getPropertyValue("--accent") || "#c79a5b", 0);
    if (stale) {
      g.fillStyle = "#7d7a72";
      g.font = `${16 * devicePixelRatio}px system-ui`;
      g.fillText("no live data", 12 * devicePixelRatio, 24 * devicePixelRatio);
    }
  }

  function drawTrend(now) {
    const c = $("trend");
    const g = c.getContext("2d");
    g.clearRect(0, 0, c.width, c.height);
    g.strokeStyle = "#c79a5b";
    g.lineWidth = 2;
    g.beginPath();
    ui.trend.forEach((p, k) => {
      const px = c.width - ((now - p.t) / TREND_S) * c.width;
      const py = c.height - 2 - Math.max(0, Math.min(1, p.c)) * (c.height - 4);
      if (k) g.lineTo(px, py); else g.moveTo(px, py);
    });
    g.stroke();
  }

  function frame() {
    const now = performance.now() / 1000;
    const age = ui.lastStateAt ? now - ui.lastStateAt : Infinity;
    const stale = age > STALE_S;
    document.querySelector(".breath").classList.toggle("stale", stale);
    if (ui.connected)
      $("conn").textContent = age > 2 * STALE_S ? "connected · no data from the room" : "connected";
    $("updated").textContent = !isFinite(age) ? "no data yet" :
      age < 1.5 ? "updated just now" : `updated ${Math.round(age)} s ago`;
    // Stale numbers are not shown as if live: after 3 s they are replaced by dashes
    // (the "updated N s ago" line keeps saying when data last came).
    if (age > 3 * STALE_S)
      ["breath-rate", "pacer-rate", "heart-rate", "coherence"].forEach((id) => ($(id).textContent = "–"));
    // lulld restarted or lost us: ask again every 3 s rather than wait for the renewal.
    if (stale && ui.connected && now - (ui.lastSubscribeAt || 0) > 3) {
      ui.lastSubscribeAt = now;
      send("/lull/subscribe", { i: SUBSCRIBE_MS });
    }
    if (!$("room-view").hidden) {
      drawWave(stale ? ui.lastStateAt : now, stale);
      drawTrend(now);
    }
    requestAnimationFrame(frame);
  }

  // ---- start ------------------------------------------------------------------------------

  (async () => {
    setConnected(false, "connecting…");
    const who = await whoami();
    if (who === "unpaired") showPairing(true);
    else { showPairing(false); if (who === "paired") connect(); else scheduleReconnect(); }
    requestAnimationFrame(frame);
  })();
})();
