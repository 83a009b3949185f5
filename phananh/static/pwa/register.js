/* Installs PhanAnh's service worker (served at the site root, see
 * phananh/intake/pwa.py) on every page, and asks it to send reports that
 * wait on this phone whenever a page opens or the network comes back. The
 * report form page sends them itself (offline-queue.js) and shows progress. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) { return; }
  var script = document.currentScript;
  var url = script && script.dataset.serviceWorker;
  if (!url) { return; }

  function sendWaiting() {
    if (window.PhanAnhQueue || navigator.onLine === false) { return; }
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) { registration.active.postMessage({ type: "send-waiting-reports" }); }
    });
  }

  window.addEventListener("load", function () {
    navigator.serviceWorker.register(url, { scope: "/" }).then(sendWaiting, function () {
      /* no worker (private mode, an old browser): the site works as before, online only */
    });
  });
  window.addEventListener("online", sendWaiting);
})();
