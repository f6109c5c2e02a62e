// QuantumLedger web app: enhancements only; every page works without this script.
(function () {
  "use strict";
  // Times in the reader's locale and zone (the server writes UTC).
  document.querySelectorAll("time[datetime]").forEach(function (el) {
    var t = new Date(el.getAttribute("datetime"));
    if (!isNaN(t.getTime())) {
      el.title = el.textContent;
      el.textContent = t.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
    }
  });
  // Copy buttons: <button data-copy="#id">.
  document.querySelectorAll("button[data-copy]").forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var target = document.querySelector(btn.getAttribute("data-copy"));
      if (!target) { return; }
      var text = target.textContent.trim();
      var done = function () { btn.textContent = "Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { select(target); });
      } else {
        select(target);
        done();
      }
    });
  });
  function select(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    try { document.execCommand("copy"); } catch (e) { /* the text stays selected */ }
  }
})();
