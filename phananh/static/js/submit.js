/* PhanAnh citizen submission: progressive enhancement only.
 *
 * Without this script the form still works end to end: photos through the
 * file inputs, the place through the ward list and the address. This script
 * adds the map (GPS, tap, draggable pin), accent-insensitive search over long
 * lists, photo thumbnails, a guard against double posts, and the copy button
 * of the confirmation page. Sentences come translated from the page
 * (#intake-text), so there is a single message catalogue.
 */
(function () {
  "use strict";

  var textEl = document.getElementById("intake-text");
  var text = textEl ? JSON.parse(textEl.textContent) : {};

  function fmt(template, params) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (whole, key) {
      return params[key] === undefined ? whole : params[key];
    });
  }

  // "Đèn Đường" -> "den duong": lower case, đ folded to d (NFD leaves it
  // whole), then every combining mark removed. Same as choices.fold().
  function fold(value) {
    return String(value || "").toLowerCase().replace(/đ/g, "d")
      .normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function words(value) {
    return fold(value).split(/[^a-z0-9]+/).filter(Boolean);
  }

  /* --- Error summary: move focus so screen readers read it first. ------- */
  function focusErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }

  /* --- Map ---------------------------------------------------------------- */
  function initMap() {
    var block = document.getElementById("map-block");
    var el = document.getElementById("map");
    var latInput = document.getElementById("id_lat");
    var lngInput = document.getElementById("id_lng");
    if (!block || !el || !latInput || !lngInput || typeof window.L === "undefined") { return; }
    var L = window.L;
    var status = document.getElementById("location-status");
    var useButton = document.getElementById("use-location");
    var clearButton = document.getElementById("clear-location");
    block.hidden = false;

    var map = L.map(el, { scrollWheelZoom: false, zoomControl: true })
      .setView([parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)], parseInt(el.dataset.zoom, 10) || 14);
    L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 19 }).addTo(map);
    var marker = null;
    var lookupSeq = 0;

    function say(message, warning) {
      status.textContent = message;
      status.classList.toggle("is-warning", Boolean(warning));
    }

    // `note` (how precise the GPS fix was) stays after the ward is known.
    function lookup(lat, lng, shown, note) {
      var seq = ++lookupSeq;
      if (!window.fetch) { return; }
      var url = el.dataset.locateUrl + "?lat=" + encodeURIComponent(lat) + "&lng=" + encodeURIComponent(lng);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || seq !== lookupSeq) { return; }
          if (data.inside) {
            say(join(fmt(text.locationWard, { lat: shown.lat, lng: shown.lng, ward: data.ward }), note));
          } else {
            say(join(fmt(text.locationOutside, shown), note), true);
          }
        })
        .catch(function () { /* offline: the server checks the point on submit anyway */ });
    }

    function join(message, note) {
      return note ? message + " " + note : message;
    }

    function record(latlng, note) {
      var point = latlng.wrap();
      var lat = point.lat.toFixed(6);
      var lng = point.lng.toFixed(6);
      latInput.value = lat;
      lngInput.value = lng;
      clearButton.hidden = false;
      var shown = { lat: point.lat.toFixed(5), lng: point.lng.toFixed(5) };
      say(join(fmt(text.locationSet, shown), note));
      lookup(lat, lng, shown, note);
    }

    function place(latlng, note) {
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = L.marker(latlng, { draggable: true, autoPan: true, keyboard: true, title: text.pinLabel, alt: text.pinLabel });
        marker.on("dragend", function () { record(marker.getLatLng()); });
        marker.addTo(map);
      }
      record(latlng, note);
    }

    map.on("click", function (event) { place(event.latlng); });
    // Keyboard users: pan with the arrow keys, then Enter drops the pin at the centre.
    el.addEventListener("keydown", function (event) {
      if ((event.key === "Enter" || event.key === " ") && event.target === el) {
        event.preventDefault();
        place(map.getCenter());
      }
    });

    clearButton.addEventListener("click", function () {
      if (marker) { map.removeLayer(marker); marker = null; }
      latInput.value = "";
      lngInput.value = "";
      lookupSeq++;
      clearButton.hidden = true;
      say(text.locationCleared);
      useButton.focus();
    });

    useButton.addEventListener("click", function () {
      if (!("geolocation" in navigator) || window.isSecureContext === false) {
        say(text.gpsUnsupported, true);
        return;
      }
      say(text.locating);
      useButton.disabled = true;
      navigator.geolocation.getCurrentPosition(function (position) {
        useButton.disabled = false;
        var latlng = L.latLng(position.coords.latitude, position.coords.longitude);
        var accuracy = Math.round(position.coords.accuracy || 0);
        map.setView(latlng, 18);
        place(latlng, accuracy > 50 ? fmt(text.gpsInaccurate, { metres: accuracy }) : "");
      }, function (error) {
        useButton.disabled = false;
        var messages = { 1: text.gpsDenied, 2: text.gpsUnavailable, 3: text.gpsTimeout };
        say(messages[error.code] || text.gpsUnavailable, true);
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
    });

    // The offline queue puts a saved report back in the form (offline-queue.js),
    // and empties the form once a report is saved on the phone.
    el.addEventListener("phananh:place", function (event) {
      var point = L.latLng(event.detail.lat, event.detail.lng);
      map.setView(point, 17);
      place(point);
    });
    if (latInput.form) {
      latInput.form.addEventListener("reset", function () {
        if (marker) { map.removeLayer(marker); marker = null; }
        latInput.value = "";
        lngInput.value = "";
        lookupSeq++;
        clearButton.hidden = true;
        say("");
      });
    }

    // A page shown again after an error keeps the point the person had set.
    var lat = parseFloat(latInput.value);
    var lng = parseFloat(lngInput.value);
    if (isFinite(lat) && isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180) {
      map.setView([lat, lng], 17);
      place(L.latLng(lat, lng));
    }
  }

  /* --- Search over a long <select> -------------------------------------- */
  function enhanceSelect(wrapper) {
    var select = wrapper.querySelector("select");
    if (!select) { return; }
    var id = select.id + "_search";
    var entries = Array.prototype.filter.call(select.options, function (option) { return option.value; })
      .map(function (option) {
        var group = option.parentElement.tagName === "OPTGROUP" ? option.parentElement.label : "";
        return {
          option: option,
          name: option.textContent,
          group: group,
          nameText: " " + words(option.textContent).join(" "),
          allText: " " + words(option.textContent + " " + group + " " + (option.dataset.terms || "")).join(" "),
        };
      });
    // A short list is quicker to scroll than to search.
    if (entries.length < (parseInt(wrapper.dataset.searchMin, 10) || 0)) { return; }

    var box = document.createElement("div");
    box.className = "select-search";
    box.innerHTML =
      '<label class="search-label" for="' + id + '"></label>' +
      '<input type="search" id="' + id + '" autocomplete="off" autocapitalize="off" spellcheck="false"' +
      ' enterkeyhint="search" aria-controls="' + id + '-results" aria-describedby="' + id + '-status">' +
      '<p class="search-status" id="' + id + '-status" aria-live="polite"></p>' +
      '<ul class="search-results" id="' + id + '-results" hidden></ul>';
    box.querySelector("label").textContent = wrapper.dataset.searchLabel || text.searchLabel;
    var input = box.querySelector("input");
    input.placeholder = select.id === "id_category" ? text.searchPlaceholder : "";
    var statusEl = box.querySelector(".search-status");
    var results = box.querySelector(".search-results");
    wrapper.insertBefore(box, select);

    function choose(entry) {
      select.value = entry.option.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      input.value = "";
      results.hidden = true;
      results.innerHTML = "";
      statusEl.textContent = fmt(text.searchChosen, { name: entry.name });
      select.focus();
    }

    // Every typed word must start a word of the entry ("ga" finds "gà", not
    // "gãy" inside a longer phrase first): the typed phrase in the name ranks
    // highest, then the phrase among the everyday words, then scattered words.
    function matches(query) {
      var typed = words(query);
      if (!typed.length) { return []; }
      var phrase = " " + typed.join(" ");
      var found = [];
      entries.forEach(function (entry, index) {
        var every = typed.every(function (word) { return entry.allText.indexOf(" " + word) !== -1; });
        if (!every) { return; }
        var rank = entry.nameText.indexOf(phrase) !== -1 ? 0 : entry.allText.indexOf(phrase) !== -1 ? 1 : 2;
        found.push({ entry: entry, rank: rank, index: index });
      });
      found.sort(function (a, b) { return a.rank - b.rank || a.index - b.index; });
      return found.slice(0, 8).map(function (hit) { return hit.entry; });
    }

    function show() {
      var found = matches(input.value);
      results.innerHTML = "";
      if (!input.value.trim()) {
        results.hidden = true;
        statusEl.textContent = "";
        return;
      }
      found.forEach(function (entry) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "search-result";
        var name = document.createElement("span");
        name.className = "search-result-name";
        name.textContent = entry.name;
        button.appendChild(name);
        if (entry.group) {
          var group = document.createElement("span");
          group.className = "search-result-group";
          group.textContent = entry.group;
          button.appendChild(group);
        }
        button.addEventListener("click", function () { choose(entry); });
        item.appendChild(button);
        results.appendChild(item);
      });
      results.hidden = found.length === 0;
      statusEl.textContent = found.length === 0 ? text.searchNone
        : found.length === 1 ? text.searchOne : fmt(text.searchCount, { count: found.length });
    }

    input.addEventListener("input", show);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        // Enter in a text box would send the whole form: pick the best match instead.
        event.preventDefault();
        var found = matches(input.value);
        if (found.length) { choose(found[0]); }
      } else if (event.key === "ArrowDown" && !results.hidden) {
        event.preventDefault();
        results.querySelector("button").focus();
      }
    });
    results.addEventListener("keydown", function (event) {
      var buttons = Array.prototype.slice.call(results.querySelectorAll("button"));
      var index = buttons.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && index < buttons.length - 1) {
        event.preventDefault();
        buttons[index + 1].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        (index > 0 ? buttons[index - 1] : input).focus();
      } else if (event.key === "Escape") {
        input.focus();
      }
    });
  }

  /* --- Photos: thumbnails, one list from camera and gallery ------------- */
  function initPhotos() {
    var camera = document.getElementById("id_photos");
    var gallery = document.getElementById("id_photos_gallery");
    var list = document.getElementById("photo-previews");
    var status = document.getElementById("photo-status");
    if (!camera || !list) { return; }
    var kept = parseInt(list.dataset.kept, 10) || 0;
    var canMerge = (function () {
      try { return Boolean(new DataTransfer().items); } catch (error) { return false; }
    })();
    var picked = [];
    var urls = [];

    function currentFiles() {
      if (canMerge) { return picked; }
      var files = Array.prototype.slice.call(camera.files || []);
      return gallery ? files.concat(Array.prototype.slice.call(gallery.files || [])) : files;
    }

    // A camera input holds one shot at a time; keep every shot by moving all
    // chosen files into the first input and emptying the other.
    function sync() {
      if (!canMerge) { return; }
      var transfer = new DataTransfer();
      picked.forEach(function (file) { transfer.items.add(file); });
      camera.files = transfer.files;
      if (gallery) { gallery.value = ""; }
    }

    function render() {
      urls.forEach(function (url) { URL.revokeObjectURL(url); });
      urls = [];
      list.innerHTML = "";
      var files = currentFiles();
      var notes = [];
      files.forEach(function (file, index) {
        var item = document.createElement("li");
        var img = document.createElement("img");
        var url = URL.createObjectURL(file);
        urls.push(url);
        img.src = url;
        img.alt = "";
        img.addEventListener("error", function () { img.replaceWith(placeholder()); });
        item.appendChild(img);
        var name = document.createElement("span");
        name.className = "preview-name";
        name.textContent = file.name;
        item.appendChild(name);
        if (file.size > text.maxBytes) {
          item.classList.add("is-warning");
          notes.push(fmt(text.photoTooLarge, { name: file.name, mb: Math.floor(text.maxBytes / 1048576) }));
        }
        if (canMerge) {
          var remove = document.createElement("button");
          remove.type = "button";
          remove.className = "button button-secondary preview-remove";
          remove.textContent = text.photoRemove;
          remove.setAttribute("aria-label", fmt(text.photoRemoveNamed, { name: file.name }));
          remove.addEventListener("click", function () {
            picked.splice(index, 1);
            sync();
            render();
            // The camera input is hidden on desktops: focus whichever shows.
            (camera.offsetParent || !gallery ? camera : gallery).focus();
          });
          item.appendChild(remove);
        }
        list.appendChild(item);
      });
      list.hidden = files.length === 0;
      if (kept + files.length > text.maxPhotos) {
        notes.unshift(fmt(text.photosTooMany, { max: text.maxPhotos }));
      }
      var count = files.length === 0 ? "" : files.length === 1 ? text.photoOne
        : fmt(text.photosChosen, { count: files.length });
      status.textContent = [count].concat(notes).filter(Boolean).join(" ");
      status.classList.toggle("is-warning", notes.length > 0);
    }

    function placeholder() {
      var span = document.createElement("span");
      span.className = "preview-placeholder";
      span.setAttribute("aria-hidden", "true");
      span.textContent = "▣";
      return span;
    }

    function onChange(input) {
      if (canMerge) {
        picked = picked.concat(Array.prototype.slice.call(input.files || []));
        sync();
      }
      render();
    }

    if (camera.form) {
      // The reset event comes before the inputs are emptied: render after it.
      camera.form.addEventListener("reset", function () {
        picked = [];
        window.setTimeout(render, 0);
      });
    }
    camera.addEventListener("change", function () { onChange(camera); });
    if (gallery) { gallery.addEventListener("change", function () { onChange(gallery); }); }
    enhanceInputs(camera, gallery, status, function (files) {
      picked = picked.concat(files);
      sync();
      render();
    }, canMerge);
  }

  /* The native inputs would keep saying "No file chosen" once their files
   * have moved into the list above (sync() empties the picker), so with the
   * script they are hidden visually and their labels look like buttons; the
   * thumbnails and the status line are the one place that shows the photos.
   * The inputs stay in the page, focusable and labelled, for keyboards and
   * screen readers, which also hear the status line when they reach them. */
  function enhanceInputs(camera, gallery, status, addFiles, canMerge) {
    var box = camera.closest(".photo-inputs");
    if (!box) { return; }
    box.classList.add("is-enhanced");
    [camera, gallery].forEach(function (input) {
      if (!input) { return; }
      var described = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      if (described.indexOf(status.id) === -1) { described.push(status.id); }
      input.setAttribute("aria-describedby", described.join(" "));
    });
    // Desktops could drop photos on the native input; keep that on its button.
    var zone = gallery && gallery.closest(".photo-input");
    if (!zone || !canMerge) { return; }
    function images(event) {
      return Array.prototype.filter.call(event.dataTransfer.files || [], function (file) {
        return /^image\//.test(file.type) || /\.(heic|heif)$/i.test(file.name);
      });
    }
    zone.addEventListener("dragover", function (event) {
      event.preventDefault();
      zone.classList.add("is-dragover");
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("is-dragover"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("is-dragover");
      var files = images(event);
      if (files.length) { addFiles(files); }
    });
  }

  /* --- Category suggested from the description --------------------------- *
   * As the person types the description, /api/v1/classify is asked (after a
   * pause in typing) which categories fit. A confident suggestion is chosen
   * in the category list as long as the person has not chosen one themselves;
   * a choice of theirs is never replaced, only offered an alternative. Less
   * sure suggestions are offered as buttons. The message is announced
   * politely; without this script the person simply chooses from the list. */
  var SUGGEST_DELAY_MS = 400;
  var SUGGEST_MIN_CHARS = 12;
  var SUGGEST_MIN_SHOWN = 0.15; // below this a category is noise, not a possibility to offer
  var SUGGEST_ALTERNATIVES = 2;

  function initCategorySuggestion() {
    var box = document.getElementById("category-suggestion");
    var select = document.getElementById("id_category");
    var description = document.getElementById("id_description");
    if (!box || !select || !description || !window.fetch) { return; }
    var status = document.getElementById("category-suggestion-status");
    var choices = document.getElementById("category-suggestion-choices");
    var label = choices.querySelector(".suggestion-label");
    var list = choices.querySelector("ul");
    var tokenInput = document.querySelector("#report-form [name=csrfmiddlewaretoken]");
    var confident = Number(text.suggestConfidence) || 0.5;
    // A category already in the list (the page shown again after an error) was the person's.
    var manual = select.value !== "";
    var ours = "";        // the value this script put in the list, if it is still there
    var declined = "";    // a suggestion the person took out of the list: not put back
    var latest = [];      // the last suggestions, best first
    var timer = null;
    var asked = "";
    var seq = 0;
    var pending = null;

    var hint = document.createElement("span");
    hint.className = "hint suggestion-hint";
    hint.id = "id_category_suggest_hint";
    hint.textContent = text.suggestHint;
    var wrapper = select.closest(".searchable") || select;
    wrapper.parentNode.insertBefore(hint, wrapper);
    var described = (select.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    described.push(hint.id);
    select.setAttribute("aria-describedby", described.join(" "));

    function optionFor(code) {
      return Array.prototype.find.call(select.options, function (option) { return option.value === code; });
    }

    function say(message) {
      // Announce only what changed: the same sentence again would be noise.
      if (status.textContent !== message) { status.textContent = message; }
    }

    function clear() {
      latest = [];
      if (!manual && ours && select.value === ours) { select.value = ""; }
      ours = "";
      say("");
      choices.hidden = true;
      list.innerHTML = "";
    }

    function offer(heading, items) {
      list.innerHTML = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button button-secondary suggestion-choice";
        button.dataset.code = item.code;
        button.textContent = item.name;
        button.addEventListener("click", function () { choose(item); });
        li.appendChild(button);
        list.appendChild(li);
      });
      label.textContent = heading;
      choices.hidden = items.length === 0;
    }

    function choose(item) {
      select.value = item.code;
      manual = true;
      ours = "";
      select.dispatchEvent(new Event("change", { bubbles: true }));
      render();
      say(fmt(text.suggestPicked, { name: item.name }));
      select.focus();
    }

    function render() {
      var items = latest;
      if (!items.length) { clear(); return; }
      var best = items[0];
      var sure = best.score >= confident;
      if (!manual) {
        if (sure && best.code !== declined) {
          select.value = best.code;
          ours = best.code;
        } else if (ours && select.value === ours) {
          select.value = "";   // the earlier guess no longer holds
          ours = "";
        }
      }
      var others = items.slice(1).filter(function (item) {
        return item.score >= SUGGEST_MIN_SHOWN && item.code !== select.value;
      }).slice(0, SUGGEST_ALTERNATIVES);
      if (!sure) {
        var possible = [best].concat(others).filter(function (item) {
          return item.score >= SUGGEST_MIN_SHOWN && item.code !== select.value;
        });
        say(possible.length ? text.suggestUnsure : text.suggestNone);
        offer(text.suggestButtons, possible);
      } else if (select.value === best.code) {
        say(fmt(ours === best.code ? text.suggestChosen : text.suggestSame, { name: best.name }));
        offer(text.suggestAlso, others);
      } else {
        say(fmt(text.suggestKept, { name: best.name }));
        offer(text.suggestButtons, [best].concat(others));
      }
    }

    function ask() {
      var typed = description.value.trim();
      if (typed.length < SUGGEST_MIN_CHARS) { asked = ""; clear(); return; }
      if (typed === asked) { return; }
      // Offline the question can only fail; leave it unasked so the next
      // keystroke once online asks it.
      if (navigator.onLine === false) { return; }
      asked = typed;
      var mine = ++seq;
      if (pending) { pending.abort(); }
      pending = window.AbortController ? new AbortController() : null;
      fetch(box.dataset.classifyUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": tokenInput ? tokenInput.value : "",
        },
        body: JSON.stringify({ text: typed }),
        signal: pending ? pending.signal : undefined,
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || mine !== seq) { return; }
          latest = (data.suggestions || []).map(function (item) {
            var option = optionFor(item.code);
            return option ? { code: item.code, score: item.score, name: option.textContent } : null;
          }).filter(Boolean);
          render();
        })
        .catch(function () { /* offline or aborted: the list still works by hand */ });
    }

    description.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, SUGGEST_DELAY_MS);
    });
    select.addEventListener("change", function () {
      if (select.value === ours) { return; }
      if (!select.value && ours) { declined = ours; }
      // Chosen by the person (in the list or through the search box): theirs from now on.
      manual = select.value !== "";
      ours = "";
      if (latest.length) { render(); }
    });
    if (description.value.trim().length >= SUGGEST_MIN_CHARS) { ask(); }
  }

  /* --- One post per click ------------------------------------------------- */
  function initSubmitGuard() {
    var form = document.getElementById("report-form");
    var button = document.getElementById("submit-report");
    if (!form || !button) { return; }
    var label = button.textContent;
    form.addEventListener("submit", function (event) {
      if (button.disabled) { event.preventDefault(); return; }
      button.disabled = true;
      button.textContent = text.sending;
      form.setAttribute("aria-busy", "true");
    });
    // Coming back with the Back button restores the page from cache: undo.
    window.addEventListener("pageshow", function () {
      button.disabled = false;
      button.textContent = label;
      form.removeAttribute("aria-busy");
    });
  }

  /* --- Confirmation page: copy / share the private link ------------------ */
  function initCopy() {
    var status = document.getElementById("copy-status");
    Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (button) {
      var input = document.getElementById(button.dataset.copy);
      button.hidden = false;
      button.addEventListener("click", function () {
        function fallback() {
          input.focus();
          input.select();
          var ok = false;
          try { ok = document.execCommand("copy"); } catch (error) { ok = false; }
          status.textContent = ok ? text.copied : text.copyFailed;
        }
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(input.value).then(function () {
            status.textContent = text.copied;
          }, fallback);
        } else {
          fallback();
        }
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-share]"), function (button) {
      if (!navigator.share) { return; }
      var input = document.getElementById(button.dataset.share);
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.share({ title: button.dataset.shareTitle, url: input.value }).catch(function () {});
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll(".copy-input"), function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  }

  focusErrorSummary();
  initMap();
  Array.prototype.forEach.call(document.querySelectorAll(".searchable"), enhanceSelect);
  initPhotos();
  initCategorySuggestion();
  initSubmitGuard();
  initCopy();
})();
