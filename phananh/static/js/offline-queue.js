/* PhanAnh offline queue: reports written without a network wait on the
 * phone and are sent when it comes back.
 *
 * One file for two places. The service worker imports it (importScripts) to
 * send waiting reports on Background Sync, and to keep a form post that
 * failed in flight. The report form page uses it to save a report when the
 * phone is offline, to list the waiting reports (count, what, remove), and to
 * send them on page load, on the "online" event and on "Send now".
 *
 * A waiting report is the form's fields, its photos as Blobs and its
 * idempotency key, in IndexedDB. Sending posts the same multipart form to
 * the same URL with the same key, so the server answers a repeat with the
 * report it already made, never a second one; the report leaves the phone
 * only after the server has answered with its confirmation page. The CSRF
 * token is asked fresh right before sending (see pwa.csrf_token).
 */
(function (root) {
  "use strict";

  var DB_NAME = "phananh-offline";
  var DB_VERSION = 1;
  var WAITING = "waiting";
  var SENT = "sent";
  var SYNC_TAG = "phananh-send-reports";
  var LOCK_NAME = "phananh-send-reports";
  var CHANNEL_NAME = "phananh-offline-queue";
  var SENT_KEPT_MS = 30 * 24 * 3600 * 1000;   // "sent" notes older than this are dropped
  var UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

  var config = { csrfUrl: "", sentUrl: { prefix: "", suffix: "/" } };

  /* --- Storage ------------------------------------------------------------ */
  var dbPromise = null;

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        if (!root.indexedDB) { reject(new Error("IndexedDB is not available")); return; }
        var request = root.indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = function () {
          var db = request.result;
          if (!db.objectStoreNames.contains(WAITING)) { db.createObjectStore(WAITING, { keyPath: "key" }); }
          if (!db.objectStoreNames.contains(SENT)) { db.createObjectStore(SENT, { keyPath: "key" }); }
        };
        request.onsuccess = function () {
          var db = request.result;
          // A newer version of this script (a deploy) may need to upgrade the database: let it.
          db.onversionchange = function () { db.close(); dbPromise = null; };
          resolve(db);
        };
        request.onerror = function () { reject(request.error); };
      });
      dbPromise.catch(function () { dbPromise = null; });
    }
    return dbPromise;
  }

  // Runs `work(stores)` in one transaction; resolves with its result once committed.
  function transaction(names, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(names, mode);
        var stores = {};
        names.forEach(function (name) { stores[name] = tx.objectStore(name); });
        var result;
        tx.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error || new Error("aborted")); };
        result = work(stores);
      });
    });
  }

  function getAll(name) {
    return transaction([name], "readonly", function (stores) { return stores[name].getAll(); })
      .then(function (items) {
        return (items || []).sort(function (a, b) { return (a.savedAt || 0) - (b.savedAt || 0); });
      });
  }

  function waiting() { return getAll(WAITING); }

  function sent() {
    var cutoff = Date.now() - SENT_KEPT_MS;
    return getAll(SENT).then(function (items) {
      var old = items.filter(function (item) { return item.sentAt < cutoff; });
      if (old.length) {
        transaction([SENT], "readwrite", function (stores) {
          old.forEach(function (item) { stores[SENT].delete(item.key); });
        }).catch(function () {});
      }
      return items.filter(function (item) { return item.sentAt >= cutoff; });
    });
  }

  function remove(key) {
    return transaction([WAITING], "readwrite", function (stores) { stores[WAITING].delete(key); })
      .then(function () { changed({ type: "removed", key: key }); });
  }

  function dismissSent(key) {
    return transaction([SENT], "readwrite", function (stores) { stores[SENT].delete(key); })
      .then(function () { changed({ type: "dismissed", key: key }); });
  }

  function newKey() {
    if (root.crypto && root.crypto.randomUUID) { return root.crypto.randomUUID(); }
    var bytes = root.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  /* Keeps a form's data: `data` is a FormData (the page's form, or the body
   * of a post the worker could not deliver). `extra.notice` holds the
   * sentences the worker may show once it is sent, in the writer's language. */
  function save(data, action, extra) {
    var fields = [];
    var photos = [];
    data.forEach(function (value, name) {
      if (typeof value === "string") {
        fields.push([name, value]);
      } else if (value && value.size) {   // an empty file input sends an empty File: not a photo
        photos.push({ field: name, name: value.name || "photo.jpg", type: value.type, blob: value });
      }
    });
    var key = String(data.get("idempotency_key") || "");
    if (!UUID.test(key)) {
      key = newKey();
      fields = fields.filter(function (pair) { return pair[0] !== "idempotency_key"; });
      fields.push(["idempotency_key", key]);
    }
    var item = {
      key: key,
      action: action,
      savedAt: Date.now(),
      fields: fields,
      photos: photos,
      state: "waiting",
      messages: [],
      notice: (extra && extra.notice) || null,
    };
    return transaction([WAITING], "readwrite", function (stores) { stores[WAITING].put(item); })
      .then(function () {
        changed({ type: "saved", key: key });
        return item;
      });
  }

  function field(item, name) {
    for (var i = 0; i < item.fields.length; i++) {
      if (item.fields[i][0] === name) { return item.fields[i][1]; }
    }
    return "";
  }

  /* --- Telling every open page (and the worker) what changed ------------- */
  var listeners = [];
  var channel = null;
  try { channel = root.BroadcastChannel ? new root.BroadcastChannel(CHANNEL_NAME) : null; } catch (error) { channel = null; }
  if (channel) {
    channel.onmessage = function (event) { notify(event.data); };
  }

  function notify(message) {
    listeners.forEach(function (listener) {
      try { listener(message); } catch (error) { /* one broken listener must not stop the others */ }
    });
  }

  function changed(message) {
    notify(message);   // a channel does not deliver to its own sender
    if (channel) { channel.postMessage(message); }
  }

  function onChange(listener) { listeners.push(listener); }

  /* --- Sending ------------------------------------------------------------ */
  function freshToken() {
    return fetchWithin(config.csrfUrl, {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
    }, 20000).then(function (response) {
      if (!response.ok) { throw new Error("csrf " + response.status); }
      return response.json();
    }).then(function (data) { return data.csrfToken; });
  }

  function post(item, token) {
    var body = new FormData();
    item.fields.forEach(function (pair) {
      if (pair[0] !== "csrfmiddlewaretoken") { body.append(pair[0], pair[1]); }
    });
    body.append("csrfmiddlewaretoken", token);
    var bytes = 0;
    item.photos.forEach(function (photo) {
      body.append(photo.field, photo.blob, photo.name);
      bytes += photo.blob.size;
    });
    // A minute, plus time for the photos at a slow mobile upload (~16 kB/s).
    return fetchWithin(item.action, {
      method: "POST", body: body, credentials: "same-origin", redirect: "follow",
      headers: { "X-CSRFToken": token },
    }, 60000 + bytes / 16);
  }

  // The server's answer, read the way a person would read the page it shows.
  function outcome(response) {
    var path = new URL(response.url).pathname;
    var prefix = config.sentUrl.prefix;
    if (response.ok && prefix && path.indexOf(prefix) === 0) {
      var code = decodeURIComponent(path.slice(prefix.length).replace(/\/+$/, ""));
      return Promise.resolve({ kind: "sent", code: code, url: path });
    }
    if (response.status === 403) { return Promise.resolve({ kind: "csrf" }); }
    if (response.status === 429 || response.status >= 500) {
      return Promise.resolve({ kind: "later", status: response.status });
    }
    if (response.ok) {
      // The form came back: something in it must be corrected by the person.
      return response.text().then(function (html) {
        return { kind: "rejected", status: response.status, messages: errorMessages(html) };
      });
    }
    return Promise.resolve({ kind: "rejected", status: response.status, messages: [] });
  }

  /* The form page lists its errors in <div class="error-summary"><ul><li>.
   * A worker has no DOMParser, so both places read the list this way. */
  function errorMessages(html) {
    var box = /<div class="error-summary"[\s\S]*?<\/ul>/.exec(html || "");
    if (!box) { return []; }
    var messages = [];
    var re = /<li>([\s\S]*?)<\/li>/g;
    var match;
    while ((match = re.exec(box[0]))) {
      var message = decodeEntities(match[1].replace(/<[^>]*>/g, "")).replace(/\s+/g, " ").trim();
      if (message) { messages.push(message); }
    }
    return messages;
  }

  function decodeEntities(value) {
    return value.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, function (whole, entity) {
      var named = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'" };
      var lower = entity.toLowerCase();
      if (named[lower]) { return named[lower]; }
      var code = lower.charAt(1) === "x" ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
      return isFinite(code) ? String.fromCodePoint(code) : whole;
    });
  }

  function markSent(item, result) {
    var note = { key: item.key, code: result.code, url: result.url, sentAt: Date.now(),
                 description: field(item, "description").slice(0, 200), notice: item.notice };
    // One transaction: the report leaves the waiting list exactly when its
    // confirmation is stored, so no crash in between can lose either.
    return transaction([WAITING, SENT], "readwrite", function (stores) {
      stores[SENT].put(note);
      stores[WAITING].delete(item.key);
    }).then(function () {
      changed({ type: "sent", key: item.key, code: result.code, url: result.url });
      return note;
    });
  }

  function markRejected(item, result) {
    item.state = "rejected";
    item.messages = result.messages;
    item.status = result.status;
    return transaction([WAITING], "readwrite", function (stores) { stores[WAITING].put(item); })
      .then(function () { changed({ type: "rejected", key: item.key }); });
  }

  // One sender at a time across tabs and the worker (Web Locks): a second
  // caller waits for the first, then finds only what is still waiting (a
  // sender that gave up offline must not make the next one skip its turn).
  // Without Web Locks, one at a time in this context; the server's
  // idempotency key still makes a double send from two contexts harmless.
  var last = Promise.resolve();
  function exclusively(work) {
    if (root.navigator && root.navigator.locks && root.navigator.locks.request) {
      return root.navigator.locks.request(LOCK_NAME, work);
    }
    var run = last.then(work, work);
    last = run.catch(function () {});
    return run;
  }

  // A stalled connection must not hold the lock for ever.
  function fetchWithin(url, options, ms) {
    if (!root.AbortController) { return fetch(url, options); }
    var controller = new root.AbortController();
    var timer = setTimeout(function () { controller.abort(); }, ms);
    options.signal = controller.signal;
    return fetch(url, options).then(function (response) {
      clearTimeout(timer);
      return response;
    }, function (error) {
      clearTimeout(timer);
      throw error;
    });
  }

  /* Sends every waiting report, oldest first. Resolves with
   * {sent: [notes], rejected: n, left: n, offline: bool, tried: bool};
   * `offline` is true when the network or the server gave out before the end. */
  function flush() {
    return exclusively(function () {
      var summary = { sent: [], rejected: 0, left: 0, offline: false, tried: false };
      return waiting().then(function (items) {
        var queue = items.filter(function (item) { return item.state !== "rejected"; });
        if (!queue.length) { return summary; }
        summary.tried = true;
        changed({ type: "sending", count: queue.length });
        var token = null;

        function next(index) {
          if (index >= queue.length) { return summary; }
          var item = queue[index];
          changed({ type: "item-sending", key: item.key });
          return attempt(item, false).then(function (done) {
            if (!done) {
              summary.offline = true;
              summary.left = queue.length - index;
              return summary;
            }
            return next(index + 1);
          });
        }

        // true: handled (sent or rejected); false: try again later.
        function attempt(item, retried) {
          var ready = token ? Promise.resolve(token) : freshToken().then(function (value) { token = value; return value; });
          return ready.then(function (value) { return post(item, value); })
            .then(outcome)
            .then(function (result) {
              if (result.kind === "sent") {
                return markSent(item, result).then(function (note) { summary.sent.push(note); return true; });
              }
              if (result.kind === "rejected") {
                summary.rejected++;
                return markRejected(item, result).then(function () { return true; });
              }
              if (result.kind === "csrf" && !retried) {
                token = null;   // the cookie changed under us: ask again, once
                return attempt(item, true);
              }
              return false;
            }, function () { return false; });   // no network (fetch threw)
        }

        return next(0);
      }).then(function (result) {
        if (result.tried) { changed({ type: "flushed", sent: result.sent.length, offline: result.offline }); }
        return result;
      });
    });
  }

  function configure(options) {
    if (options.csrfUrl) { config.csrfUrl = options.csrfUrl; }
    if (options.sentUrl) { config.sentUrl = options.sentUrl; }
  }

  root.PhanAnhQueue = {
    SYNC_TAG: SYNC_TAG,
    configure: configure,
    save: save,
    waiting: waiting,
    sent: sent,
    remove: remove,
    dismissSent: dismissSent,
    flush: flush,
    onChange: onChange,
  };

  if (typeof document === "undefined") { return; }   // in the service worker: no page to enhance

  /* ======================================================================= *
   * The report form page: save when offline, list what waits, send later.   *
   * ======================================================================= */
  var JUST_SAVED = "phananh-offline-just-saved";

  function initPage() {
    var area = document.getElementById("offline-queue-area");
    var form = document.getElementById("report-form");
    if (!area || !form) { return; }
    var sentUrl = (area.dataset.sentUrl || "").split("CODE");   // the confirmation page's URL around the code
    configure({ csrfUrl: area.dataset.csrfUrl, sentUrl: { prefix: sentUrl[0], suffix: sentUrl[1] || "/" } });
    var text = readText(document.getElementById("offline-queue-text"));
    var limits = readJson("intake-text");
    var section = document.getElementById("offline-queue");
    var list = document.getElementById("offline-queue-list");
    var sentList = document.getElementById("offline-queue-sent");
    var status = document.getElementById("offline-queue-status");
    var banner = document.getElementById("offline-banner");
    var sendNow = document.getElementById("offline-send-now");
    var title = document.getElementById("offline-queue-title");
    var keyInput = form.elements.idempotency_key;
    var sending = {};   // key -> true while it is being sent

    // The worker keeps this page without its key (pwa.py / sw.js), so that
    // two reports written offline never share one: a copy gets a fresh key.
    var fromCache = keyInput && !keyInput.value;
    if (fromCache) { keyInput.value = newKey(); }

    function fmt(template, params) {
      return String(template || "").replace(/%\((\w+)\)s/g, function (whole, name) {
        return params[name] === undefined ? whole : params[name];
      });
    }

    function say(message) {
      // Rewriting the same sentence would not be announced again: clear first.
      status.textContent = "";
      if (message) { window.setTimeout(function () { status.textContent = message; }, 50); }
    }

    function online() { return navigator.onLine !== false; }

    /* --- Checks a server would make, for what can be checked offline. --- */
    function problems() {
      var found = [];
      var el = form.elements;
      function add(anchor, message) { found.push({ anchor: anchor, message: message }); }
      var photos = [];
      Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (input) {
        photos = photos.concat(Array.prototype.slice.call(input.files || []));
      });
      var kept = form.querySelectorAll("input[name=parked_photo]").length;
      var maxPhotos = Number(limits.maxPhotos) || 5;
      var maxBytes = Number(limits.maxBytes) || 0;
      if (photos.length + kept > maxPhotos) {
        add("id_photos", fmt(text.tooManyPhotos, { max: maxPhotos }));
      }
      photos.forEach(function (file) {
        if (maxBytes && file.size > maxBytes) {
          add("id_photos", fmt(limits.photoTooLarge, { name: file.name, mb: Math.floor(maxBytes / 1048576) }));
        }
      });
      var hasPoint = el.lat && el.lat.value && el.lng && el.lng.value;
      if (!hasPoint) {
        if (!el.ward || !el.ward.value) {
          add("location", text.needPlace);
        } else if (!el.address || !el.address.value.trim()) {
          add("id_address", text.needAddress);
        }
      }
      if (el.category && !el.category.value) { add("id_category", text.needCategory); }
      if (el.description && !el.description.value.trim()) { add("id_description", text.needDescription); }
      if (el.reporter_phone && el.reporter_phone.value.trim() && !phoneLooksRight(el.reporter_phone.value)) {
        add("id_reporter_phone", text.badPhone);
      }
      if (el.reporter_email && el.reporter_email.value.trim() && el.reporter_email.validity &&
          el.reporter_email.validity.typeMismatch) {
        add("id_reporter_email", text.badEmail);
      }
      return found;
    }

    // Same rule as forms.normalize_phone.
    function phoneLooksRight(value) {
      var raw = value.replace(/[\s.\-()]/g, "");
      return /^\+?84\d{9,10}$/.test(raw) || /^0\d{9,10}$/.test(raw) || /^\+\d{8,15}$/.test(raw);
    }

    function showProblems(found, heading) {
      var old = document.getElementById("offline-error-summary");
      if (old) { old.remove(); }
      if (!found.length) { return; }
      var box = document.createElement("div");
      box.className = "error-summary";
      box.id = "offline-error-summary";
      box.setAttribute("role", "alert");
      box.tabIndex = -1;
      var h = document.createElement("h2");
      h.textContent = heading || text.checkTitle;
      box.appendChild(h);
      var ul = document.createElement("ul");
      found.forEach(function (problem) {
        var li = document.createElement("li");
        if (problem.anchor) {
          var a = document.createElement("a");
          a.href = "#" + problem.anchor;
          a.textContent = problem.message;
          li.appendChild(a);
        } else {
          li.textContent = problem.message;
        }
        ul.appendChild(li);
      });
      box.appendChild(ul);
      form.insertBefore(box, form.firstChild);
      box.focus();
    }

    /* --- Saving --------------------------------------------------------- */
    function onSubmit(event) {
      if (event.target !== form || online()) { return; }
      // Offline: the browser would only show its own error page. Keep the
      // report here instead, before submit.js disables the button.
      event.preventDefault();
      event.stopImmediatePropagation();
      var found = problems();
      showProblems(found);
      if (found.length) { return; }
      if (!keyInput.value) { keyInput.value = newKey(); }
      var action = form.getAttribute("action") || (location.pathname + location.search);
      save(new FormData(form), action, { notice: { title: text.notifyTitle, body: text.notifyBody } })
        .then(function (item) {
          requestSync();
          return afterSave(item);
        })
        .catch(function (error) {
          say(fmt(text.saveFailed, { reason: (error && error.name) || "IndexedDB" }));
        });
    }

    function requestSync() {
      if (!navigator.serviceWorker) { return; }
      navigator.serviceWorker.ready.then(function (registration) {
        if (registration.sync) { return registration.sync.register(SYNC_TAG); }
      }).catch(function () { /* no Background Sync: the page sends when opened online */ });
    }

    // A clean form for the next report. With the worker, this page loads
    // again from its copy (everything fresh, map and photos included);
    // without one, the form is reset in place.
    function afterSave(item) {
      var copy = window.caches && navigator.serviceWorker && navigator.serviceWorker.controller
        ? caches.match(location.pathname) : Promise.resolve(null);
      return copy.then(function (cached) {
        if (cached) {
          sessionStorage.setItem(JUST_SAVED, item.key);
          location.replace(location.pathname);
          return;
        }
        form.reset();
        keyInput.value = newKey();
        render().then(function () { announceSaved(); });
      }, function () {
        form.reset();
        keyInput.value = newKey();
        render().then(function () { announceSaved(); });
      });
    }

    function announceSaved() {
      waiting().then(function (items) {
        var count = items.length;
        var sync = "SyncManager" in window;
        var template = sync ? (count === 1 ? text.savedOne : text.savedMany)
          : (count === 1 ? text.savedOneOpen : text.savedManyOpen);
        say(fmt(template, { count: count }));
        section.focus();
      });
    }

    /* --- The list --------------------------------------------------------- */
    function optionText(select, value) {
      if (!select || !value) { return ""; }
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === value; });
      return option ? option.textContent.trim() : "";
    }

    function shorten(value, length) {
      value = String(value || "").replace(/\s+/g, " ").trim();
      return value.length > length ? value.slice(0, length - 1).trim() + "…" : value;
    }

    // dd/mm HH:MM in the phone's time, as the site writes dates.
    function when(ms) {
      var d = new Date(ms);
      function two(n) { return (n < 10 ? "0" : "") + n; }
      return two(d.getDate()) + "/" + two(d.getMonth() + 1) + " " + two(d.getHours()) + ":" + two(d.getMinutes());
    }

    function button(label, className, onClick, ariaLabel) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "button " + className;
      b.textContent = label;
      if (ariaLabel) { b.setAttribute("aria-label", ariaLabel); }
      b.addEventListener("click", onClick);
      return b;
    }

    function paragraph(className, content) {
      var p = document.createElement("p");
      p.className = className;
      if (content) { p.textContent = content; }
      return p;
    }

    function waitingItem(item) {
      var description = shorten(field(item, "description"), 120) || text.noDescription;
      var category = optionText(form.elements.category, field(item, "category"));
      var place = field(item, "lat") ? text.placeOnMap : optionText(form.elements.ward, field(item, "ward"));
      var photos = item.photos.length === 0 ? text.noPhoto
        : item.photos.length === 1 ? text.photoOne : fmt(text.photosMany, { count: item.photos.length });
      var state = item.state === "rejected" ? "rejected" : sending[item.key] ? "sending" : "waiting";

      var li = document.createElement("li");
      li.className = "offline-item is-" + state;
      li.dataset.key = item.key;
      li.dataset.sig = state + "|" + item.messages.join("|");
      var body = document.createElement("div");
      body.className = "offline-item-body";
      var head = paragraph("offline-item-head");
      var strong = document.createElement("strong");
      strong.textContent = category || text.noCategory;
      head.appendChild(strong);
      head.appendChild(document.createTextNode(" · " + fmt(text.savedAt, { time: when(item.savedAt) })));
      body.appendChild(head);
      body.appendChild(paragraph("offline-item-desc", description));
      body.appendChild(paragraph("offline-item-meta", [photos, place].filter(Boolean).join(" · ")));
      var stateLine = paragraph("offline-item-state");
      var badge = document.createElement("span");
      badge.className = "badge offline-badge";
      badge.textContent = { waiting: text.stateWaiting, sending: text.stateSending, rejected: text.stateRejected }[state];
      stateLine.appendChild(badge);
      body.appendChild(stateLine);
      if (state === "rejected") {
        var problems = item.messages.length ? item.messages : [fmt(text.rejectedGeneric, { status: item.status || "" })];
        var ul = document.createElement("ul");
        ul.className = "offline-item-errors";
        problems.forEach(function (message) {
          var e = document.createElement("li");
          e.textContent = message;
          ul.appendChild(e);
        });
        body.appendChild(ul);
      }
      li.appendChild(body);
      var actions = document.createElement("div");
      actions.className = "offline-item-actions";
      if (state === "rejected") {
        actions.appendChild(button(text.edit, "", function () { editInForm(item); },
                                   fmt(text.editNamed, { description: shorten(description, 60) })));
      }
      actions.appendChild(button(text.remove, "button-secondary", function () { removeItem(item, li); },
                                 fmt(text.removeNamed, { description: shorten(description, 60) })));
      li.appendChild(actions);
      return li;
    }

    function sentItem(note) {
      var li = document.createElement("li");
      li.className = "offline-sent-item";
      li.dataset.key = note.key;
      li.dataset.sig = note.code;
      var body = document.createElement("div");
      body.className = "offline-item-body";
      var head = paragraph("offline-item-head");
      var mark = document.createElement("span");
      mark.className = "offline-sent-mark";
      mark.setAttribute("aria-hidden", "true");
      mark.textContent = "✓ ";
      head.appendChild(mark);
      head.appendChild(document.createTextNode(text.sentLabel + " "));
      var code = document.createElement("strong");
      code.className = "code offline-sent-code";
      code.textContent = note.code;
      head.appendChild(code);
      body.appendChild(head);
      if (note.description) { body.appendChild(paragraph("offline-item-desc", shorten(note.description, 120))); }
      // The confirmation page holds the private link (rating, reopening),
      // which this person has not seen yet: the report went in the background.
      var more = paragraph("offline-sent-link");
      var link = document.createElement("a");
      link.href = note.url;
      link.textContent = text.sentOpen;
      more.appendChild(link);
      body.appendChild(more);
      li.appendChild(body);
      var actions = document.createElement("div");
      actions.className = "offline-item-actions";
      actions.appendChild(button(text.hide, "button-secondary", function () {
        dismissSent(note.key).then(render).then(function () { (section.hidden ? status : section).focus(); });
      }, fmt(text.hideNamed, { code: note.code })));
      li.appendChild(actions);
      return li;
    }

    // Only rows that changed are replaced, so the live region announces the
    // news (a new report, a new state), not the whole list again.
    function sync(ul, items, make) {
      var keep = {};
      items.forEach(function (item, index) {
        var fresh = make(item);
        keep[item.key] = true;
        var existing = ul.querySelector('li[data-key="' + item.key + '"]');
        if (existing && existing.dataset.sig === fresh.dataset.sig) {
          if (ul.children[index] !== existing) { ul.insertBefore(existing, ul.children[index] || null); }
          return;
        }
        var hadFocus = existing && existing.contains(document.activeElement);
        if (existing) { existing.replaceWith(fresh); } else { ul.insertBefore(fresh, ul.children[index] || null); }
        if (hadFocus) { (fresh.querySelector("button") || section).focus(); }
      });
      Array.prototype.slice.call(ul.children).forEach(function (li) {
        if (!keep[li.dataset.key]) { li.remove(); }
      });
    }

    var rendering = Promise.resolve();
    function render() {
      rendering = rendering.then(function () {
        return Promise.all([waiting(), sent()]).then(function (results) {
          var items = results[0];
          var notes = results[1];
          sync(list, items, waitingItem);
          sync(sentList, notes, sentItem);
          var pending = items.filter(function (item) { return item.state !== "rejected"; }).length;
          section.hidden = items.length === 0 && notes.length === 0;
          title.textContent = items.length ? text.titleWaiting : text.titleSent;
          var count = document.getElementById("offline-queue-count");
          count.textContent = items.length === 0 ? "" : items.length === 1 ? text.countOne
            : fmt(text.countMany, { count: items.length });
          count.hidden = items.length === 0;
          sendNow.hidden = !(pending && online());
          banner.hidden = online();
        });
      }).catch(function () {
        banner.hidden = online();
      });
      return rendering;
    }

    function removeItem(item, li) {
      if (!window.confirm(text.removeConfirm)) { return; }
      var next = li.nextElementSibling || li.previousElementSibling;
      remove(item.key).then(function () {
        say(text.removed);
        return render();
      }).then(function () {
        var target = next && next.isConnected ? next.querySelector("button") : null;
        // With the list gone, focus goes to the sentence saying what happened.
        (target || (section.hidden ? status : section)).focus();
      });
    }

    /* A report the server did not accept goes back into the form with the
     * server's messages, under its own key (it made no report). */
    function editInForm(item) {
      // By name only: form.elements would also find a fieldset by its id (id="photos").
      function control(name, file) {
        var found = Array.prototype.filter.call(form.querySelectorAll("input, select, textarea"), function (input) {
          return input.name === name && (input.type === "file") === Boolean(file);
        });
        return found[0] || null;
      }
      item.fields.forEach(function (pair) {
        var name = pair[0];
        var value = pair[1];
        if (name === "csrfmiddlewaretoken" || name === "parked_photo" || name === "remove_photo") { return; }
        var input = control(name, false);
        if (!input) { return; }
        if (input.type === "radio") {
          input = form.querySelector('input[type=radio][name="' + name + '"][value="' + CSS.escape(value) + '"]');
          if (!input) { return; }
          input.checked = true;
        } else if (input.type === "checkbox") {
          input.checked = value === "on" || value === "true";
        } else {
          input.value = value;
        }
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
      if (field(item, "lat") && field(item, "lng")) {
        var map = document.getElementById("map");
        if (map) {
          map.dispatchEvent(new CustomEvent("phananh:place", {
            detail: { lat: parseFloat(field(item, "lat")), lng: parseFloat(field(item, "lng")) },
          }));
        }
      }
      var camera = item.photos.length ? control(item.photos[0].field, true) : null;
      if (camera && window.DataTransfer) {
        try {
          var transfer = new DataTransfer();
          item.photos.forEach(function (photo) {
            transfer.items.add(new File([photo.blob], photo.name, { type: photo.type }));
          });
          camera.files = transfer.files;
          camera.dispatchEvent(new Event("change", { bubbles: true }));
        } catch (error) { /* an old browser: the person attaches the photos again */ }
      }
      keyInput.value = item.key;
      say("");   // the error summary below takes over (role="alert")
      var messages = item.messages.length ? item.messages : [fmt(text.rejectedGeneric, { status: item.status || "" })];
      remove(item.key).then(render).then(function () {
        showProblems(messages.map(function (message) { return { anchor: "", message: message }; }), text.editTitle);
      });
    }

    /* --- Sending ---------------------------------------------------------- */
    // What happened is announced from the queue's messages (onChange below),
    // whoever sent: this page, another tab, or the worker on Background Sync.
    function send() {
      if (!online()) { return Promise.resolve(); }
      return flush().catch(function () { say(text.notYet); }).then(render);
    }

    var news = { codes: [], rejected: 0 };
    function tell(message) {
      if (message.type === "sent") { news.codes.push(message.code); }
      if (message.type === "rejected") { news.rejected++; }
      if (message.type !== "flushed") { return; }
      var parts = [];
      if (news.codes.length === 1) { parts.push(fmt(text.sentOne, { code: news.codes[0] })); }
      if (news.codes.length > 1) {
        parts.push(fmt(text.sentMany, { count: news.codes.length, codes: news.codes.join(", ") }));
      }
      if (news.rejected) { parts.push(text.someRejected); }
      if (message.offline) { parts.push(text.notYet); }
      news = { codes: [], rejected: 0 };
      if (parts.length) { say(parts.join(" ")); }
    }

    // A copy kept by the worker has an old CSRF token; a native post from
    // it would be refused, so it gets the current one once online.
    function refreshFormToken() {
      if (!fromCache || !online()) { return; }
      var input = form.elements.csrfmiddlewaretoken;
      freshToken().then(function (token) { if (input) { input.value = token; } fromCache = false; })
        .catch(function () {});
    }

    onChange(function (message) {
      tell(message);
      if (message.type === "item-sending") { sending[message.key] = true; }
      if (message.type === "sent" || message.type === "rejected" || message.type === "flushed") {
        sending = {};
      }
      render();
    });
    document.addEventListener("submit", onSubmit, true);   // capture: before submit.js's double-post guard
    sendNow.addEventListener("click", function () { send(); });
    window.addEventListener("online", function () { render(); refreshFormToken(); send(); });
    window.addEventListener("offline", function () {
      render();
      say(text.wentOffline);
    });

    render().then(function () {
      var just = sessionStorage.getItem(JUST_SAVED);
      sessionStorage.removeItem(JUST_SAVED);
      // Only news is announced; the banner and the list say the rest.
      if (just || location.hash === "#offline-queue") { announceSaved(); }
      refreshFormToken();
      send();
    });
  }

  function readText(template) {
    var out = {};
    if (!template) { return out; }
    Array.prototype.forEach.call(template.content.querySelectorAll("[data-key]"), function (el) {
      out[el.dataset.key] = el.textContent.trim();
    });
    return out;
  }

  function readJson(id) {
    var el = document.getElementById(id);
    try { return el ? JSON.parse(el.textContent) : {}; } catch (error) { return {}; }
  }

  initPage();
})(self);
