/* Shared page behaviour: character counters that count like the server
   (user-perceived characters — grapheme clusters — after NFC, so 👍🏽 is one). */
(function () {
  "use strict";
  var segmenter = (window.Intl && Intl.Segmenter) ? new Intl.Segmenter(undefined, {granularity: "grapheme"}) : null;
  function length(text) {
    var t = (text || "").normalize("NFC").trim();
    if (segmenter) { var n = 0; for (var _ of segmenter.segment(t)) { n++; } return n; }
    return Array.from(t).length;
  }
  function attach(field) {
    var max = parseInt(field.getAttribute("data-maxlength"), 10);
    if (!max || field.dataset.counted) { return; }
    field.dataset.counted = "1";
    var counter = document.createElement("small");
    counter.className = "counter";
    counter.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", counter);
    function update() {
      var n = length(field.value);
      counter.textContent = n + " / " + max;
      counter.classList.toggle("over", n > max);
      field.setCustomValidity(n > max ? (document.documentElement.lang === "en" ? "Too long" : "超出字数限制") : "");
      if (n > max) { field.setAttribute("aria-invalid", "true"); }
    }
    field.addEventListener("input", update);
    update();
  }
  function init(root) { (root || document).querySelectorAll("[data-maxlength]").forEach(attach); }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target); });
})();
