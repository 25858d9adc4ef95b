// Impressions and clicks of promotions (docs/architecture.md, "Tracking").
// An element with data-track-impression="<token>" counts one impression when it first
// shows (a beacon to /t/i with a fresh event id); a link marked data-track-click (href /t/c/...)
// is sent there, with a fresh event id, the page's utm_source and referrer, just before it
// is followed, so the click counts once even if the browser retries the request. Both carry
// the page's language (<html lang>), the one the page was rendered in.
// Prerendered pages wait until they are really shown. No cookies are read or written here;
// the browser sends the page's own (the device cookie tells viewers apart, as sendBeacon does).
(function () {
  "use strict";
  var ENDPOINT = "/t/i";

  // A time-ordered UUID (version 7: milliseconds, then crypto-random bits), so that new
  // ids land at the end of the server's dedupe index.
  function uuid() {
    var b = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(b);
    var ms = Date.now();
    for (var i = 5; i >= 0; i--) { b[i] = ms % 256; ms = Math.floor(ms / 256); }
    b[6] = (b[6] & 15) | 112;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function utmSource() {
    var m = /[?&]utm_source=([^&#]*)/.exec(location.search);
    return m ? decodeURIComponent(m[1].replace(/\+/g, " ")).slice(0, 100) : "";
  }

  function pageLanguage() {
    return (document.documentElement.lang || "").slice(0, 35);
  }

  function send(token) {
    var body = JSON.stringify({ p: token, e: uuid(), s: utmSource(), r: document.referrer.slice(0, 1000), l: pageLanguage() });
    var queued = false;
    if (navigator.sendBeacon) {
      try { queued = navigator.sendBeacon(ENDPOINT, new Blob([body], { type: "text/plain" })); } catch (e) { queued = false; }
    }
    if (!queued && window.fetch) {
      fetch(ENDPOINT, { method: "POST", body: body, keepalive: true, credentials: "same-origin",
        headers: { "Content-Type": "text/plain" } }).catch(function () {});
    }
  }

  function watchImpressions() {
    var units = Array.prototype.slice.call(document.querySelectorAll("[data-track-impression]"));
    if (!units.length) return;
    if (!("IntersectionObserver" in window)) {
      units.forEach(function (el) { send(el.getAttribute("data-track-impression")); });
      return;
    }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        observer.unobserve(entry.target);
        send(entry.target.getAttribute("data-track-impression"));
      });
    });
    units.forEach(function (el) { observer.observe(el); });
  }

  // Every call-to-action's href is its /t/c/ click address (so a visitor without
  // JavaScript is counted too); here a followed link gets a fresh event id, the utm source
  // and the referrer, which the server cannot see through the redirect.
  function tagClick(event) {
    var link = event.target && event.target.closest && event.target.closest("a[data-track-click]");
    if (!link) return;
    try {
      var url = new URL(link.getAttribute("href"), location.href);
      url.searchParams.set("e", uuid());
      var source = utmSource();
      if (source) url.searchParams.set("s", source);
      if (document.referrer) url.searchParams.set("r", document.referrer.slice(0, 500));
      var language = pageLanguage();
      if (language) url.searchParams.set("lang", language);
      link.href = url.toString();
    } catch (e) { /* an old browser follows the plain link, uncounted */ }
  }

  function start() {
    watchImpressions();
    ["mousedown", "click", "auxclick"].forEach(function (type) {
      document.addEventListener(type, tagClick, true);
    });
  }

  if (document.prerendering) {
    document.addEventListener("prerenderingchange", start, { once: true });
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
