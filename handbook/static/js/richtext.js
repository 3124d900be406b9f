/* The back office's rich-text editor: every <textarea data-richtext> becomes a Trix editor (vendored
   under static/vendor/trix) that writes its HTML back into the textarea, so the form posts as before
   and the server still sanitizes it (handbook/richtext.py). Without JavaScript the textarea
   stays usable. Files are not taken here: covers and attachments have their own checked uploads. */
(function () {
  "use strict";
  if (!window.Trix) { return; }
  Object.assign(window.Trix.config.lang, {
    attachFiles: "Đính kèm tệp", bold: "Đậm", bullets: "Danh sách", code: "Mã", heading1: "Tiêu đề",
    indent: "Tăng mức", italic: "Nghiêng", link: "Liên kết", numbers: "Danh sách số", outdent: "Giảm mức",
    quote: "Trích dẫn", redo: "Làm lại", remove: "Xoá", strike: "Gạch ngang", undo: "Hoàn tác",
    unlink: "Bỏ liên kết", url: "Địa chỉ", urlPlaceholder: "Nhập địa chỉ liên kết…",
    captionPlaceholder: "Thêm chú thích…"
  });
  // Trix starts its elements on the next tick, so the language above is in place before any toolbar.
  document.querySelectorAll("textarea[data-richtext]").forEach(function (area) {
    if (!area.id) { area.id = "richtext-" + Math.random().toString(36).slice(2); }
    var editor = document.createElement("trix-editor");
    editor.setAttribute("input", area.id);
    editor.setAttribute("aria-label", area.getAttribute("aria-label") || (area.labels && area.labels[0] ? area.labels[0].textContent.trim() : "Nội dung"));
    editor.className = "trix-content form-control richtext-editor";
    area.hidden = true;
    area.parentNode.insertBefore(editor, area.nextSibling);
  });
  document.addEventListener("trix-file-accept", function (event) { event.preventDefault(); });
}());
