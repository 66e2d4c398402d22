// Solar Hijri (Jalali) date picker for Persian pages (base.html loads it on `fa` pages only).
// Progressive enhancement: without this script every date is a native <input type="date">.
// With it, each such input becomes a hidden input keeping its name and the ISO Gregorian value
// the server expects, beside a text field (with the input's id, so its <label> still names it)
// that shows and accepts Solar Hijri dates (Persian or Latin digits, 1405/09/16) and a button
// that opens a month grid (Saturday first, keyboard-operable, ARIA grid pattern).
// The calendar is the 33-year arithmetic one jdatetime uses on the server, so both agree.
(function () {
  "use strict";

  var LEAP_REMAINDERS = [1, 5, 9, 13, 17, 22, 26, 30];
  var MONTHS = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"];
  var WEEKDAYS = ["شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه"];
  var WEEKDAYS_SHORT = ["ش", "ی", "د", "س", "چ", "پ", "ج"];
  var DAY_MS = 86400000;
  // 1 Farvardin 1403 is 20 March 2024: the anchor between the two day counts.
  var ANCHOR_JALALI = 1402 * 365 + leapYearsThrough(1402);
  var ANCHOR_GREGORIAN = Date.UTC(2024, 2, 20) / DAY_MS;

  function mod(a, b) { return ((a % b) + b) % b; }

  function isLeap(year) { return LEAP_REMAINDERS.indexOf(mod(year, 33)) >= 0; }

  function leapYearsThrough(year) {
    // Leap years among 1..year (year >= 0).
    var count = Math.floor(year / 33) * 8;
    var rest = year % 33;
    for (var i = 0; i < LEAP_REMAINDERS.length; i++) {
      if (LEAP_REMAINDERS[i] <= rest) { count++; }
    }
    return count;
  }

  function monthLength(year, month) {
    if (month <= 6) { return 31; }
    if (month <= 11) { return 30; }
    return isLeap(year) ? 30 : 29;
  }

  function jalaliDayNumber(year, month, day) {
    // Days since 1 Farvardin of year 1 (that day is 0).
    var before = (year - 1) * 365 + leapYearsThrough(year - 1);
    var inYear = month <= 7 ? (month - 1) * 31 : 186 + (month - 7) * 30;
    return before + inYear + day - 1;
  }

  function pad(n, width) {
    var text = String(n);
    while (text.length < width) { text = "0" + text; }
    return text;
  }

  // "2026-12-07" -> {year: 1405, month: 9, day: 16}; null for anything else.
  function toJalali(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (!m) { return null; }
    var ms = Date.UTC(+m[1], +m[2] - 1, +m[3]);
    var check = new Date(ms);
    if (check.getUTCMonth() !== +m[2] - 1 || check.getUTCDate() !== +m[3]) { return null; }
    var n = ms / DAY_MS - ANCHOR_GREGORIAN + ANCHOR_JALALI;
    var year = Math.floor(n / 365.2424) + 1;
    while (jalaliDayNumber(year, 1, 1) > n) { year--; }
    while (jalaliDayNumber(year + 1, 1, 1) <= n) { year++; }
    var dayOfYear = n - jalaliDayNumber(year, 1, 1);
    var month = dayOfYear < 186 ? Math.floor(dayOfYear / 31) + 1 : Math.floor((dayOfYear - 186) / 30) + 7;
    return { year: year, month: month, day: n - jalaliDayNumber(year, month, 1) + 1 };
  }

  // (1405, 9, 16) -> "2026-12-07"; null when the Jalali day does not exist.
  function toGregorian(year, month, day) {
    if (!(year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= monthLength(year, month))) {
      return null;
    }
    var n = jalaliDayNumber(year, month, day) - ANCHOR_JALALI + ANCHOR_GREGORIAN;
    var d = new Date(n * DAY_MS);
    return pad(d.getUTCFullYear(), 4) + "-" + pad(d.getUTCMonth() + 1, 2) + "-" + pad(d.getUTCDate(), 2);
  }

  function persianDigits(text) {
    return String(text).replace(/[0-9]/g, function (c) { return "۰۱۲۳۴۵۶۷۸۹"[+c]; });
  }

  function latinDigits(text) {
    return String(text)
      .replace(/[۰-۹]/g, function (c) { return String(c.charCodeAt(0) - 0x06F0); })
      .replace(/[٠-٩]/g, function (c) { return String(c.charCodeAt(0) - 0x0660); });
  }

  // "۱۴۰۵/۰۹/۱۶", "1405/9/16", "1405-09-16" -> ISO Gregorian; "" for empty; null when invalid.
  function parse(text) {
    var plain = latinDigits(text).trim();
    if (plain === "") { return ""; }
    var m = /^(\d{3,4})\s*[\/\-.]\s*(\d{1,2})\s*[\/\-.]\s*(\d{1,2})$/.exec(plain);
    return m ? toGregorian(+m[1], +m[2], +m[3]) : null;
  }

  // ISO Gregorian -> "۱۴۰۵/۰۹/۱۶".
  function format(iso) {
    var j = toJalali(iso);
    return j ? persianDigits(j.year + "/" + pad(j.month, 2) + "/" + pad(j.day, 2)) : "";
  }

  function addDays(iso, days) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
    var d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]) + days * DAY_MS);
    return pad(d.getUTCFullYear(), 4) + "-" + pad(d.getUTCMonth() + 1, 2) + "-" + pad(d.getUTCDate(), 2);
  }

  function addMonths(iso, months) {
    var j = toJalali(iso);
    var index = j.year * 12 + (j.month - 1) + months;
    var year = Math.floor(index / 12);
    var month = mod(index, 12) + 1;
    return toGregorian(year, month, Math.min(j.day, monthLength(year, month)));
  }

  function todayIso() {
    var d = new Date();
    return pad(d.getFullYear(), 4) + "-" + pad(d.getMonth() + 1, 2) + "-" + pad(d.getDate(), 2);
  }

  var texts = {};
  var counter = 0;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function Picker(native) {
    counter++;
    var self = this;
    var id = native.id || "jalali-" + counter;
    this.min = native.min || "";
    this.max = native.max || "";
    this.hidden = el("input", { type: "hidden", name: native.name, value: native.value });
    this.field = el("input", {
      type: "text", id: id, inputmode: "numeric", autocomplete: "off", dir: "ltr",
      placeholder: persianDigits("1405/09/16"), "class": "jalali-field", size: "10",
    });
    ["required", "disabled", "form"].forEach(function (name) {
      if (native.hasAttribute(name)) { self.field.setAttribute(name, native.getAttribute(name)); }
    });
    var describedBy = native.getAttribute("aria-describedby");
    this.hint = el("span", { id: id + "-hint", "class": "jalali-hint" }, texts.hint);
    this.field.setAttribute("aria-describedby", (describedBy ? describedBy + " " : "") + this.hint.id);
    this.field.value = format(native.value);
    this.button = el("button", {
      type: "button", "class": "jalali-open", "aria-haspopup": "dialog", "aria-expanded": "false",
      "aria-controls": id + "-dialog", "aria-label": texts.choose,
    }, "▾");
    this.dialog = el("div", {
      id: id + "-dialog", role: "dialog", "aria-modal": "false", "class": "jalali-dialog",
      "aria-labelledby": id + "-month", hidden: "",
    });
    var head = el("div", { "class": "jalali-head" });
    this.previous = el("button", { type: "button", "aria-label": texts.previous }, "›");
    this.next = el("button", { type: "button", "aria-label": texts.next }, "‹");
    this.title = el("span", { id: id + "-month", "aria-live": "polite", "class": "jalali-title" });
    head.appendChild(this.previous);
    head.appendChild(this.title);
    head.appendChild(this.next);
    this.grid = el("table", { role: "grid", "aria-labelledby": id + "-month", "class": "jalali-grid" });
    var row = el("tr");
    WEEKDAYS.forEach(function (name, i) {
      row.appendChild(el("th", { scope: "col", abbr: name, title: name }, WEEKDAYS_SHORT[i]));
    });
    var thead = el("thead");
    thead.appendChild(row);
    this.grid.appendChild(thead);
    this.body = el("tbody");
    this.grid.appendChild(this.body);
    this.close = el("button", { type: "button", "class": "jalali-close" }, texts.close);
    this.dialog.appendChild(head);
    this.dialog.appendChild(this.grid);
    this.dialog.appendChild(this.close);

    var wrapper = el("span", { "class": "jalali-picker" });
    native.parentNode.insertBefore(wrapper, native);
    wrapper.appendChild(this.hidden);
    wrapper.appendChild(this.field);
    wrapper.appendChild(this.button);
    wrapper.appendChild(this.hint);
    wrapper.appendChild(this.dialog);
    native.parentNode.removeChild(native);

    this.field.addEventListener("input", function () { self.read(); });
    this.field.addEventListener("change", function () {
      if (self.read() && self.hidden.value) { self.field.value = format(self.hidden.value); }
    });
    this.button.addEventListener("click", function () {
      if (self.dialog.hidden) { self.open(); } else { self.shut(true); }
    });
    this.previous.addEventListener("click", function () { self.show(addMonths(self.focused, -1), false); });
    this.next.addEventListener("click", function () { self.show(addMonths(self.focused, 1), false); });
    this.close.addEventListener("click", function () { self.shut(true); });
    this.dialog.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); self.shut(true); }
    });
    this.body.addEventListener("keydown", function (event) { self.key(event); });
    this.body.addEventListener("click", function (event) {
      var cell = event.target.closest("td[data-iso]");
      if (cell && cell.getAttribute("aria-disabled") !== "true") { self.pick(cell.getAttribute("data-iso")); }
    });
    this.field.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !self.dialog.hidden) { event.preventDefault(); self.shut(false); }
    });
    // Tabbing out of the picker closes the grid (a click elsewhere does too, below).
    wrapper.addEventListener("focusout", function (event) {
      var next = event.relatedTarget;
      if (!self.dialog.hidden && next && !wrapper.contains(next)) { self.shut(false); }
    });
    document.addEventListener("click", function (event) {
      if (!self.dialog.hidden && !wrapper.contains(event.target)) { self.shut(false); }
    });
  }

  Picker.prototype.inRange = function (iso) {
    return !(this.min && iso < this.min) && !(this.max && iso > this.max);
  };

  // The typed text into the hidden ISO value; true when the text is a (possibly empty) valid day.
  Picker.prototype.read = function () {
    var iso = parse(this.field.value);
    var message = "";
    if (iso === null) {
      message = texts.invalid;
    } else if (iso && !this.inRange(iso)) {
      message = texts.range;
    }
    this.field.setCustomValidity(message);
    this.hidden.value = message ? "" : iso;
    return !message;
  };

  Picker.prototype.open = function () {
    var start = this.hidden.value || todayIso();
    if (this.max && start > this.max) { start = this.max; }
    if (this.min && start < this.min) { start = this.min; }
    this.dialog.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    this.show(start, true);
  };

  Picker.prototype.shut = function (returnFocus) {
    this.dialog.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    if (returnFocus) { this.button.focus(); }
  };

  Picker.prototype.pick = function (iso) {
    if (!this.inRange(iso)) { return; }
    this.field.value = format(iso);
    this.read();
    this.shut(false);
    this.field.focus();
    this.field.dispatchEvent(new Event("change", { bubbles: true }));
  };

  // Draw the month holding `iso` and make that day the grid's one tab stop.
  Picker.prototype.show = function (iso, focus) {
    var j = toJalali(iso);
    this.focused = iso;
    this.title.textContent = MONTHS[j.month - 1] + " " + persianDigits(j.year);
    var first = toGregorian(j.year, j.month, 1);
    // Saturday first: JS getUTCDay() is 6 for Saturday.
    var lead = mod(new Date(first + "T00:00:00Z").getUTCDay() + 1, 7);
    var days = monthLength(j.year, j.month);
    var today = todayIso();
    while (this.body.firstChild) { this.body.removeChild(this.body.firstChild); }
    var row = el("tr");
    for (var i = 0; i < lead; i++) { row.appendChild(el("td", { "class": "jalali-empty" })); }
    for (var d = 1; d <= days; d++) {
      var dayIso = toGregorian(j.year, j.month, d);
      var cell = el("td", {
        "data-iso": dayIso, tabindex: dayIso === iso ? "0" : "-1",
        "aria-selected": dayIso === this.hidden.value ? "true" : "false",
        "aria-label": persianDigits(d) + " " + MONTHS[j.month - 1] + " " + persianDigits(j.year),
      }, persianDigits(d));
      if (!this.inRange(dayIso)) { cell.setAttribute("aria-disabled", "true"); }
      if (dayIso === today) { cell.setAttribute("aria-current", "date"); }
      row.appendChild(cell);
      if (row.children.length === 7) { this.body.appendChild(row); row = el("tr"); }
    }
    if (row.children.length) {
      while (row.children.length < 7) { row.appendChild(el("td", { "class": "jalali-empty" })); }
      this.body.appendChild(row);
    }
    if (focus) { this.body.querySelector("td[tabindex='0']").focus(); }
  };

  Picker.prototype.key = function (event) {
    // Right-to-left: the left arrow is the next day, the right arrow the previous one.
    var rtl = getComputedStyle(this.grid).direction === "rtl";
    var steps = {
      ArrowLeft: rtl ? 1 : -1, ArrowRight: rtl ? -1 : 1, ArrowUp: -7, ArrowDown: 7,
    };
    var target = null;
    var j = toJalali(this.focused);
    if (event.key in steps) {
      target = addDays(this.focused, steps[event.key]);
    } else if (event.key === "PageUp") {
      target = addMonths(this.focused, event.shiftKey ? -12 : -1);
    } else if (event.key === "PageDown") {
      target = addMonths(this.focused, event.shiftKey ? 12 : 1);
    } else if (event.key === "Home") {
      target = addDays(this.focused, -mod(new Date(this.focused + "T00:00:00Z").getUTCDay() + 1, 7));
    } else if (event.key === "End") {
      target = addDays(this.focused, 6 - mod(new Date(this.focused + "T00:00:00Z").getUTCDay() + 1, 7));
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      this.pick(this.focused);
      return;
    }
    if (target === null || j === null) { return; }
    event.preventDefault();
    this.show(target, true);
  };

  function enhance(root) {
    if (!root.querySelectorAll) { return; }
    var inputs = root.matches && root.matches("input[type=date]") ? [root] : [];
    inputs = inputs.concat(Array.prototype.slice.call(root.querySelectorAll("input[type=date]")));
    inputs.forEach(function (input) { new Picker(input); });
  }

  window.CrmJalali = {
    toJalali: toJalali, toGregorian: toGregorian, parse: parse, format: format, isLeap: isLeap,
    enhance: function (root, words) { texts = words || texts; enhance(root); },
  };

  var script = document.currentScript;
  if (!script) { return; }  // loaded for its functions only (the tests)
  texts = {
    choose: script.getAttribute("data-choose"),
    previous: script.getAttribute("data-previous"),
    next: script.getAttribute("data-next"),
    close: script.getAttribute("data-close"),
    hint: script.getAttribute("data-hint"),
    invalid: script.getAttribute("data-invalid"),
    range: script.getAttribute("data-range"),
  };
  document.addEventListener("DOMContentLoaded", function () {
    enhance(document.body);
    // Fragments htmx swaps in (a deal's documents, its timeline) bring their own date inputs.
    document.body.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
  });
})();
