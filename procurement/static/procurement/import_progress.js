// The import job page's progress bar: ask the job's JSON status every second, move the bar and
// its text, and reload the page once the job has a preview or a result to show. Without
// JavaScript the page refreshes itself instead (<noscript><meta http-equiv="refresh">).
(function () {
  "use strict";
  var box = document.querySelector("[data-import-status-url]");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-import-status-url");
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-import-message]");
  var EVERY_MS = 1000;

  function show(status) {
    if (status.percent === null) {
      bar.removeAttribute("value"); // indeterminate: queued, or the one-transaction write
    } else {
      bar.max = Math.max(status.total, 1);
      bar.value = status.processed;
      bar.textContent = status.percent + " %";
    }
    text.textContent = status.message;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (status) {
        if (!status.running) {
          window.location.reload();
          return;
        }
        show(status);
        window.setTimeout(poll, EVERY_MS);
      })
      .catch(function () {
        window.setTimeout(poll, EVERY_MS * 3); // the server is busy or restarting: ask again
      });
  }

  window.setTimeout(poll, EVERY_MS);
})();
