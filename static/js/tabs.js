// Accessible tabs (WAI-ARIA tabs pattern, manual activation by click and automatic by
// arrow keys) as progressive enhancement: without JavaScript every panel shows, one after
// another, and each tab is a link to its panel.
(function () {
  "use strict";
  var list = document.querySelector("[data-tabs]");
  if (!list) return;
  var nav = list.parentElement;
  var tabs = Array.prototype.slice.call(list.querySelectorAll('[role="tab"]'));
  var panels = tabs.map(function (t) { return document.getElementById(t.getAttribute("aria-controls")); });
  document.documentElement.classList.add("js-tabs");

  // Fade the edges of the tab row while tabs hide beyond them (phones).
  function updateEdges() {
    // Right-to-left rows scroll from 0 towards negative scrollLeft values.
    var max = list.scrollWidth - list.clientWidth;
    var at = Math.abs(list.scrollLeft);
    nav.classList.toggle("fade-start", at > 2);
    nav.classList.toggle("fade-end", max > 2 && at < max - 2);
  }

  // Scroll the row sideways only (never the page) so that a tab is fully visible.
  function reveal(tab) {
    var row = list.getBoundingClientRect();
    var box = tab.getBoundingClientRect();
    var margin = 24;
    if (box.left < row.left + margin) list.scrollLeft -= row.left + margin - box.left;
    else if (box.right > row.right - margin) list.scrollLeft += box.right - (row.right - margin);
    updateEdges();
  }

  function select(index, focus) {
    tabs.forEach(function (tab, i) {
      var on = i === index;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      panels[i].hidden = !on;
    });
    if (focus) tabs[index].focus({ preventScroll: true });
    reveal(tabs[index]);
    var hash = "#" + tabs[index].id.slice(4);
    if (history.replaceState && location.hash !== hash) history.replaceState(null, "", hash);
  }

  function indexOfHash() {
    var wanted = decodeURIComponent(location.hash.slice(1));
    return tabs.findIndex(function (t) { return t.id === "tab-" + wanted; });
  }

  tabs.forEach(function (tab, i) {
    tab.addEventListener("click", function (e) { e.preventDefault(); select(i, false); });
    tab.addEventListener("keydown", function (e) {
      var forward = getComputedStyle(list).direction === "rtl" ? "ArrowLeft" : "ArrowRight";
      var keys = { Home: 0, End: tabs.length - 1 };
      keys[forward] = i + 1;
      keys[forward === "ArrowLeft" ? "ArrowRight" : "ArrowLeft"] = i - 1;
      var next = keys[e.key];
      if (next === undefined) return;
      e.preventDefault();
      select((next + tabs.length) % tabs.length, true);
    });
  });
  list.addEventListener("scroll", updateEdges, { passive: true });
  window.addEventListener("resize", updateEdges);
  window.addEventListener("hashchange", function () {
    var i = indexOfHash();
    if (i >= 0) select(i, false);
  });
  var start = indexOfHash();
  select(start < 0 ? 0 : start, false);
})();
