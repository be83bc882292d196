// The live stream for every page: a snapshot on connect, events in `seq` order with no
// duplicates, and after a dropped connection a replay of exactly what was missed. The header's
// indicator (#live-state) says "Live", "Reconnecting…", or "Not receiving" when the connection
// is up but the server's heartbeat (`live.status` {"seq","every"}, every few seconds through the
// same path as events) stopped: the message broker or the relay is away. The first beat after
// that asks for what was missed (`resync {"since": lastSeq}`), as does a beat whose `seq` is
// past the last event applied on a staff screen.
//
//   const live = connectLive({ snapshot(s) {...}, event(e) {...}, gapless: true });
//   live.socket, live.lastSeq()
//
// `gapless` is true for staff screens (they see every event, so a jump in `seq` means one was
// missed and is asked for again: `resync {"since": seq}`); a field user's stream skips other
// units' events by design. Needs Socket.IO's client (`io`, /vendor/socket.io/socket.io.min.js).

function setState(text, ok) {
  const node = document.getElementById("live-state");
  if (!node) return;
  if (node.textContent !== text) node.textContent = text;
  node.className = "live-state " + (ok ? "ok" : "down");
}

export function connectLive(handlers) {
  let lastSeq = null; // the last event applied (or included in the snapshot)
  let waiting = []; // events that arrived before the snapshot
  let lastResync = 0;
  let connected = false;
  let receiving = true; // false once beats stopped arriving on an open connection
  let lastBeat = Date.now();
  let beatEvery = 3; // seconds; the server says its own in each beat
  const gapless = handlers.gapless !== false;
  const socket = window.io("/live", {
    auth: (cb) => cb(lastSeq === null ? {} : { since: lastSeq }),
  });

  function askResync(force) {
    if (lastSeq === null) return;
    const nowMs = Date.now();
    if (!force && nowMs - lastResync <= 1000) return;
    lastResync = nowMs;
    socket.emit("resync", { since: lastSeq });
  }

  function apply(e) {
    if (lastSeq !== null && e.seq <= lastSeq) return; // already have it
    if (gapless && lastSeq !== null && e.seq > lastSeq + 1) { // missed something
      askResync(false);
      return;
    }
    lastSeq = e.seq;
    if (handlers.event) handlers.event(e);
  }

  socket.on("snapshot", (s) => {
    lastSeq = s.seq;
    if (handlers.snapshot) handlers.snapshot(s);
    const pending = waiting;
    waiting = [];
    pending.sort((a, b) => a.seq - b.seq).forEach(apply);
  });
  socket.on("event", (e) => {
    if (lastSeq === null) { waiting.push(e); return; }
    apply(e);
  });
  socket.on("live.status", (s) => {
    if (s && typeof s.every === "number" && s.every > 0) beatEvery = s.every;
    lastBeat = Date.now();
    const wasDown = !receiving;
    receiving = true;
    if (connected) setState("Live", true);
    if (wasDown || (gapless && lastSeq !== null && s && s.seq > lastSeq)) askResync(wasDown);
  });
  setInterval(() => {
    if (connected && receiving && Date.now() - lastBeat > beatEvery * 2500) { // two beats missed
      receiving = false;
      setState("Not receiving", false);
    }
  }, 1000);
  socket.on("connect", () => {
    connected = true;
    receiving = true;
    lastBeat = Date.now();
    setState("Live", true);
  });
  socket.on("disconnect", (reason) => {
    connected = false;
    setState("Reconnecting…", false);
    // The server ends a connection only when its sign-in ended (disabled, new password, signed
    // out), and Socket.IO does not retry after that: ask once, so the header says which it was
    // ("Signed out: reload to sign in" when the server refuses, "Live" again otherwise).
    if (reason === "io server disconnect") socket.connect();
  });
  socket.on("connect_error", (err) => {
    setState(err && err.message === "sign in required" ? "Signed out: reload to sign in" : "Offline, retrying…", false);
  });
  return { socket, lastSeq: () => lastSeq };
}
