/* The live wall polls its snapshot every second and updates counters and lists in place.
   No framework: a fetch, textContent and a few list items. Never reloads the page. */
(function () {
  "use strict";
  var wall = document.querySelector(".wall");
  if (!wall) return;
  var url = wall.getAttribute("data-snapshot-url");
  var every = parseInt(wall.getAttribute("data-poll-ms"), 10) || 1000;
  var busy = false;

  function setCounter(id, text) {
    var el = document.getElementById(id);
    if (!el || el.textContent === text) return;
    el.textContent = text;
    el.classList.add("bump");
    setTimeout(function () { el.classList.remove("bump"); }, 600);
  }

  function fillList(id, items, render) {
    var list = document.getElementById(id);
    if (!list || !items.length) return;
    var known = {};
    Array.prototype.forEach.call(list.children, function (li) { known[li.getAttribute("data-id")] = true; });
    var fresh = document.createDocumentFragment();
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.setAttribute("data-id", String(item.id));
      if (!known[String(item.id)]) li.className = "new";
      var b = document.createElement("b");
      var span = document.createElement("span");
      render(item, b, span);
      li.appendChild(b);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(span);
      fresh.appendChild(li);
    });
    list.textContent = "";
    list.appendChild(fresh);
  }

  function apply(data) {
    var c = data.counters;
    setCounter("c-entries", String(c.entries));
    setCounter("c-submissions", String(c.submissions));
    setCounter("c-impressions", String(c.impressions));
    setCounter("c-clicks", String(c.clicks));
    setCounter("c-ctr", c.ctr === null ? "–" : Math.round(c.ctr * 100) + "%");
    fillList("entries", data.entries, function (e, b, span) {
      b.textContent = e.name;
      span.textContent = e.promotion;
    });
    fillList("submissions", data.submissions, function (s, b, span) {
      b.textContent = s.title;
      span.textContent = s.name + " · " + s.promotion;
    });
  }

  function poll() {
    if (busy) return;
    busy = true;
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { apply(data); wall.classList.remove("stale"); })
      .catch(function () { wall.classList.add("stale"); })
      .then(function () { busy = false; });
  }

  setInterval(poll, every);
})();
