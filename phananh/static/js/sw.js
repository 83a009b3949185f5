/* PhanAnh service worker, served at /sw.js by phananh/intake/pwa.py, which
 * puts `self.PHANANH_SW = {...}` (URLs and a version) in front of this file.
 *
 * - Install keeps the app shell: the report form, the offline page, their
 *   CSS, scripts, icons and Leaflet. A deploy that changes any of them
 *   changes the version, so phones install the new worker and drop the old caches.
 * - Pages: network first. Without a network the kept copy of the form, or
 *   the offline page for everything else. Only those two pages are ever
 *   stored; report pages, private links, APIs, staff pages (/can-bo/,
 *   /admin/) and sign-in are never kept.
 * - Static files (/static/): cache first; their names change with their
 *   contents once collected (hashed), and the version clears the rest.
 * - A report form post that fails for want of a network is kept in the
 *   offline queue (offline-queue.js) under its idempotency key.
 * - Background Sync and a page's "flush" message send the waiting reports.
 * - Web push: {"title", "body", "url"} becomes a notification; a click opens the url.
 */
"use strict";

var CONFIG = self.PHANANH_SW;
importScripts(CONFIG.queueScript);

var SHELL_CACHE = "phananh-shell-" + CONFIG.version;
var STATIC_CACHE = "phananh-static-" + CONFIG.version;
var OWN_CACHES = /^phananh-/;

self.PhanAnhQueue.configure({ csrfUrl: CONFIG.csrfUrl, sentUrl: CONFIG.sentUrl });

/* --- Install and activate ------------------------------------------------ */

// A kept page must not carry the idempotency key it was served with: every
// report written on a kept copy would share it, and the server would take
// the second for a repeat of the first. offline-queue.js gives each copy a key.
function withoutKey(html) {
  return html.replace(/(<input[^>]*name="idempotency_key"[^>]*value=")[^"]*"/, '$1"');
}

function keepPage(cache, url, response) {
  return response.text().then(function (html) {
    var headers = new Headers(response.headers);
    headers.delete("Content-Length");
    return cache.put(url, new Response(withoutKey(html), { status: 200, headers: headers }));
  });
}

function fetchAndKeepPage(cache, url) {
  return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
    if (!response.ok || response.redirected) { throw new Error(url + " answered " + response.status); }
    return keepPage(cache, url, response);
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) {
    var files = CONFIG.precache.map(function (url) { return new Request(url, { cache: "reload" }); });
    return Promise.all([cache.addAll(files)].concat(CONFIG.pages.map(function (url) {
      return fetchAndKeepPage(cache, url);
    })));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return OWN_CACHES.test(name) && name !== SHELL_CACHE && name !== STATIC_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

/* --- Fetch ------------------------------------------------------------------ */

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }   // map tiles and the like: the browser's own way
  if (request.mode === "navigate" && request.method === "POST" && url.pathname === CONFIG.submitUrl) {
    event.respondWith(postOrKeep(event));
  } else if (request.method !== "GET") {
    return;
  } else if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (url.pathname.indexOf(CONFIG.staticUrl) === 0) {
    event.respondWith(staticFile(request));
  }
  // Anything else (APIs, media, the CSRF token): straight to the network, never stored.
});

function page(event) {
  var request = event.request;
  var url = new URL(request.url);
  var shellPage = CONFIG.pages.indexOf(url.pathname) !== -1 ? url.pathname : null;
  return fetch(request).then(function (response) {
    if (response.ok && response.type === "basic" && !response.redirected) {
      event.waitUntil(refreshShell(shellPage && !url.search ? shellPage : null, response));
    }
    return response;
  }).catch(function () {
    return caches.open(SHELL_CACHE).then(function (cache) {
      return (shellPage ? cache.match(shellPage) : Promise.resolve(null)).then(function (kept) {
        return kept || cache.match(CONFIG.offlineUrl);
      });
    }).then(function (kept) {
      return kept || new Response("<!doctype html><title>PhanAnh</title><p>Offline / Không có mạng.</p>",
                                  { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
    });
  });
}

/* Keeps the fresh copy of a shell page the person just loaded, and when the
 * language of the site changed (the language cookie), fetches the other
 * kept pages again so that an offline visit reads in the same language. */
function refreshShell(shellPage, response) {
  var language = response.headers.get("Content-Language");
  var copy = shellPage ? response.clone() : null;
  return caches.open(SHELL_CACHE).then(function (cache) {
    return cache.match(CONFIG.offlineUrl).then(function (offline) {
      var stale = language && offline && offline.headers.get("Content-Language") !== language;
      var work = [];
      if (copy) { work.push(keepPage(cache, shellPage, copy)); }
      if (stale) {
        CONFIG.pages.filter(function (url) { return url !== shellPage; }).forEach(function (url) {
          work.push(fetchAndKeepPage(cache, url));
        });
      }
      return Promise.all(work);
    });
  }).catch(function () { /* keeping a copy is best effort */ });
}

function staticFile(request) {
  return caches.match(request).then(function (kept) {
    if (kept) { return kept; }
    return fetch(request).then(function (response) {
      if (response.ok && response.type === "basic") {
        var copy = response.clone();
        caches.open(STATIC_CACHE).then(function (cache) { return cache.put(request, copy); });
      }
      return response;
    });
  });
}

/* The report form posted while the network failed. If the post never
 * arrived, the report waits in the queue; if it arrived and only the answer
 * was lost, the same idempotency key makes the later send return the report
 * the server already made. Either way the person lands on the form again,
 * where the queue lists it. */
function postOrKeep(event) {
  var request = event.request;
  var body = request.clone();
  return fetch(request).catch(function () {
    var url = new URL(request.url);
    return body.formData().then(function (data) {
      return self.PhanAnhQueue.save(data, url.pathname + url.search);
    }).then(function () {
      if (self.registration.sync) {
        return self.registration.sync.register(self.PhanAnhQueue.SYNC_TAG).catch(function () {});
      }
    }).then(function () {
      return Response.redirect(url.pathname + "#offline-queue", 303);
    });
  });
}

/* --- Sending the waiting reports ------------------------------------------- */

function sendWaiting() {
  return self.PhanAnhQueue.flush().then(function (result) {
    if (result.sent && result.sent.length) { return notifySent(result.sent).then(function () { return result; }); }
    return result;
  });
}

// Tells about reports sent while no page was open, in the words the page
// stored with each report, when the person has allowed notifications.
function notifySent(notes) {
  if (typeof Notification === "undefined" || Notification.permission !== "granted") { return Promise.resolve(); }
  return self.clients.matchAll({ type: "window" }).then(function (windows) {
    if (windows.some(function (w) { return w.visibilityState === "visible"; })) { return; }   // the page says it
    return Promise.all(notes.map(function (note) {
      if (!note.notice) { return null; }   // kept by this worker from a failed post: no words stored
      return self.registration.showNotification(note.notice.title, {
        body: note.notice.body.replace("%(code)s", note.code),
        icon: CONFIG.icon,
        tag: "sent-" + note.key,
        data: { url: note.url },
      });
    }));
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag !== self.PhanAnhQueue.SYNC_TAG) { return; }
  event.waitUntil(sendWaiting().then(function (result) {
    // Rejecting asks the browser to fire the sync again later.
    if (result.offline && !event.lastChance) { throw new Error("still offline"); }
  }));
});

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "send-waiting-reports") {
    event.waitUntil(sendWaiting().catch(function () {}));
  }
});

/* --- Web push ----------------------------------------------------------------- */

function sameSiteUrl(value) {
  try {
    var url = new URL(value || "/", self.location.origin);
    return url.origin === self.location.origin ? url.href : self.location.origin + "/";
  } catch (error) {
    return self.location.origin + "/";
  }
}

self.addEventListener("push", function (event) {
  var data = {};
  if (event.data) {
    try { data = event.data.json() || {}; } catch (error) { data = { body: event.data.text() }; }
  }
  var url = sameSiteUrl(data.url);
  event.waitUntil(self.registration.showNotification(data.title || "PhanAnh", {
    body: data.body || "",
    icon: CONFIG.icon,
    tag: url,   // a newer message about the same report replaces the older one
    data: { url: url },
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = sameSiteUrl(event.notification.data && event.notification.data.url);
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    for (var i = 0; i < windows.length; i++) {
      if (windows[i].url === url && "focus" in windows[i]) { return windows[i].focus(); }
    }
    return self.clients.openWindow(url);
  }));
});
