/* Distribution planning: the running total on the planning page and the Print button on
   dispatch notes. The pages work without it: the server shows the totals on every submit and
   the browser's own Print prints the notes. Loaded with defer; no external resources. */
(function () {
  "use strict";

  var WHOLE_NUMBER = /^\d+$/;

  function runningTotal(form) {
    var available = parseInt(form.getAttribute("data-available"), 10) || 0;
    var allocatedEl = document.querySelector("[data-allocated]");
    var remainingEl = document.querySelector("[data-remaining]");
    var overEl = document.querySelector("[data-over]");
    var totalsEl = document.querySelector("[data-plan-totals]");
    if (!allocatedEl || !remainingEl) {
      return;
    }
    var format = new Intl.NumberFormat(document.documentElement.lang || undefined);

    function update() {
      var allocated = 0;
      form.querySelectorAll("input[name$='-quantity']").forEach(function (input) {
        var value = input.value.trim();
        // Count what the server would: whole numbers above zero, digits only.
        if (WHOLE_NUMBER.test(value)) {
          allocated += parseInt(value, 10);
        }
      });
      var remaining = available - allocated;
      allocatedEl.textContent = format.format(allocated);
      remainingEl.textContent = format.format(remaining);
      if (overEl) {
        overEl.hidden = remaining >= 0;
      }
      if (totalsEl) {
        totalsEl.classList.toggle("plan-totals--over", remaining < 0);
      }
    }

    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }

  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
  }

  document.querySelectorAll("[data-plan-form]").forEach(runningTotal);
  printButtons();
})();
