/* Flask-Admin writes a few inline event handlers (onclick="...") that a Content-Security-Policy
   without 'unsafe-inline' refuses (Chromium reports them as soon as it parses them). Our copies of
   those templates write data-onclick instead; this attaches each known handler as a listener, and
   keeps javascript: links from navigating, so the back office works under the policy. */
(function () {
  "use strict";
  var patterns = [
    [/^return faHelpers\.safeConfirm\('((?:[^'\\]|\\.)*)'\);?$/, function (m) {
      return function (e) { if (!window.confirm(m[1].replace(/\\(.)/g, "$1"))) { e.preventDefault(); } };
    }],
    [/^return modelActions\.execute\('((?:[^'\\]|\\.)*)'\);?$/, function (m) {
      return function (e) { e.preventDefault(); window.modelActions.execute(m[1]); };
    }],
    [/^faForm\.addInlineField\(this, '((?:[^'\\]|\\.)*)'\);?$/, function (m) {
      return function (e) { e.preventDefault(); window.faForm.addInlineField(this, m[1]); };
    }],
    [/^return false;?$/, function () {
      return function (e) { e.preventDefault(); };
    }]
  ];
  function convert(root) {
    root.querySelectorAll("[data-onclick]").forEach(function (el) {
      var code = (el.getAttribute("data-onclick") || "").trim();
      el.removeAttribute("data-onclick");
      for (var i = 0; i < patterns.length; i++) {
        var m = code.match(patterns[i][0]);
        if (m) { el.addEventListener("click", patterns[i][1](m)); return; }
      }
    });
    root.querySelectorAll('a[href^="javascript:"]').forEach(function (el) {
      el.addEventListener("click", function (e) { e.preventDefault(); });
    });
  }
  convert(document);
  new MutationObserver(function (records) {
    records.forEach(function (r) {
      r.addedNodes.forEach(function (n) { if (n.nodeType === 1) { convert(n.parentNode || n); } });
    });
  }).observe(document.body, { childList: true, subtree: true });
}());
