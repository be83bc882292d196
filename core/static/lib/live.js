// The live stream for every page: a snapshot on connect, events in `seq` order with no
// duplicates, and after a dropped connection a replay of exactly what was missed. The header's
// indicator (#live-state) says "Live" or "Reconnecting…".
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
  const gapless = handlers.gapless !== false;
  const socket = window.io("/live", {
    auth: (cb) => cb(lastSeq === null ? {} : { since: lastSeq }),
  });

  function apply(e) {
    if (lastSeq !== null && e.seq <= lastSeq) return; // already have it
    if (gapless && lastSeq !== null && e.seq > lastSeq + 1) { // missed something
      const nowMs = Date.now();
      if (nowMs - lastResync > 1000) {
        lastResync = nowMs;
        socket.emit("resync", { since: lastSeq });
      }
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
  socket.on("connect", () => setState("Live", true));
  socket.on("disconnect", () => setState("Reconnecting…", false));
  socket.on("connect_error", (err) => {
    setState(err && err.message === "sign in required" ? "Signed out: reload to sign in" : "Offline, retrying…", false);
  });
  return { socket, lastSeq: () => lastSeq };
}
