// While a job runs, refresh the page's content every second from the
// server (the same page rendered as a fragment).
(function () {
  "use strict";
  var busy = false;
  function refresh() {
    if (busy || document.body.dataset.live !== "true") { return; }
    busy = true;
    var url = location.pathname + "?fragment=1";
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (!r.ok) { throw new Error(r.status); }
        document.body.dataset.live = r.headers.get("X-Sluice-Live") || "false";
        return r.text();
      })
      .then(function (html) {
        document.getElementById("content").innerHTML = html;
        var clock = document.getElementById("clock");
        if (clock) { clock.textContent = new Date().toISOString().substr(11, 8) + " UTC"; }
      })
      .catch(function () {})
      .then(function () { busy = false; });
  }
  setInterval(refresh, 1000);
})();
