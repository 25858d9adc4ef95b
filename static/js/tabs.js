// Accessible tabs (WAI-ARIA tabs pattern) as progressive enhancement: without
// JavaScript every panel shows, one after another.
(function () {
  "use strict";
  var list = document.querySelector("[data-tabs]");
  if (!list) return;
  var tabs = Array.prototype.slice.call(list.querySelectorAll('[role="tab"]'));
  var panels = tabs.map(function (t) { return document.getElementById(t.getAttribute("aria-controls")); });
  document.documentElement.classList.add("js-tabs");

  function select(index, focus) {
    tabs.forEach(function (tab, i) {
      var on = i === index;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      panels[i].hidden = !on;
    });
    if (focus) tabs[index].focus();
    if (history.replaceState) history.replaceState(null, "", "#" + tabs[index].id.slice(4));
  }

  tabs.forEach(function (tab, i) {
    tab.addEventListener("click", function (e) { e.preventDefault(); select(i, false); });
    tab.addEventListener("keydown", function (e) {
      var next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (next === undefined) return;
      e.preventDefault();
      select((next + tabs.length) % tabs.length, true);
    });
  });
  var wanted = location.hash.slice(1);
  var start = tabs.findIndex(function (t) { return t.id === "tab-" + wanted; });
  select(start < 0 ? 0 : start, false);
})();
