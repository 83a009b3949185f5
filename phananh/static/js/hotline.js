/* PhanAnh hotline console: a phone call typed in while the caller talks.
 *
 * The form works without this script (plain fields, ward list, server-side
 * checks). The script adds what saves seconds on a call:
 * - Enter in a one-line field moves to the next field, Ctrl+Enter sends;
 * - a filter box over the long ward list ("ben th" chooses Bến Thành);
 * - an optional map point (Leaflet, vendored) that also picks the ward;
 * - category suggestions from /api/v1/classify while the description is
 *   typed, the same approach as the citizen form (submit.js): a confident
 *   suggestion is chosen unless the operator chose one, others are offered
 *   as buttons;
 * - the "already reported?" panel, reloaded when the ward, point or
 *   category changes;
 * - after sending, the tracking code is announced to screen readers while
 *   the focus waits in the phone field for the next call.
 * Sentences come translated from the page (#hotline-text).
 */
(function () {
  "use strict";

  var textEl = document.getElementById("hotline-text");
  var text = textEl ? JSON.parse(textEl.textContent) : {};
  var form = document.getElementById("call-form");
  if (!form) { return; }

  function fmt(template, params) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (whole, key) {
      return params[key] === undefined ? whole : params[key];
    }).replace(/%%/g, "%");
  }

  // "Phường Bến Thành" -> "phuong ben thanh", as phananh.nlp.normalize.fold does.
  function fold(value) {
    return String(value || "").toLowerCase().replace(/đ/g, "d")
      .normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/\s+/g, " ").trim();
  }

  function field(name) { return form.elements.namedItem(name); }

  /* --- Keyboard: Enter goes on, Ctrl+Enter sends ------------------------- */
  function focusable() {
    return Array.prototype.filter.call(form.querySelectorAll("input, select, textarea, button, summary, [tabindex='0']"),
      function (el) {
        return !el.disabled && el.type !== "hidden" && el.offsetParent !== null && el.tabIndex >= 0;
      });
  }

  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing) { return; }
    var target = event.target;
    if (event.ctrlKey || event.metaKey) {
      event.preventDefault();
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      return;
    }
    var oneLine = target.tagName === "INPUT" && /^(text|tel|search|email)$/.test(target.type);
    if (!oneLine || target.dataset.enterHandled) { return; }
    event.preventDefault();
    var all = focusable();
    var next = all[all.indexOf(target) + 1];
    if (next) { next.focus(); }
  });

  /* --- Ward list: type to choose ----------------------------------------- */
  var ward = field("ward");
  var announce = document.getElementById("announce");

  function initWardFilter() {
    if (!ward) { return; }
    var options = Array.prototype.filter.call(ward.options, function (option) { return option.value; })
      .map(function (option) {
        // "Phường Bến Thành" is found by "ben thanh", "p ben th", "phuong ben".
        var name = fold(option.textContent);
        return { option: option, name: " " + name, core: " " + name.replace(/^(phuong|xa|thi tran|dac khu) /, "") };
      });
    if (options.length < 8) { return; }
    var box = document.createElement("div");
    box.className = "ward-filter";
    box.innerHTML = '<label for="ward-filter"></label>' +
      '<input type="search" id="ward-filter" autocomplete="off" spellcheck="false" aria-describedby="ward-filter-status">' +
      '<p class="ward-filter-status" id="ward-filter-status" aria-live="polite"></p>';
    box.querySelector("label").textContent = text.wardFilterLabel || "";
    var input = box.querySelector("input");
    var status = box.querySelector("p");
    input.dataset.enterHandled = "1";
    ward.parentNode.insertBefore(box, ward);

    function matches(query) {
      var typed = fold(query).replace(/^(p|phuong|xa) /, "");
      if (!typed) { return []; }
      var words = typed.split(" ");
      return options.filter(function (entry) {
        return words.every(function (word) { return entry.core.indexOf(" " + word) !== -1; });
      }).sort(function (a, b) {
        return (a.core.indexOf(" " + typed) === -1) - (b.core.indexOf(" " + typed) === -1);
      });
    }

    var choosing = false;
    input.addEventListener("input", function () {
      var found = matches(input.value);
      if (!input.value.trim()) { status.textContent = ""; return; }
      if (!found.length) { status.textContent = text.wardNone; return; }
      if (ward.value !== found[0].option.value) {
        ward.value = found[0].option.value;
        choosing = true;
        ward.dispatchEvent(new Event("change", { bubbles: true }));
        choosing = false;
      }
      status.textContent = found.length === 1 ? text.wardOne + " " + found[0].option.textContent
        : fmt(text.wardMatches, { count: found.length }) + " " + found[0].option.textContent;
    });
    // Chosen another way (in the list, by a map point): the filter's words no longer apply.
    ward.addEventListener("change", function () {
      if (!choosing) { input.value = ""; status.textContent = ""; }
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        var address = field("address");
        (address || ward).focus();
      }
    });
  }

  /* --- Map point (optional) ----------------------------------------------- */
  function initMap() {
    var details = document.getElementById("map-details");
    var el = document.getElementById("map");
    var latInput = field("lat");
    var lngInput = field("lng");
    var status = document.getElementById("point-status");
    var clear = document.getElementById("clear-point");
    if (!details || !el || !window.L) { if (details) { details.hidden = true; } return; }
    var L = window.L;
    var map = null;
    var marker = null;
    var seq = 0;

    function say(message, warning) {
      status.textContent = message;
      status.classList.toggle("is-warning", Boolean(warning));
    }

    function chooseWard(name) {
      if (!ward || !name) { return false; }
      var option = Array.prototype.find.call(ward.options, function (o) { return fold(o.textContent) === fold(name); });
      if (!option) { return false; }
      ward.value = option.value;
      ward.dispatchEvent(new Event("change", { bubbles: true }));
      return true;
    }

    function record(latlng) {
      var point = latlng.wrap();
      latInput.value = point.lat.toFixed(6);
      lngInput.value = point.lng.toFixed(6);
      clear.hidden = false;
      var shown = { lat: point.lat.toFixed(5), lng: point.lng.toFixed(5) };
      say(fmt(text.pointSet, shown));
      refreshHints();
      var mine = ++seq;
      fetch(el.dataset.locateUrl + "?lat=" + latInput.value + "&lng=" + lngInput.value,
        { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || mine !== seq) { return; }
          if (!data.inside) { say(fmt(text.pointOutside, shown), true); return; }
          chooseWard(data.ward);
          say(fmt(text.pointWard, { lat: shown.lat, lng: shown.lng, ward: data.ward }));
        })
        .catch(function () { /* offline: the server checks the point when the form is sent */ });
    }

    function place(latlng) {
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = L.marker(latlng, { draggable: true, keyboard: true, title: text.pinLabel, alt: text.pinLabel }).addTo(map);
        marker.on("dragend", function () { record(marker.getLatLng()); });
      }
      record(latlng);
    }

    function start() {
      if (map) { map.invalidateSize(); return; }
      map = L.map(el, { scrollWheelZoom: false })
        .setView([parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)], parseInt(el.dataset.zoom, 10) || 14);
      L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 19 }).addTo(map);
      map.on("click", function (event) { place(event.latlng); });
      el.addEventListener("keydown", function (event) {
        if ((event.key === "Enter" || event.key === " ") && event.target === el) {
          event.preventDefault();
          event.stopPropagation();
          place(map.getCenter());
        }
      });
      var lat = parseFloat(latInput.value);
      var lng = parseFloat(lngInput.value);
      if (isFinite(lat) && isFinite(lng)) {
        map.setView([lat, lng], 17);
        marker = L.marker([lat, lng], { draggable: true, keyboard: true, title: text.pinLabel, alt: text.pinLabel }).addTo(map);
        marker.on("dragend", function () { record(marker.getLatLng()); });
      }
    }

    details.addEventListener("toggle", function () { if (details.open) { start(); } });
    if (details.open) { start(); }
    clear.addEventListener("click", function () {
      if (marker) { map.removeLayer(marker); marker = null; }
      latInput.value = "";
      lngInput.value = "";
      seq++;
      clear.hidden = true;
      say(text.pointCleared);
      refreshHints();
      if (ward) { ward.focus(); }
    });
  }

  /* --- Category suggestions ------------------------------------------------ */
  var category = field("category");

  function initSuggestions() {
    var box = document.getElementById("category-suggestion");
    var description = field("description");
    if (!box || !category || !description || !window.fetch) { return; }
    var status = document.getElementById("category-suggestion-status");
    var choices = document.getElementById("category-suggestion-choices");
    var label = document.getElementById("category-suggestion-label");
    var list = choices.querySelector("ul");
    var token = form.querySelector("[name=csrfmiddlewaretoken]");
    var confident = Number(text.suggestConfidence) || 0.5;
    var manual = category.value !== "";
    var ours = "";
    var asked = "";
    var seq = 0;
    var timer = null;
    var pending = null;

    function optionFor(code) {
      return Array.prototype.find.call(category.options, function (o) { return o.value === code; }) || null;
    }

    function offer(heading, items) {
      list.innerHTML = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button button-secondary";
        button.textContent = fmt(text.useCategory, { name: item.name, percent: Math.floor(item.score * 100) });
        button.addEventListener("click", function () {
          category.value = item.value;
          manual = true;
          ours = "";
          category.dispatchEvent(new Event("change", { bubbles: true }));
          status.textContent = fmt(text.suggestPicked, { name: item.name });
          offer("", []);
          category.focus();
        });
        li.appendChild(button);
        list.appendChild(li);
      });
      label.textContent = heading;
      choices.hidden = items.length === 0;
    }

    function show(items) {
      if (!items.length) { status.textContent = text.suggestNone; offer("", []); return; }
      var best = items[0];
      var sure = best.score >= confident;
      if (sure && !manual) {
        category.value = best.value;
        ours = best.value;
        refreshHints();
      } else if (!manual && ours && category.value === ours) {
        category.value = "";
        ours = "";
      }
      // Below 15 % a category is noise, not a possibility worth a button.
      var others = items.filter(function (item) { return item.value !== category.value && item.score >= 0.15; });
      var message;
      if (sure && category.value === best.value) {
        message = ours === best.value ? fmt(text.suggestChosen, { name: best.name }) : text.suggestSame;
        offer(message, []);
      } else if (sure) {
        message = fmt(text.suggestOther, { name: best.name });
        offer(message, [best]);
      } else {
        message = others.length ? text.suggestUnsure : text.suggestNone;
        offer(message, others);
      }
      // Announce only what changed: the same sentence again would be noise.
      if (status.textContent !== message) { status.textContent = message; }
    }

    function ask() {
      var typed = description.value.trim();
      if (typed.length < 12 || typed === asked) { return; }
      asked = typed;
      var mine = ++seq;
      if (pending) { pending.abort(); }
      pending = window.AbortController ? new AbortController() : null;
      fetch(box.dataset.classifyUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
        body: JSON.stringify({ text: typed }),
        signal: pending ? pending.signal : undefined,
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || mine !== seq) { return; }
          show((data.suggestions || []).map(function (s) {
            var option = optionFor(s.code);
            return option ? { value: option.value, name: option.textContent, score: s.score } : null;
          }).filter(Boolean));
        })
        .catch(function () { /* offline or superseded: the list still works by hand */ });
    }

    description.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 400);
    });
    category.addEventListener("change", function () {
      if (category.value !== ours) { manual = category.value !== ""; ours = ""; }
    });
    if (description.value.trim()) { ask(); }
  }

  /* --- "Already reported?" panel ------------------------------------------- */
  var hints = document.getElementById("hints");
  var hintsTimer = null;
  var hintsSeq = 0;

  function refreshHints() {
    if (!hints || !window.fetch) { return; }
    window.clearTimeout(hintsTimer);
    hintsTimer = window.setTimeout(function () {
      var params = new URLSearchParams();
      ["ward", "category", "lat", "lng"].forEach(function (name) {
        var input = field(name);
        if (input && input.value) { params.set(name, input.value); }
      });
      // With a point the duplicate finder compares the words too.
      if (params.get("lat")) {
        params.set("text", field("description").value.slice(0, 2000));
        params.set("address", field("address").value);
      }
      var mine = ++hintsSeq;
      hints.setAttribute("aria-busy", "true");
      fetch(hints.dataset.url + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html !== null && mine === hintsSeq) { hints.innerHTML = html; }
        })
        .catch(function () {})
        .then(function () { if (mine === hintsSeq) { hints.removeAttribute("aria-busy"); } });
    }, 250);
  }

  if (ward) { ward.addEventListener("change", refreshHints); }
  if (category) { category.addEventListener("change", refreshHints); }
  var descriptionTimer = null;
  form.elements.namedItem("description").addEventListener("input", function () {
    if (!field("lat").value) { return; }
    window.clearTimeout(descriptionTimer);
    descriptionTimer = window.setTimeout(refreshHints, 800);
  });

  /* --- Sending ---------------------------------------------------------------- */
  var button = document.getElementById("send-call");
  var buttonLabel = button.textContent;
  form.addEventListener("submit", function (event) {
    if (button.disabled) { event.preventDefault(); return; }
    button.disabled = true;
    button.textContent = text.sending;
  });
  // Back to this page from the browser's cache: the button works again.
  window.addEventListener("pageshow", function () { button.disabled = false; button.textContent = buttonLabel; });

  // After a call was sent: the code is said once, while focus waits in the phone field.
  var done = document.getElementById("done-code");
  if (done && announce) {
    window.setTimeout(function () { announce.textContent = fmt(text.sent, { code: done.dataset.code }); }, 300);
  }

  initWardFilter();
  initMap();
  initSuggestions();
})();
