/* The import page's progress: asks the server every two seconds how many rows are done, and
   reloads the page once the dry run or the import has finished (or stalled). */
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box) { return; }
  var rows = box.querySelector("[data-testid=progress-rows]");
  function poll() {
    fetch(box.getAttribute("data-progress-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (rows) { rows.textContent = state.rows.toLocaleString("vi-VN"); }
        if (state.running) { setTimeout(poll, 2000); } else { window.location.assign(box.getAttribute("data-done-url")); }
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
}());
