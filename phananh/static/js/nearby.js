/* PhanAnh submit form: "Already reported nearby?" (progressive enhancement).
 *
 * Once the form knows the place (the map pin submit.js writes into the
 * hidden #id_lat / #id_lng) and the category, ask /api/v1/nearby for open
 * reports that may be the same problem, and list them with a link to follow
 * one instead. The description and address refine the ranking as they are
 * typed. submit.js sets the pin's inputs without firing events, so their
 * values are watched on a short timer; everything else listens to events.
 * Sentences come translated in the panel's data attributes.
 */
(function () {
  "use strict";

  var panel = document.getElementById("nearby");
  var list = document.getElementById("nearby-list");
  var status = document.getElementById("nearby-status");
  var lat = document.getElementById("id_lat");
  var lng = document.getElementById("id_lng");
  var category = document.getElementById("id_category");
  if (!panel || !list || !lat || !lng || !category || !window.fetch) { return; }
  var description = document.getElementById("id_description");
  var address = document.getElementById("id_address");
  var text = panel.dataset;

  var WATCH_MS = 700;     // how often the pin's inputs are looked at
  var TYPING_MS = 800;    // pause in typing before asking again
  var MAX_TEXT = 1000;    // the start of the description is enough to rank

  var lastQuery = "";
  var lastPlace = "";
  var lastCodes = "";
  var seq = 0;
  var typingTimer = null;

  function fmt(template, params) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (whole, key) {
      return params[key] === undefined ? whole : params[key];
    });
  }

  function query() {
    var la = parseFloat(lat.value);
    var ln = parseFloat(lng.value);
    if (!isFinite(la) || !isFinite(ln) || !category.value) { return ""; }
    var params = new URLSearchParams({ lat: la.toFixed(6), lng: ln.toFixed(6), category: category.value });
    var words = description ? description.value.trim().slice(0, MAX_TEXT) : "";
    if (words) { params.set("text", words); }
    if (address && address.value.trim()) { params.set("address", address.value.trim().slice(0, 300)); }
    return params.toString();
  }

  function hide() {
    panel.hidden = true;
    list.textContent = "";
    if (lastCodes) { status.textContent = ""; }
    lastCodes = "";
  }

  function refresh() {
    var q = query();
    if (q === lastQuery) { return; }
    lastQuery = q;
    var mine = ++seq;
    if (!q) { hide(); return; }
    fetch(panel.dataset.url + "?" + q, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (mine !== seq) { return; }  // an older answer arriving late
        if (!data || !data.reports || !data.reports.length) { hide(); return; }
        show(data.reports);
      })
      .catch(function () { /* offline or refused: the form works without the panel */ });
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

  function item(report) {
    var li = element("li", "nearby-item" + (report.likely ? " nearby-likely" : ""));
    if (report.photo) {
      var img = element("img", "nearby-photo");
      img.src = report.photo;
      img.alt = fmt(text.photo, { code: report.code });
      img.width = 96;
      img.height = 72;
      img.loading = "lazy";
      li.appendChild(img);
    }
    var body = element("div", "nearby-body");
    // Never colour alone: the likelihood is written out, with a symbol.
    var badge = element("p", "nearby-match " + (report.likely ? "is-likely" : "is-possible"));
    badge.appendChild(element("span", "nearby-mark", report.likely ? "★ " : "• "));
    badge.lastChild.setAttribute("aria-hidden", "true");
    badge.appendChild(document.createTextNode(report.likely ? text.likely : text.possible));
    body.appendChild(badge);

    var head = element("p", "nearby-head");
    head.appendChild(element("strong", null, report.category.name));
    head.appendChild(document.createTextNode(" · "));
    head.appendChild(element("span", "badge status-" + report.status, report.status_label));
    body.appendChild(head);

    body.appendChild(element("p", "nearby-excerpt", report.excerpt));
    var facts = [fmt(text.distance, { metres: report.distance_m })];
    if (report.address) { facts.push(report.address); }
    if (report.supporters === 1) { facts.push(text.supportersOne); }
    if (report.supporters > 1) { facts.push(fmt(text.supportersMany, { n: report.supporters })); }
    body.appendChild(element("p", "nearby-facts", facts.join(" · ")));

    var actions = element("p", "nearby-actions");
    // The visible words start the accessible name (WCAG 2.5.3); the code tells the links apart.
    var follow = element("a", "button nearby-follow", text.follow + " ");
    follow.href = report.follow_url;
    follow.appendChild(element("span", "visually-hidden", fmt(text.followCode, { code: report.code })));
    actions.appendChild(follow);
    var view = element("a", "nearby-view");
    view.href = report.url;
    view.target = "_blank";
    view.rel = "noopener";
    view.appendChild(document.createTextNode(fmt(text.view, { code: report.code }) + " "));
    view.appendChild(element("span", "visually-hidden", text.newTab));
    actions.appendChild(view);
    body.appendChild(actions);
    li.appendChild(body);
    return li;
  }

  function show(reports) {
    list.textContent = "";
    reports.forEach(function (report) { list.appendChild(item(report)); });
    panel.hidden = false;
    var codes = reports.map(function (r) { return r.code; }).join(",");
    if (codes !== lastCodes) {
      // Said once per new set of reports, not at every keystroke.
      status.textContent = reports.length === 1 ? text.foundOne : fmt(text.foundMany, { n: reports.length });
      lastCodes = codes;
    }
  }

  // The pin and the category: looked at on the timer, asked about at once.
  function watch() {
    var place = [lat.value, lng.value, category.value].join("|");
    if (place !== lastPlace) {
      lastPlace = place;
      refresh();
    }
  }

  function soon() {
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(refresh, TYPING_MS);
  }

  category.addEventListener("change", watch);
  if (description) { description.addEventListener("input", soon); }
  if (address) { address.addEventListener("input", soon); }
  if (category.form) {
    category.form.addEventListener("reset", function () { window.setTimeout(watch, 0); });
  }
  window.setInterval(watch, WATCH_MS);
  watch();
})();
