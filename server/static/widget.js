// Switchboard support widget. Embed with:
//   <script src="https://support.example.com/widget.js" async></script>
// Optional verified identity (signed by your backend, see the README):
//   data-external-id, data-name, data-email, data-ts, data-signature
//
// The visitor's identity lives in a cookie of the Switchboard origin, which
// is a third-party cookie here, and Safari, Firefox (strict) and Brave block
// those. So this script also keeps the visitor token in this site's own
// localStorage and hands it to the iframe, and the iframe hands back each new
// one. Messages go to and are taken from the Switchboard origin only, and
// only from our own iframe (see docs/security.md).
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__switchboardWidget) return;
  window.__switchboardWidget = true;
  var origin = new URL(script.src).origin;
  var KEY = "switchboard:visitor:" + origin;
  var params = new URLSearchParams({ embed: "1", page: location.href, host: location.origin });
  ["externalId", "name", "email", "ts", "signature"].forEach(function (k) {
    if (script.dataset[k]) params.set(k, script.dataset[k]);
  });
  // The iframe (and with it the visitor page's code and its socket) is made
  // only when the visitor reaches for the button: a pointer over it, a touch
  // or keyboard focus starts loading it, a click shows it. Most page views
  // never open the chat; they cost this script and nothing more, neither
  // to the visitor nor to the server (no socket per page view).
  var frame = null;
  function ensureFrame() {
    if (frame) return frame;
    frame = document.createElement("iframe");
    frame.src = origin + "/support?" + params.toString();
    frame.title = "Support chat";
    frame.style.cssText =
      "position:fixed;right:20px;bottom:90px;width:360px;height:520px;max-height:80vh;" +
      "border:0;border-radius:12px;box-shadow:0 8px 32px rgba(0,0,0,.25);" +
      "display:none;z-index:2147483646;background:#fff";
    document.body.appendChild(frame);
    return frame;
  }
  var button = document.createElement("button");
  button.type = "button";
  button.textContent = "Chat with us";
  button.setAttribute("aria-expanded", "false");
  button.style.cssText =
    "position:fixed;right:20px;bottom:20px;z-index:2147483647;padding:12px 18px;" +
    "border:0;border-radius:24px;background:#2563eb;color:#fff;font:600 15px sans-serif;" +
    "cursor:pointer;box-shadow:0 4px 16px rgba(0,0,0,.2)";
  ["pointerenter", "touchstart", "focus"].forEach(function (type) {
    button.addEventListener(type, ensureFrame, { once: true, passive: true });
  });
  button.addEventListener("click", function () {
    var f = ensureFrame();
    var open = f.style.display === "none";
    f.style.display = open ? "block" : "none";
    button.setAttribute("aria-expanded", String(open));
  });
  // Storage may be refused (private modes, a site policy): then the widget
  // still works, but forgets the visitor where cookies are blocked.
  function load() {
    try { return localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function save(token) {
    try {
      if (token) localStorage.setItem(KEY, token);
      else localStorage.removeItem(KEY);
    } catch (e) { /* see load() */ }
  }
  window.addEventListener("message", function (e) {
    if (!frame || e.origin !== origin || e.source !== frame.contentWindow) return;
    var d = e.data;
    if (!d || typeof d !== "object") return;
    if (d.type === "switchboard:ready") {
      frame.contentWindow.postMessage({ type: "switchboard:token", token: load() }, origin);
    } else if (d.type === "switchboard:token") {
      var ok = typeof d.token === "string" && /^[0-9a-f]{1,64}\.[0-9a-f]{64}$/.test(d.token);
      save(ok ? d.token : null);
    }
  });
  // A script in <head> (or an early async one) may run before <body> exists.
  function mount() {
    document.body.appendChild(button);
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
