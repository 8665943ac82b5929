/* Shared page behaviour: character counters that count like the server
   (user-perceived characters — grapheme clusters — after NFC, so 👍🏽 is one). */
(function () {
  "use strict";
  var segmenter = (window.Intl && Intl.Segmenter) ? new Intl.Segmenter(undefined, {granularity: "grapheme"}) : null;
  // issues.validation.TRIMMED, character for character: what the server trims before counting.
  // Spelled out rather than String.prototype.trim(), so the two lists stay one list.
  var TRIMMED = "\t\n\u000b\u000c\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" +
                "\u2028\u2029\u202f\u205f\u3000\ufeff";
  // issues.validation.CODE_POINTS_PER_CHARACTER: the server refuses text of more code points than
  // this many per allowed character (its columns hold no more).
  var CODE_POINTS_PER_CHARACTER = 10;
  // issues.validation._CONTROL (lone surrogates aside: a browser sends them as U+FFFD): control
  // characters other than tab and line breaks, C1 and NEL included, which the server refuses.
  var CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
  function trim(t) {
    var start = 0, end = t.length;
    while (start < end && TRIMMED.indexOf(t.charAt(start)) >= 0) { start++; }
    while (end > start && TRIMMED.indexOf(t.charAt(end - 1)) >= 0) { end--; }
    return t.slice(start, end);
  }
  function measure(text) {
    // A textarea's value has LF, the text the browser sends CRLF: the server makes both LF, as here.
    var t = trim((text || "").replace(/\r\n?/g, "\n").normalize("NFC"));
    var n = 0;
    if (segmenter) { for (var _ of segmenter.segment(t)) { n++; } } else { n = Array.from(t).length; }
    return {characters: n, codePoints: Array.from(t).length};
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
      var m = measure(field.value), en = document.documentElement.lang === "en";
      var control = CONTROL.test(field.value);
      var long = m.characters > max, dense = !long && m.codePoints > max * CODE_POINTS_PER_CHARACTER;
      counter.textContent = m.characters + " / " + max;
      counter.classList.toggle("over", long || dense || control);
      field.setCustomValidity(control ? (en ? "Contains characters that are not allowed" : "含有不允许的字符")
                              : long ? (en ? "Too long" : "超出字数限制")
                              : dense ? (en ? "Too many combining marks or emoji modifiers" : "含有过多的组合符号或表情修饰")
                              : "");
      if (control || long || dense) { field.setAttribute("aria-invalid", "true"); }
    }
    field.addEventListener("input", update);
    update();
  }
  function init(root) { (root || document).querySelectorAll("[data-maxlength]").forEach(attach); }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target); });
})();
