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
  // issues.validation._INVISIBLE, character for character: direction and zero-width characters the
  // server drops wherever they are, so they count for nothing here either.
  var INVISIBLE = /[\u00ad\u034f\u061c\u17b4\u17b5\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u3164\ufeff\uffa0]/g;
  function measure(text) {
    // A textarea's value has LF, the text the browser sends CRLF: the server makes both LF, as here.
    var t = trim((text || "").replace(INVISIBLE, "").replace(/\r\n?/g, "\n").normalize("NFC"));
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
    counter.setAttribute("aria-hidden", "true");  // read on every keystroke it would drown the typing
    // What a screen reader hears: only a change of state (near the limit, over it, back within it).
    var spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", counter);
    counter.insertAdjacentElement("afterend", spoken);
    // The problem in words, on the page and tied to the field (the red count alone said nothing; a blocked
    // Submit's bubble goes away): read with the field, not announced on every keystroke.
    var said = document.createElement("span");
    said.className = "field-error";
    if (field.id) {
      said.id = field.id + "-client-error";
      var described = field.getAttribute("aria-describedby");
      field.setAttribute("aria-describedby", described ? described + " " + said.id : said.id);
    }
    spoken.insertAdjacentElement("afterend", said);
    var state = null;
    function update() {
      var m = measure(field.value), en = document.documentElement.lang === "en";
      var control = CONTROL.test(field.value);
      var long = m.characters > max, dense = !long && m.codePoints > max * CODE_POINTS_PER_CHARACTER;
      var problem = control ? (en ? "Contains characters that are not allowed" : "含有不允许的字符")
                    : long ? (en ? "Too long" : "超出字数限制")
                    : dense ? (en ? "Too many combining marks or emoji modifiers" : "含有过多的组合符号或表情修饰")
                    : "";
      counter.textContent = m.characters + " / " + max;
      counter.classList.toggle("over", !!problem);
      said.textContent = problem;
      field.setCustomValidity(problem);
      if (problem) { field.setAttribute("aria-invalid", "true"); }
      var now = problem ? "over" : (m.characters >= Math.floor(max * 0.9) ? "near" : "ok");
      if (state !== null && now !== state) {
        spoken.textContent = problem ? problem
          : now === "near" ? (en ? (max - m.characters) + " characters left" : "还可以输入 " + (max - m.characters) + " 字")
          : (en ? "Within the limit" : "字数符合要求");
      }
      state = now;
    }
    field.addEventListener("input", update);
    update();
  }
  function init(root) { (root || document).querySelectorAll("[data-maxlength]").forEach(attach); }
  // A field the server marked invalid stops being announced as invalid once it is changed and the browser
  // finds nothing wrong with it (the server checks it again on submit); the counter's own problems stay.
  document.addEventListener("input", function (e) {
    var f = e.target;
    if (f.getAttribute && f.getAttribute("aria-invalid") === "true" && f.validity && f.validity.valid) {
      f.setAttribute("aria-invalid", "false");
    }
  });
  document.addEventListener("DOMContentLoaded", function () { init(document); summarise(); });
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target); });

  // After a refused submit: the summary at the top lists each message as a link to its field, and
  // takes the focus, so a screen reader reads it and a phone shows it (the messages stay by the fields).
  function summarise() {
    var box = document.querySelector("[data-error-summary]");
    if (!box) {  // no mistakes to list: a notice (not found, sent before) may still want the focus
      box = document.querySelector("[data-focus-on-load]");
      if (box) { box.setAttribute("tabindex", "-1"); box.focus(); }
      return;
    }
    var list = document.createElement("ul");
    document.querySelectorAll(".field-error[id]").forEach(function (err) {
      var text = err.textContent.trim();
      var field = text && document.querySelector("[aria-describedby~='" + err.id + "']");
      if (!field) { return; }
      var target = field.matches("fieldset") ? field.querySelector("input, select, textarea") : field;
      var label = field.matches("fieldset") ? field.querySelector("legend")
                : (field.id && document.querySelector("label[for='" + field.id + "']")) || field.closest("label");
      var name = label ? label.textContent.replace(/[*＊]/g, "").replace(/\s+/g, " ").trim() : "";
      if (name && text.indexOf(name) >= 0) { name = ""; }  // the message names its field already
      var en = document.documentElement.lang === "en";
      var sep = /[？?：:]$/.test(name) ? " " : (en ? ": " : "：");  // a question keeps its own mark
      var item = document.createElement("li"), link = document.createElement("a");
      link.href = "#" + (target && target.id ? target.id : err.id);
      link.textContent = (name ? name + sep : "") + text;
      link.addEventListener("click", function (e) { if (target) { e.preventDefault(); target.focus(); } });
      item.appendChild(link);
      list.appendChild(item);
    });
    if (list.children.length) { box.appendChild(list); }
    box.setAttribute("tabindex", "-1");
    box.focus();
  }

  // "Back to what you typed": the browser's Back keeps the form as it was; the link's own address is
  // the fallback when there is no page to go back to.
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[data-back]");
    if (link && window.history.length > 1) { e.preventDefault(); window.history.back(); }
  });

  // Space presses a link shown as a button (role="button"), as it presses a button; Enter already does.
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.key === " " && t && t.matches && t.matches("a[role=button]")) {
      e.preventDefault();
      if (!e.repeat) { t.click(); }  // a held key presses once
    }
  });

  // The duplicate suggestion is fetched again as the 小区 is typed: an unchanged answer is not swapped
  // in again, so a screen reader does not read the same list anew.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    if (!target || target.id !== "similar") { return; }
    if (target.dataset.shown === e.detail.serverResponse) { e.detail.shouldSwap = false; return; }
    target.dataset.shown = e.detail.serverResponse;
  });

  // A resident's draft of the report form (this tab only, sessionStorage, for DRAFT_MINUTES) survives
  // the language switch, a visit to "this is my problem too" and a refused submit (the browser's Back
  // does not put back every field); the form, when opened again empty, takes it back and says so, with
  // a button to clear it; a finished filing or follow drops it. Photos and the privacy consent are
  // never kept, and a dispatcher's form (a caller's details) keeps no draft at all. A finished filing
  // keeps what it sent, with its key and code, as FILED for FILED_MINUTES: the browser's Back to the
  // form it was sent from brings it all back (the 小区 too, which the browser itself does not) with a
  // notice naming its code, so sending it again unchanged gets the first filing, not a second issue,
  // and the language switch keeps it so; the form opened any other way starts empty, and a form the
  // browser itself refilled on Back (nothing kept for it) says so and offers to clear it.
  var DRAFT = "zy-report-draft", FILED = "zy-report-filed", DRAFT_MINUTES = 10, FILED_MINUTES = 60;
  function draftFields(form) {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.name === "privacy" || el.name === "csrfmiddlewaretoken" ||
          el.name === "idempotency_key" || el.disabled) { return; }
      if (el.type === "radio" || el.type === "checkbox") { if (el.checked) { fields[el.name] = el.value; } return; }
      if (el.value) { fields[el.name] = el.value; }
    });
    return fields;
  }
  function readKept(name) {  // the stored {saved, fields, …} when fresh, else null (and dropped)
    var kept = null;
    try { kept = JSON.parse(sessionStorage.getItem(name) || "null"); } catch (e) { return null; }
    var age = kept && Date.now() - kept.saved;
    var minutes = name === FILED ? FILED_MINUTES : DRAFT_MINUTES;
    if (!kept || !kept.fields || !(age >= 0 && age < minutes * 60000)) { drop(name); return null; }
    return kept;
  }
  function keep(name, value) {
    try { sessionStorage.setItem(name, JSON.stringify(value)); } catch (e) { /* storage off */ }
  }
  function readDraft() { var kept = readKept(DRAFT); return kept && kept.fields; }
  function saveDraft(sent) {  // sent: the report form itself is being submitted (not a switch or a link)
    var form = document.getElementById("report-form");
    if (!form || form.hasAttribute("data-no-draft")) { return; }
    var key = form.elements.idempotency_key;
    keep(DRAFT, {saved: Date.now(), fields: draftFields(form), key: key ? key.value : "", sent: Boolean(sent)});
  }
  function drop(name) { try { sessionStorage.removeItem(name); } catch (e) { /* storage off */ } }
  function dropDraft() { drop(DRAFT); }
  function keepFiled(code) {  // on the success page: what was sent becomes the FILED record
    var kept = readKept(DRAFT);
    if (!code || !kept || !kept.key || !kept.sent) { return; }  // a draft kept by a link or a switch: not this
    keep(FILED, {saved: Date.now(), fields: kept.fields, key: kept.key, code: code});
    dropDraft();
  }
  function sameAs(form, fields) {  // every field the form holds now has the value in ``fields``
    var now = draftFields(form);
    return Object.keys(now).every(function (name) { return fields[name] === now[name]; });
  }
  function putBack(form, fields, overwrite) {  // true when a field was filled in
    var restored = false;
    Object.keys(fields).forEach(function (name) {
      var el = form.elements[name];
      if (!el) { return; }
      if (el instanceof RadioNodeList || el.type === "radio") {
        Array.prototype.forEach.call(form.querySelectorAll("input[name='" + name + "']"), function (r) {
          r.checked = r.value === fields[name];
        });
        restored = true;
      } else if (overwrite || !el.value) { el.value = fields[name]; restored = true; }
    });
    var located = document.getElementById("locate-status");
    if (located && fields.latitude && !located.textContent) {
      located.textContent = document.documentElement.lang === "en" ? "Location attached" : "已附上位置";
    }
    return restored;
  }
  function offerClear(form, notice, freshKey) {  // say so, and offer a clean form (a shared phone, another problem)
    notice.hidden = false;
    notice.querySelector("button").addEventListener("click", function () {
      drop(FILED);
      if (form.hasAttribute("data-refused")) {
        // A refused form's page: reset() would put back what the server sent, and its key is the filing's.
        // A fresh form is the blank one, under a new key (breaker round 2).
        dropDraft();
        location.assign(location.pathname);
        return;
      }
      delete form.dataset.filed;
      form.reset();
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.type === "hidden" && (el.name === "latitude" || el.name === "longitude")) { el.value = ""; }
      });
      form.elements.idempotency_key.value = freshKey;  // what is typed now is a new filing
      form.querySelectorAll("[data-maxlength]").forEach(function (f) { f.dispatchEvent(new Event("input")); });
      form.querySelectorAll("input[name=utility]").forEach(function (r) { r.dispatchEvent(new Event("change")); });
      // Said, and the focus put where filling in starts (the button that had it is gone).
      notice.textContent = document.documentElement.lang === "en" ? "Cleared: you can start again." : "已清空，可以重新填写。";
      var first = form.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
    });
  }
  function cameBack() {  // the page was reached with the browser's Back (or Forward)
    var nav = window.performance && performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    return Boolean(nav && nav.type === "back_forward");
  }
  document.addEventListener("submit", function (e) {
    if (e.target.matches("form[data-language-switch], #report-form")) { saveDraft(e.target.id === "report-form"); }
    if (e.target.matches("form[data-language-switch]")) {
      keepForms();
      var filedForm = document.querySelector("#report-form[data-filed]"), filed = filedForm && readKept(FILED);
      if (filed) { filed.switched = true; keep(FILED, filed); }  // the page in the other language keeps it
    }
  }, true);
  // The other resident forms (tracking, "lost your code?", "me too", rating), marked data-keep="<name>",
  // keep what was typed across the language switch the same way: this tab, this page, DRAFT_MINUTES.
  function keepName(form) { return "zy-keep:" + location.pathname + ":" + form.getAttribute("data-keep"); }
  function keepForms() {
    document.querySelectorAll("form[data-keep]").forEach(function (form) {
      try {
        sessionStorage.setItem(keepName(form), JSON.stringify({saved: Date.now(), fields: draftFields(form)}));
      } catch (e) { /* storage off */ }
    });
  }
  document.querySelectorAll("form[data-keep]").forEach(function (form) {
    var kept = readKept(keepName(form));
    if (!kept) { return; }
    var restored = putBack(form, kept.fields, false);
    drop(keepName(form));
    var folded = form.closest("details");
    if (restored && folded) { folded.open = true; }  // "lost your code?" shows what it kept
  });
  // A form marked data-once is sent once: a second tap while the first is on its way does nothing
  // (the server answers a copy that gets through anyway as it answered the first).
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form[data-once]") || e.defaultPrevented) { return; }
    if (form.dataset.sent) { e.preventDefault(); return; }
    form.dataset.sent = "1";
    form.setAttribute("aria-busy", "true");
  });
  window.addEventListener("pageshow", function (e) {  // back to a page kept in memory: it may be sent again
    if (e.persisted) {
      document.querySelectorAll("form[data-once]").forEach(function (f) { delete f.dataset.sent; f.removeAttribute("aria-busy"); });
    }
  });
  // A dispatcher's form keeps no draft, but the caller's phone and name go with a "me too" link to the
  // follow form, once: read (and dropped) by the next page this tab opens.
  var HANDOFF = "zy-follow-handoff";
  function handOff() {
    var form = document.querySelector("#report-form[data-no-draft]");
    if (!form) { return; }
    var fields = {};
    ["reporter_phone", "reporter_name"].forEach(function (name) {
      var el = form.elements[name];
      if (el && el.value) { fields[name] = el.value; }
    });
    keep(HANDOFF, {saved: Date.now(), fields: fields});
  }
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("#similar a")) { saveDraft(); handOff(); }
  }, true);
  (function restore() {
    var handed = readKept(HANDOFF);  // read once, by whichever page opens next
    drop(HANDOFF);
    var done = document.querySelector("[data-drop-draft]");
    if (done) {  // a success page: what was sent is kept as FILED; a follow's page drops the draft
      var code = done.getAttribute("data-filed-code");
      if (code) { keepFiled(code); } else { dropDraft(); }
      return;
    }
    if (document.querySelector("#report-form[data-no-draft]")) { dropDraft(); drop(FILED); return; }
    // A refused form's page (data-refused) shows what the server kept: no draft is put back into it (the
    // server may have dropped a field on purpose), but reached by Back after the filing that followed, it
    // says so as the blank form does.
    var form = document.querySelector("#report-form[data-restore-draft], #report-form[data-refused]");
    var refused = Boolean(form && form.hasAttribute("data-refused"));
    var filed = form && readKept(FILED);
    var draft = readDraft();
    function showFiled(fields) {  // the filing with its key (sent again unchanged, it files nothing new)
      var keyField = form.elements.idempotency_key, freshKey = keyField.value;
      putBack(form, fields, true);
      keyField.value = filed.key;
      form.dataset.filed = "1";
      dropDraft();
      var told = document.getElementById("filed-notice");
      if (told) {
        told.querySelector("[data-filed-code]").textContent = filed.code;
        offerClear(form, told, freshKey);
      }
    }
    if (filed && filed.switched && !refused) {  // the language switch from a form showing the filing: as it was then
      delete filed.switched;
      keep(FILED, filed);
      showFiled(draft || filed.fields);
      return;
    }
    if (form && cameBack()) {
      // The browser refills a form on Back only after "load", just before "pageshow": judged then.
      window.addEventListener("pageshow", function (e) {
        if (e.persisted || form.dataset.filed) { return; }
        if (filed && sameAs(form, filed.fields)) { showFiled(filed.fields); return; }  // the form it was sent from
        if (refused) { return; }
        var shown = document.getElementById("draft-notice");
        // Refilled by the browser with nothing kept for it (sent long ago; someone else's on a shared
        // phone): say so, and offer a clean form.
        if (shown && shown.hidden && Object.keys(draftFields(form)).length) {
          offerClear(form, shown, form.elements.idempotency_key.value);
        }
      }, {once: true});
    }
    var typed = draft || (handed && handed.fields);
    if (!typed) { return; }
    var follow = document.querySelector("form[data-follow-form][data-prefill]");
    if (follow) {  // the follow form asks for the phone and name typed into the report form
      [["phone", "reporter_phone"], ["name", "reporter_name"]].forEach(function (pair) {
        var el = follow.elements[pair[0]];
        if (el && !el.value && typed[pair[1]]) { el.value = typed[pair[1]]; }
      });
      return;
    }
    if (!draft) { return; }
    if (!form || refused) { return; }
    var restored = putBack(form, draft, false);
    dropDraft();
    var notice = document.getElementById("draft-notice");
    if (restored && notice) { offerClear(form, notice, form.elements.idempotency_key.value); }
  })();

  // A wide table that scrolls inside its box (/stats/ at 360 px, in English) says so in words below it:
  // its last columns are otherwise out of sight with nothing to tell they are there.
  (function () {
    var hints = document.querySelectorAll("[data-scroll-hint]");
    if (!hints.length) { return; }
    function update() {
      hints.forEach(function (hint) {
        var box = hint.previousElementSibling;
        hint.hidden = !box || box.scrollWidth <= box.clientWidth + 1;
      });
    }
    update();
    window.addEventListener("resize", update);
    window.addEventListener("load", update);  // after fonts and images have settled the widths
    if (window.ResizeObserver) {  // a table that grows or shrinks later (text size, language)
      var watch = new ResizeObserver(update);
      hints.forEach(function (hint) {
        var box = hint.previousElementSibling;
        if (box) { watch.observe(box); if (box.firstElementChild) { watch.observe(box.firstElementChild); } }
      });
    }
  })();

  // A select shows one line: at a very large text size on a phone its choice is cut ("燃气泄…"). Then the whole
  // choice is written under it (for the eye only: a screen reader reads the select's own value).
  (function () {
    var canvas = document.createElement("canvas").getContext("2d");
    var selects = document.querySelectorAll("main select");
    if (!selects.length || !canvas) { return; }
    function update(select) {
      var shown = select.nextElementSibling && select.nextElementSibling.classList.contains("choice-shown")
        ? select.nextElementSibling : null;
      var option = select.options[select.selectedIndex];
      var text = option && option.value ? option.text : "";
      var style = getComputedStyle(select);
      canvas.font = style.fontWeight + " " + style.fontSize + " " + style.fontFamily;
      var room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      var cut = text && select.offsetParent !== null && canvas.measureText(text).width > room + 1;
      if (cut && !shown) {
        shown = document.createElement("small");
        shown.className = "choice-shown";
        shown.setAttribute("aria-hidden", "true");
        select.insertAdjacentElement("afterend", shown);
      }
      if (shown) { shown.textContent = text; shown.hidden = !cut; }
    }
    function all() { selects.forEach(update); }
    selects.forEach(function (select) { select.addEventListener("change", function () { update(select); }); });
    all();
    window.addEventListener("resize", all);
    window.addEventListener("load", all);  // fonts settled
  })();
})();
