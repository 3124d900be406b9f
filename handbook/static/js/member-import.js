/* The import's pages: the upload form names the file chosen (in Vietnamese, not the browser's
   own words); the import page asks the server every two seconds how many rows are done, and
   reloads once the dry run or the import has finished (or stalled). */
(function () {
  "use strict";
  var input = document.querySelector(".custom-file-input");
  if (input) {
    input.addEventListener("change", function () {
      var label = input.parentNode.querySelector(".custom-file-label");
      if (label && input.files.length) { label.textContent = input.files[0].name; }
    });
  }
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
