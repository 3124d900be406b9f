/* The question bank's pages. On a question's form, the options box says under it how many options
   and how many right ones it holds as they are typed ("3 phương án, 1 đúng"), so a missing "*" shows
   before saving. On the import page, the file box names the file chosen in Vietnamese (the browser
   would say "No file chosen"). */
(function () {
  "use strict";
  var box = document.querySelector("textarea[name=options]");
  if (box) {
    var note = document.createElement("small");
    note.className = "form-text text-muted";
    note.setAttribute("data-testid", "options-count");
    note.setAttribute("aria-live", "polite");
    box.parentNode.insertBefore(note, box.nextSibling);
    var count = function () {
      var lines = box.value.split(/\r?\n/).map(function (line) { return line.trim(); })
        .filter(function (line) { return line.length > 0; });
      var right = lines.filter(function (line) { return line.charAt(0) === "*"; }).length;
      note.textContent = lines.length + " phương án, " + right + " đúng";
    };
    box.addEventListener("input", count);
    count();
  }
  var input = document.querySelector(".custom-file-input");
  if (input) {
    input.addEventListener("change", function () {
      var label = input.parentNode.querySelector(".custom-file-label");
      if (label && input.files.length) { label.textContent = input.files[0].name; }
    });
  }
}());
