/* The report form: categories of the chosen utility, their extra questions and safety
   instructions, "use my location" (WGS84 from the browser, no map), photo count/size
   checks and a submit button that cannot be double-clicked (the server is idempotent too). */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  var en = document.documentElement.lang === "en";
  var select = document.getElementById("id_category");
  var data = JSON.parse(document.getElementById("category-data").textContent);
  var byId = {};
  data.forEach(function (c) { byId[String(c.id)] = c; });

  function chosenUtility() {
    var r = form.querySelector("input[name=utility]:checked");
    return r ? r.value : "";
  }
  function filterCategories() {
    var u = chosenUtility();
    select.querySelectorAll("optgroup").forEach(function (g) {
      var show = !u || g.getAttribute("data-utility") === u;
      g.hidden = !show;
      g.disabled = !show;
    });
    var current = byId[select.value];
    if (current && u && current.utility !== u) {
      select.value = "";
      select.dispatchEvent(new Event("change"));  // its listeners (showForCategory, site.js's whole choice) see it
      return;
    }
    showForCategory();
  }
  function showForCategory() {
    var id = select.value;
    var shownSafety = null;
    form.querySelectorAll("[data-safety]").forEach(function (el) {
      var on = el.getAttribute("data-safety") === id;
      el.hidden = !on;
      if (on) { shownSafety = el; }
    });
    form.querySelectorAll("fieldset.extra").forEach(function (el) {
      el.hidden = el.getAttribute("data-category") !== id;
    });
    var c = byId[id];
    if (c) {
      var radio = form.querySelector("input[name=utility][value=" + c.utility + "]");
      if (radio && !radio.checked) { radio.checked = true; }
    }
    if (shownSafety && c && c.emergency && shownSafety.getBoundingClientRect().top > window.innerHeight) {
      // The safety text is below the screen: bring it up, but never past the list just chosen from
      // (its label stays the first thing on the screen).
      (form.querySelector("label[for=id_category]") || select).scrollIntoView({ block: "start" });
    }
  }
  form.querySelectorAll("input[name=utility]").forEach(function (r) { r.addEventListener("change", filterCategories); });
  select.addEventListener("change", showForCategory);
  if (chosenUtility()) { filterCategories(); } else { showForCategory(); }

  // "Use my location": fills the hidden WGS84 latitude/longitude.
  var locate = form.querySelector("[data-locate]");
  var button = document.getElementById("locate-button");
  var status = document.getElementById("locate-status");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = en ? "Locating…" : "正在定位…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        // south, west, north, east (settings.ZY_SERVICE_AREA): a phone away from the city attaches nothing.
        var area = (locate.getAttribute("data-area") || "").split(",").map(Number);
        var lat = pos.coords.latitude, lon = pos.coords.longitude;
        if (area.length === 4 && !(lat >= area[0] && lat <= area[2] && lon >= area[1] && lon <= area[3])) {
          document.getElementById("id_latitude").value = "";
          document.getElementById("id_longitude").value = "";
          status.textContent = en ? "You are not in Zhangye now, so no location was attached. The address above is enough."
                                  : "您现在不在张掖市内，没有附上位置。写清上面的地址就可以了。";
          return;
        }
        document.getElementById("id_latitude").value = pos.coords.latitude.toFixed(6);
        document.getElementById("id_longitude").value = pos.coords.longitude.toFixed(6);
        var m = Math.round(pos.coords.accuracy);
        status.textContent = en ? ("Location attached (about " + m + " m)") : ("已附上位置（精度约 " + m + " 米）");
      }, function () {
        status.textContent = en ? "Could not get your location; you can still submit." : "未能获取位置，不影响提交。";
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  // A <small id=…> right after ``after``, made on first use.
  function note(after, id, className, attribute, value) {
    var el = document.getElementById(id);
    if (!el) {
      el = document.createElement("small");
      el.id = id;
      el.className = className;
      el.setAttribute(attribute, value);
      after.insertAdjacentElement("afterend", el);
    }
    return el;
  }

  // Photos: the server checks again; this only saves a wasted upload.
  var photos = document.getElementById("id_photos");
  photos.addEventListener("change", function () {
    var max = parseInt(photos.getAttribute("data-max-count"), 10);
    var mb = parseInt(photos.getAttribute("data-max-mb"), 10);
    var msg = "";
    if (photos.files.length > max) {
      msg = en ? ("At most " + max + " photos") : ("最多上传 " + max + " 张照片（现在 " + photos.files.length + " 张）");
    }
    Array.prototype.forEach.call(photos.files, function (f, i) {
      if (!msg && f.size > mb * 1024 * 1024) {
        msg = en ? ("Photo " + (i + 1) + " is over " + mb + " MB") : ("第 " + (i + 1) + " 张照片超过 " + mb + " MB，请压缩后再上传");
      }
    });
    photos.setCustomValidity(msg);
    photos.setAttribute("aria-invalid", msg ? "true" : "false");
    var box = note(photos, "photos-client-error", "field-error", "role", "alert");
    box.textContent = msg;
    // Which photos are chosen, in words: the file input's own text is cut off on a phone at large text sizes.
    var chosen = note(box, "photos-chosen", "photos-chosen", "aria-live", "polite");
    var names = Array.prototype.map.call(photos.files, function (f) { return f.name; });
    chosen.textContent = !names.length ? "" : (en ? ("Chosen: " + names.length + " photo" + (names.length > 1 ? "s" : "") + " (" + names.join(", ") + ")")
                                                   : ("已选 " + names.length + " 张：" + names.join("、")));
  });

  // Landline hint: SMS only reaches mobiles.
  var phone = document.getElementById("id_reporter_phone");
  var hint = document.getElementById("phone-hint");
  function landlineHint() {
    // Full-width digits as ASCII, the country code off ("+86", "0086", "86" before a whole national number),
    // then anything that is not a mobile (1[3-9]…) is a landline once it has an area code ("0936…") or 7 digits:
    // "0086 138…" is a mobile, "+86 936 8212345", "400-123-4567" and "8212345" are not.
    var digits = phone.value.replace(/[０-９＋]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); })
      .replace(/[^0-9+]/g, "").replace(/^(\+86|0086)/, "").replace(/^\+/, "").replace(/^86(?=\d{10,}$)/, "")
      .replace(/^0(?=1[3-9])/, "");  // a mobile written with the trunk 0 ("0138…") is still a mobile
    var landline = !/^1[3-9]/.test(digits) && ((/^0/.test(digits) && digits.length >= 3) || digits.length >= 7);
    hint.classList.toggle("warn", landline);
  }
  phone.addEventListener("input", landlineHint);
  landlineHint();  // a number kept after a refused form or a language switch

  form.addEventListener("submit", function (e) {
    // Only our own checks block (a photo too large, a text too long); required fields are reported by the
    // server in one go. Fields only: a <fieldset> around an invalid field matches :invalid too, without a
    // message of its own, and the form went out (breaker). Shown fields only: the questions of a category
    // no longer chosen are hidden, ignored by the server, and could not be corrected (breaker round 2).
    // The browser then says the field's message beside it (the counter alone showed only red numbers).
    var bad = Array.prototype.find.call(form.querySelectorAll("input, select, textarea"), function (field) {
      return field.validity && field.validity.customError && !field.closest("[hidden]") &&
        field.getClientRects().length > 0;
    });
    if (bad) { e.preventDefault(); bad.reportValidity(); bad.focus(); return; }
    var submit = document.getElementById("submit-button");
    if (submit.dataset.sent) { e.preventDefault(); return; }
    submit.dataset.sent = "1";
    submit.setAttribute("aria-busy", "true");
  });
})();
