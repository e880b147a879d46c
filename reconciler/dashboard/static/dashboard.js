// reconciler ui: small conveniences; every page works without them (plain forms and links).
"use strict";
(function () {
  // Selects never submit by themselves (a keyboard user moving through the options would
  // leave the page): the Switch and Apply buttons do.

  // The rows shown narrow as you type (the form filters on the server when submitted).
  var text = document.querySelector("[data-filter-table]");
  if (text) {
    var table = document.getElementById(text.getAttribute("data-filter-table"));
    var count = document.getElementById("resources-count");
    var initial = count ? count.textContent : "";
    text.addEventListener("input", function () {
      var words = text.value.toLowerCase().split(/\s+/).filter(Boolean);
      var rows = table.tBodies[0].rows, shown = 0, total = 0;
      for (var i = 0; i < rows.length; i++) {
        if (!rows[i].hasAttribute("data-status")) { continue; }
        total++;
        var haystack = rows[i].textContent.toLowerCase();
        var ok = words.every(function (w) { return haystack.indexOf(w) !== -1; });
        rows[i].classList.toggle("hidden", !ok);
        if (ok) { shown++; }
      }
      if (count) {
        count.textContent = words.length ? shown + " of " + total + " rows match" : initial;
      }
    });
  }

  // "Select every object" on the import page.
  var all = document.querySelector("input[data-select-all]");
  if (all) {
    all.hidden = false;
    var name = all.getAttribute("data-select-all");
    all.addEventListener("change", function () {
      document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(
        function (box) { box.checked = all.checked; });
    });
  }
})();
