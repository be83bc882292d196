// The live stream for every page: snapshot on connect, events in `seq` order, no duplicates,
// and after a dropped connection a replay of exactly what was missed.
//
//   Live.connect({ snapshot(s) {...}, event(e) {...}, gapless: true })
//
// `gapless` is true for staff screens (they see every event, so a jump in `seq` means one was
// missed and is asked for again); a field user's stream skips other units' events by design.
(function () {
  "use strict";

  function setState(text, ok) {
    var el = document.getElementById("live-state");
    if (!el) return;
    el.textContent = text;
    el.className = "live-state " + (ok ? "ok" : "down");
  }

  function connect(handlers) {
    var lastSeq = null;       // the last event applied (or included in the snapshot)
    var waiting = [];         // events that arrived before the snapshot
    var lastResync = 0;
    var gapless = handlers.gapless !== false;
    var socket = io("/live", {
      auth: function (cb) { cb(lastSeq === null ? {} : { since: lastSeq }); },
    });

    function apply(e) {
      if (lastSeq !== null && e.seq <= lastSeq) return;             // already have it
      if (gapless && lastSeq !== null && e.seq > lastSeq + 1) {      // missed something
        var nowMs = Date.now();
        if (nowMs - lastResync > 1000) {
          lastResync = nowMs;
          socket.emit("resync", { since: lastSeq });
        }
        return;
      }
      lastSeq = e.seq;
      handlers.event && handlers.event(e);
    }

    socket.on("snapshot", function (s) {
      lastSeq = s.seq;
      handlers.snapshot && handlers.snapshot(s);
      var pending = waiting; waiting = [];
      pending.sort(function (a, b) { return a.seq - b.seq; }).forEach(apply);
    });
    socket.on("event", function (e) {
      if (lastSeq === null) { waiting.push(e); return; }
      apply(e);
    });
    socket.on("connect", function () { setState("Live", true); });
    socket.on("disconnect", function () { setState("Reconnecting…", false); });
    socket.on("connect_error", function (err) {
      setState(err && err.message === "sign in required" ? "Signed out: reload to sign in" : "Offline, retrying…", false);
    });
    return {
      socket: socket,
      lastSeq: function () { return lastSeq; },
    };
  }

  window.Live = { connect: connect };
})();
