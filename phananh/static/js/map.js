/* PhanAnh public maps (Leaflet, vendored).
 *
 * [data-map="reports"]: the home page map. On every move it asks
 * /api/v1/map for the reports in view; the server answers with single
 * reports, or with grid clusters when there are many. Clusters are numbered
 * circles (click to zoom in); reports are pins whose colour AND glyph show
 * the status, with a popup linking to the report page. A live region says
 * what is shown, for people who cannot see the map.
 *
 * [data-map="point"]: the small map of one report's place.
 *
 * Without JavaScript nothing here runs and the pages still list every report.
 */
(function () {
  "use strict";

  if (typeof L === "undefined") {
    return;
  }

  function readJSON(id) {
    var node = document.getElementById(id);
    if (!node) {
      return {};
    }
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return {};
    }
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (match, key) {
      return key in values ? String(values[key]) : match;
    });
  }

  function clamp(value, low, high) {
    return Math.max(low, Math.min(high, value));
  }

  var labels = readJSON("map-statuses");
  var statuses = labels.statuses || {};
  var outcomes = labels.outcomes || {};
  var categories = readJSON("map-categories");
  var texts = readJSON("map-texts");
  var numberFormat = new Intl.NumberFormat(document.documentElement.lang || "vi");

  function baseMap(node, options) {
    var map = L.map(node, options);
    L.tileLayer(node.dataset.tiles, {
      attribution: node.dataset.attribution,
      maxZoom: 19,
    }).addTo(map);
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    return map;
  }

  // Status text plus symbol; a resolved or closed report only gets the "fixed" tick when its outcome is fixed.
  function statusOf(status, outcome) {
    var info = statuses[status] || { label: status, symbol: "?", kind: "received" };
    if ((status === "resolved" || status === "closed") && outcome !== "fixed" && labels.unfixed) {
      info = { label: info.label, symbol: labels.unfixed.symbol, kind: labels.unfixed.kind };
    }
    var outcomeLabel = outcome && outcomes[outcome];
    return {
      label: outcomeLabel ? info.label + " · " + outcomeLabel : info.label,
      symbol: info.symbol,
      kind: info.kind,
    };
  }

  function pinIcon(info) {
    return L.divIcon({
      className: "map-pin map-pin-" + info.kind,
      html: '<span aria-hidden="true">' + info.symbol + "</span>",
      iconSize: [32, 32],
      iconAnchor: [16, 16],
      popupAnchor: [0, -14],
    });
  }

  function popupContent(report, reportUrl) {
    var info = statusOf(report.status, report.outcome);
    var box = document.createElement("div");
    box.className = "map-popup";
    var title = document.createElement("p");
    title.className = "map-popup-title";
    title.textContent = categories[report.category] || report.category;
    var status = document.createElement("p");
    var badge = document.createElement("span");
    badge.className = "badge status-" + report.status;
    badge.textContent = info.label;
    status.appendChild(badge);
    var code = document.createElement("p");
    code.textContent = (texts.code || "") + " " + report.code;
    var link = document.createElement("a");
    link.href = reportUrl.replace("CODE", encodeURIComponent(report.code));
    link.className = "button map-popup-link";
    link.textContent = texts.open || "Open";
    box.append(title, status, code, link);
    return box;
  }

  function clusterIcon(count) {
    var size = count < 10 ? 40 : count < 100 ? 48 : count < 1000 ? 56 : 64;
    return L.divIcon({
      className: "map-cluster",
      html: "<span>" + numberFormat.format(count) + "</span>",
      iconSize: [size, size],
      iconAnchor: [size / 2, size / 2],
    });
  }

  function reportsMap(node) {
    // The API takes boxes within -180..180 / -90..90, so the map does not wrap around the world.
    var map = baseMap(node, {
      scrollWheelZoom: false,
      minZoom: 3,
      maxBounds: [[-85, -180], [85, 180]],
      maxBoundsViscosity: 1.0,
    }).setView(
      [parseFloat(node.dataset.lat), parseFloat(node.dataset.lng)],
      parseInt(node.dataset.zoom, 10) || 14
    );
    // Wheel zoom only once the visitor engages with the map, so scrolling the page is never captured.
    map.once("focus click", function () {
      map.scrollWheelZoom.enable();
    });
    var layer = L.layerGroup().addTo(map);
    var live = document.getElementById(node.dataset.statusId);
    var pending = null;
    var timer = null;

    function say(text) {
      if (live) {
        live.textContent = text;
      }
    }

    function draw(data) {
      layer.clearLayers();
      data.clusters.forEach(function (cluster) {
        var marker = L.marker([cluster.lat, cluster.lng], {
          icon: clusterIcon(cluster.count),
          title: format(texts.cluster || "%(count)s", { count: numberFormat.format(cluster.count) }),
          keyboard: true,
        });
        marker.on("click", function () {
          map.setView([cluster.lat, cluster.lng], Math.min(map.getZoom() + 2, map.getMaxZoom()));
        });
        layer.addLayer(marker);
      });
      data.reports.forEach(function (report) {
        var info = statusOf(report.status, report.outcome);
        var marker = L.marker([report.lat, report.lng], {
          icon: pinIcon(info),
          title: report.code + " · " + (categories[report.category] || report.category) + " · " + info.label,
          keyboard: true,
        });
        marker.bindPopup(popupContent(report, node.dataset.reportUrl));
        layer.addLayer(marker);
      });
      var inClusters = data.clusters.reduce(function (sum, c) {
        return sum + c.count;
      }, 0);
      if (data.clusters.length) {
        say(format(texts.clustered, {
          count: numberFormat.format(inClusters + data.reports.length),
          groups: numberFormat.format(data.clusters.length),
          singles: numberFormat.format(data.reports.length),
        }));
      } else if (data.reports.length) {
        say(format(texts.reports, { count: numberFormat.format(data.reports.length) }));
      } else {
        say(texts.none);
      }
    }

    function load() {
      var bounds = map.getBounds();
      var bbox = [
        clamp(bounds.getWest(), -180, 180),
        clamp(bounds.getSouth(), -90, 90),
        clamp(bounds.getEast(), -180, 180),
        clamp(bounds.getNorth(), -90, 90),
      ].map(function (value) {
        return value.toFixed(6);
      }).join(",");
      if (pending) {
        pending.abort();
      }
      pending = new AbortController();
      var params = new URLSearchParams({ bbox: bbox, zoom: String(map.getZoom()) });
      fetch(node.dataset.api + "?" + params.toString(), {
        signal: pending.signal,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(draw)
        .catch(function (error) {
          if (error.name !== "AbortError") {
            say(texts.error);
          }
        });
    }

    map.on("moveend", function () {
      // Panning fires many moves in a row; ask once the map has settled.
      window.clearTimeout(timer);
      timer = window.setTimeout(load, 200);
    });
    say(texts.loading || "");
    load();
  }

  function pointMap(node) {
    var position = [parseFloat(node.dataset.lat), parseFloat(node.dataset.lng)];
    var map = baseMap(node, { scrollWheelZoom: false, zoomControl: true }).setView(position, 17);
    var info = statusOf(node.dataset.status, node.dataset.outcome);
    L.marker(position, { icon: pinIcon(info), keyboard: false, interactive: false }).addTo(map);
  }

  document.querySelectorAll('[data-map="reports"]').forEach(reportsMap);
  document.querySelectorAll('[data-map="point"]').forEach(pointMap);
})();
