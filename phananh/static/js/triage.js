// Staff report page: "Use this category" in the suggested-categories panel
// fills in the route (or reclassify) form with the suggested category, and
// for a route the unit that handles it at the report's place, then opens the
// form and puts the focus on it. Nothing is sent: the person confirms in the
// form. Without this file the button is a link to the form.
(function () {
  "use strict";

  function setIfOffered(select, value) {
    if (!select || !value) {
      return false;
    }
    var offered = Array.prototype.some.call(select.options, function (option) {
      return option.value === value;
    });
    if (offered) {
      select.value = value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    return offered;
  }

  function use(link, event) {
    var target = link.dataset.suggestTarget;
    var details = document.getElementById("action-" + target);
    var category = document.getElementById("id_" + target + "-category");
    if (!details || !category || !setIfOffered(category, link.dataset.category)) {
      return; // the link still leads to the form
    }
    event.preventDefault();
    details.open = true;
    if (target === "route") {
      setIfOffered(document.getElementById("id_route-unit"), link.dataset.unit);
    }
    var status = document.getElementById("suggestions-status");
    if (status) {
      status.textContent = link.dataset.filled;
    }
    category.scrollIntoView({ block: "center" });
    category.focus({ preventScroll: true });
  }

  function start() {
    document.querySelectorAll("[data-suggest-target]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        use(link, event);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
