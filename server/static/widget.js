// Switchboard support widget. Embed with:
//   <script src="https://support.example.com/widget.js" async></script>
// Optional verified identity (signed by your backend, see the README):
//   data-external-id, data-name, data-email, data-ts, data-signature
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__switchboardWidget) return;
  window.__switchboardWidget = true;
  var origin = new URL(script.src).origin;
  var params = new URLSearchParams({ embed: "1", page: location.href });
  ["externalId", "name", "email", "ts", "signature"].forEach(function (k) {
    if (script.dataset[k]) params.set(k, script.dataset[k]);
  });
  var frame = document.createElement("iframe");
  frame.src = origin + "/support?" + params.toString();
  frame.title = "Support chat";
  frame.style.cssText =
    "position:fixed;right:20px;bottom:90px;width:360px;height:520px;max-height:80vh;" +
    "border:0;border-radius:12px;box-shadow:0 8px 32px rgba(0,0,0,.25);" +
    "display:none;z-index:2147483646;background:#fff";
  var button = document.createElement("button");
  button.type = "button";
  button.textContent = "Chat with us";
  button.setAttribute("aria-expanded", "false");
  button.style.cssText =
    "position:fixed;right:20px;bottom:20px;z-index:2147483647;padding:12px 18px;" +
    "border:0;border-radius:24px;background:#2563eb;color:#fff;font:600 15px sans-serif;" +
    "cursor:pointer;box-shadow:0 4px 16px rgba(0,0,0,.2)";
  button.addEventListener("click", function () {
    var open = frame.style.display === "none";
    frame.style.display = open ? "block" : "none";
    button.setAttribute("aria-expanded", String(open));
  });
  // A script in <head> (or an early async one) may run before <body> exists.
  function mount() {
    document.body.appendChild(frame);
    document.body.appendChild(button);
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
