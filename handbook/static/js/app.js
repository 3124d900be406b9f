/* The member pages' only script. Every page works without it; it adds the offline features:
   the service worker, the "you are offline" notice, clearing saved pages at logout. */
(function () {
  "use strict";
  var root = document.documentElement;
  var PAGES_CACHE = "pages-v1";  // the service worker's cache of opened pages (see sw.js)

  // A page served from the service worker's cache was drawn with the text size of its day.
  var size = /(?:^|; )text_size=(\d)/.exec(document.cookie);
  if (size) {
    root.className = root.className.replace(/\bts-\d\b/, "ts-" + size[1]);
  }

  // The service worker marks a saved copy with data-offline="1"; a live page follows the network.
  var fromCache = root.getAttribute("data-offline") === "1";
  window.addEventListener("offline", function () { root.setAttribute("data-offline", "1"); });
  window.addEventListener("online", function () { if (!fromCache) { root.setAttribute("data-offline", "0"); } });
  if (navigator.onLine === false) { root.setAttribute("data-offline", "1"); }

  function clearSavedPages() {
    if (!window.caches) { return Promise.resolve(); }
    return caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k.indexOf("pages-") === 0; })
        .map(function (k) { return caches.delete(k); }));
    });
  }

  // Logout: forget the saved personal pages before the request leaves (the server also sends
  // Clear-Site-Data), so the next person using this phone cannot read them offline.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("logout") || form.getAttribute("data-cleared")) { return; }
    event.preventDefault();
    form.setAttribute("data-cleared", "1");
    var done = function () { form.submit(); };
    clearSavedPages().then(done, done);
  });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      // The first page was loaded before the worker existed: ask it to save this page too, and
      // anything the page marks for reading later (data-precache links).
      var urls = fromCache ? [] : [location.pathname + location.search];
      var links = document.querySelectorAll("a[data-precache]");
      for (var i = 0; i < links.length; i++) { urls.push(links[i].getAttribute("href")); }
      if (registration.active && urls.length) {
        registration.active.postMessage({ type: "precache", urls: urls });
      }
    }).catch(function () { /* no worker (private mode, old browser): the site still works online */ });
  }

  // The offline page lists what can still be read: each saved page once (a search or a second page
  // of a list is the same page), the home first, each link to a copy that is really kept.
  var list = document.getElementById("saved-pages");
  var intro = document.getElementById("saved-intro");
  if (list && intro && window.caches) {
    caches.open(PAGES_CACHE).then(function (cache) {
      return cache.keys().then(function (requests) {
        var byPath = {};
        requests.forEach(function (req) {
          var url = new URL(req.url);
          var kept = byPath[url.pathname];
          if (!kept || (kept.search && !url.search)) { byPath[url.pathname] = { req: req, search: url.search }; }
        });
        return Promise.all(Object.keys(byPath).map(function (path) {
          var req = byPath[path].req;
          return cache.match(req, { ignoreVary: true }).then(function (res) { return res.text(); })
            .then(function (html) {
              var title = new DOMParser().parseFromString(html, "text/html").title || path;
              return { url: req.url, path: path, title: title.replace(/ · Sổ tay đảng viên$/, "") };
            });
        }));
      });
    }).then(function (pages) {
      pages.sort(function (a, b) {
        return (a.path === "/" ? -1 : b.path === "/" ? 1 : a.title.localeCompare(b.title, "vi"));
      });
      pages.forEach(function (page) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = page.url;
        a.textContent = page.title;
        li.appendChild(a);
        list.appendChild(li);
      });
      intro.textContent = pages.length ? "Các trang dưới đây đã được lưu trên máy này, mở được cả khi không có mạng:"
        : "Chưa có trang nào được lưu trên máy này. Khi có mạng, những trang bạn mở sẽ được lưu để đọc lại lúc mất mạng.";
    }).catch(function () {});
  }
})();
