/* The service worker. The server prepends VERSION (a hash of the static files) and SHELL (the
   files to keep from install on: stylesheet, script, icon, offline page). */
/* global VERSION, SHELL */
"use strict";

var SHELL_CACHE = "shell-" + VERSION;
// Opened pages survive a new static version; they are dropped at logout (app.js and the server's
// Clear-Site-Data header).
var PAGES_CACHE = "pages-v1";
// Member pages kept for reading offline, by address: the home, help and read-later pages, and
// everything under news, documents and study topics.
var PAGE_PATHS = ["/", "/help", "/bookmarks"];
// Not "/study/" as a whole: an attempt kept offline would show a stale timer and stale answers.
var PAGE_PREFIXES = ["/news/", "/documents/", "/study/topics/"];
var OFFLINE_URL = "/offline";

function isPage(url) {
  return url.origin === self.location.origin && (PAGE_PATHS.indexOf(url.pathname) >= 0 ||
    PAGE_PREFIXES.some(function (prefix) { return url.pathname.indexOf(prefix) === 0; }));
}

function isHtml(response) {
  return (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
}

// A saved copy says so: the layout shows "Bạn đang ngoại tuyến" when <html data-offline="1">.
function markOffline(response) {
  return response.text().then(function (html) {
    return new Response(html.replace('data-offline="0"', 'data-offline="1"'), {
      status: 200, headers: { "Content-Type": "text/html; charset=utf-8" }
    });
  });
}

function offlinePage() {
  return caches.match(OFFLINE_URL, { ignoreVary: true }).then(function (hit) {
    return hit ? markOffline(hit) : new Response("Bạn đang ngoại tuyến.", {
      status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" }
    });
  });
}

// Keep a page only when it is the page itself: not a redirect to the login, not an error. A
// redirect (the session ended, or the page moved) drops any older copy of that address.
function save(url, response) {
  if (response.ok && !response.redirected && response.type === "basic" && isHtml(response)) {
    var copy = response.clone();
    return caches.open(PAGES_CACHE).then(function (cache) { return cache.put(url, copy); });
  }
  if (response.redirected || response.type === "opaqueredirect") {
    return caches.open(PAGES_CACHE).then(function (cache) { return cache.delete(url); });
  }
  return Promise.resolve();
}

function savedOrOffline(url) {
  return caches.open(PAGES_CACHE).then(function (cache) {
    return cache.match(url, { ignoreVary: true });
  }).then(function (hit) { return hit ? markOffline(hit) : offlinePage(); });
}

// Pages: the network first (fresh content), the saved copy when the network fails or the server is down.
function networkFirst(event, url) {
  return fetch(event.request).then(function (response) {
    if (response.status >= 500) {
      return caches.open(PAGES_CACHE).then(function (cache) {
        return cache.match(url, { ignoreVary: true });
      }).then(function (hit) { return hit ? markOffline(hit) : response; });
    }
    event.waitUntil(save(url, response));
    return response;
  }, function () { return savedOrOffline(url); });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) {
    return cache.addAll(SHELL);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("shell-") === 0 && k !== SHELL_CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  var key = url.pathname + url.search;
  if (url.pathname.indexOf("/static/") === 0) {
    // Fingerprinted files never change: the kept copy is as good as the network's.
    event.respondWith(caches.match(request, { ignoreVary: true }).then(function (hit) {
      return hit || fetch(request);
    }));
  } else if (isPage(url) && request.headers.get("Accept") !== "application/json") {
    event.respondWith(networkFirst(event, key));
  } else if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(offlinePage));
  }
});

// app.js asks to keep the page that was open before the worker started, and read-later links.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "precache" || !Array.isArray(data.urls)) { return; }
  event.waitUntil(Promise.all(data.urls.map(function (href) {
    var url = new URL(href, self.location.origin);
    if (!isPage(url)) { return null; }
    var key = url.pathname + url.search;
    return fetch(key, { credentials: "same-origin" }).then(function (response) {
      return save(key, response);
    }).catch(function () {});
  })));
});
