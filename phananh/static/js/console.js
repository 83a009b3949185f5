// Staff console enhancements. Everything works without this file; it only
// moves focus to an error summary and draws the location map.
(function () {
  "use strict";

  function focusErrors() {
    // Screen-reader and keyboard users land on the list of problems.
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) {
      summary.focus();
    }
  }

  function drawMaps() {
    if (!window.L) {
      return;
    }
    document.querySelectorAll("[data-map]").forEach(function (el) {
      var lat = parseFloat(el.dataset.lat);
      var lng = parseFloat(el.dataset.lng);
      if (isNaN(lat) || isNaN(lng)) {
        return;
      }
      var map = window.L.map(el, { scrollWheelZoom: false }).setView([lat, lng], 17);
      window.L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 19 }).addTo(map);
      window.L.circleMarker([lat, lng], { radius: 10, color: "#a4161a", weight: 3, fillOpacity: 0.4 }).addTo(map);
    });
  }

  function start() {
    focusErrors();
    drawMaps();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
