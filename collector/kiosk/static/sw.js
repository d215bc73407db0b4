// The kiosk's service worker: keeps the kiosk page and its assets so that the tablet
// shows the survey with no network. Network first (a changed questionnaire or a revoked
// device is seen at once when online), the kept copy when offline. Answers never pass
// through here: they are queued by kiosk.js and sent with POST, which is not cached.
"use strict";
var CACHE = "collector-kiosk-v2";
var PAGES = ["./", "./static/kiosk.js", "./static/kiosk.css", "../static/fonts.css", "../static/relevance.js"];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) { return cache.addAll(PAGES); }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function kept(request) {
  var url = new URL(request.url);
  var scope = new URL(self.registration.scope);
  if (url.origin !== scope.origin) { return false; }
  return PAGES.some(function (page) { return new URL(page, scope).pathname === url.pathname; });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || !kept(request)) { return; }
  var key = new URL(request.url);
  key.search = "";
  event.respondWith(
    fetch(request).then(function (response) {
      // A redirect (to pairing) or an error is shown, never kept in place of the kiosk.
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(key.toString(), copy); });
      }
      return response;
    }, function () {
      return caches.match(key.toString()).then(function (hit) { return hit || Response.error(); });
    })
  );
});
