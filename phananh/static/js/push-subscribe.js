/* "Notify me on this phone" on the confirmation page (notify/push_offer.html).
 *
 * The card stays hidden in browsers without web push (no service worker or
 * PushManager: older browsers, iPhone Safari outside an installed app, pages
 * not served over https). Pressing the button asks for permission, subscribes
 * with the site's VAPID key through the service worker, and POSTs the
 * subscription to the server, which sends {"title", "body", "url"} pushes that
 * sw.js shows. A refusal is explained: the browser will not ask again, so the
 * person must allow notifications in the site settings.
 */
(function () {
  "use strict";

  var card = document.getElementById("push-offer");
  if (!card) return;
  var supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!supported) return;

  var button = document.getElementById("push-subscribe");
  var status = document.getElementById("push-status");
  var texts = JSON.parse(document.getElementById("push-text").textContent);
  var csrf = card.querySelector("input[name=csrfmiddlewaretoken]").value;
  card.hidden = false;

  function say(message, warning) {
    status.textContent = message;
    status.classList.toggle("is-warning", Boolean(warning));
  }

  if (Notification.permission === "denied") say(texts.denied, true);

  function keyBytes(base64url) {
    var base64 = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function sameKey(buffer, bytes) {
    if (!buffer) return false;
    var view = new Uint8Array(buffer);
    if (view.length !== bytes.length) return false;
    for (var i = 0; i < view.length; i++) if (view[i] !== bytes[i]) return false;
    return true;
  }

  // Older Safari takes a callback instead of returning a promise.
  function askPermission() {
    return new Promise(function (resolve) {
      var answer = Notification.requestPermission(resolve);
      if (answer && answer.then) answer.then(resolve);
    });
  }

  // The PWA's service worker, registered by the site; registered here only
  // when this page is the first to need it.
  function workerReady() {
    return navigator.serviceWorker.getRegistration().then(function (registration) {
      if (registration || !card.dataset.swUrl) return registration;
      return navigator.serviceWorker.register(card.dataset.swUrl);
    }).then(function () {
      return navigator.serviceWorker.ready;
    });
  }

  function pushSubscription(registration) {
    var key = keyBytes(card.dataset.vapidKey);
    return registration.pushManager.getSubscription().then(function (existing) {
      if (existing && sameKey(existing.options && existing.options.applicationServerKey, key)) return existing;
      // Made with another key (the site's keys changed): push services would refuse it.
      var cleared = existing ? existing.unsubscribe() : Promise.resolve();
      return cleared.then(function () {
        return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
      });
    });
  }

  function register(subscription) {
    return fetch(card.dataset.subscribeUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(subscription),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.error || texts.failed);
          error.fromServer = true;
          throw error;
        }
        return data;
      });
    });
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    say(texts.working);
    askPermission().then(function (permission) {
      if (permission !== "granted") {
        say(permission === "denied" ? texts.denied : texts.dismissed, true);
        button.disabled = false;
        return null;
      }
      return workerReady().then(pushSubscription).then(register).then(function (data) {
        say(data.message || texts.done);
        button.hidden = true;
        // Keep the keyboard and screen reader where the button was.
        status.setAttribute("tabindex", "-1");
        status.focus();
      });
    }).catch(function (error) {
      var message = error && error.fromServer ? error.message : (navigator.onLine === false ? texts.offline : texts.failed);
      say(message, true);
      button.disabled = false;
    });
  });
})();
