// Search-as-you-type for the search box (#q): suggestions from /api/suggest in a
// listbox under the box. Without this script the form works as a plain form.
// Keyboard: Down/Up move through the list, Enter searches for the highlighted
// suggestion (or the typed text), Escape closes the list (a second Escape clears
// nothing: the browser's own behaviour applies). No inline code, no libraries:
// the page's CSP is script-src 'self'.
(function () {
  "use strict";
  var input = document.getElementById("q");
  if (!input || !input.form || !window.fetch) return;
  var form = input.form;
  var DELAY_MS = 150;
  var MAX_CHARS = 100; // the API refuses longer queries

  var list = document.createElement("ul");
  list.id = "q-suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Suggestions");
  list.className = "suggestions";
  list.hidden = true;
  // Styles through the CSSOM (the CSP forbids inline style attributes, not this).
  var box = list.style;
  box.position = "absolute";
  box.zIndex = "20";
  box.margin = "0";
  box.padding = ".25rem 0";
  box.listStyle = "none";
  box.background = "#fff";
  box.color = "#1b1f24";
  box.border = "1px solid #8c959f";
  box.borderRadius = "0 0 6px 6px";
  box.boxShadow = "0 4px 12px rgba(0,0,0,.12)";
  box.maxHeight = "22rem";
  box.overflowY = "auto";

  var status = document.createElement("div");
  status.id = "q-suggestions-status";
  status.setAttribute("role", "status");
  status.className = "visually-hidden";

  // The list hangs under the box: the form becomes its positioning context.
  if (getComputedStyle(form).position === "static") form.style.position = "relative";
  form.appendChild(list);
  form.appendChild(status);

  // The ARIA 1.2 combobox pattern: aria-expanded is only allowed on an input that is a combobox.
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");

  var options = [];
  var active = -1;
  var timer = null;
  var pending = null; // AbortController of the request in flight
  var lastAsked = null;

  function place() {
    box.left = input.offsetLeft + "px";
    box.top = input.offsetTop + input.offsetHeight + "px";
    box.width = input.offsetWidth + "px";
    box.boxSizing = "border-box";
  }

  function paint(option, on) {
    option.setAttribute("aria-selected", on ? "true" : "false");
    option.style.background = on ? "#0b57d0" : "";
    option.style.color = on ? "#fff" : "";
  }

  function setActive(n) {
    if (active >= 0 && options[active]) paint(options[active], false);
    active = n;
    if (active >= 0 && options[active]) {
      paint(options[active], true);
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function close() {
    setActive(-1);
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
  }

  function show(words) {
    list.textContent = "";
    options = [];
    active = -1;
    input.removeAttribute("aria-activedescendant");
    words.forEach(function (text, n) {
      var li = document.createElement("li");
      li.id = "q-suggestion-" + n;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = text; // text, never markup: titles may hold anything
      li.style.padding = ".3rem .75rem";
      li.style.cursor = "pointer";
      li.style.whiteSpace = "nowrap";
      li.style.overflow = "hidden";
      li.style.textOverflow = "ellipsis";
      // mousedown, not click: keep the focus in the box until the choice is made.
      li.addEventListener("mousedown", function (e) {
        e.preventDefault();
        choose(n);
      });
      li.addEventListener("mousemove", function () {
        if (active !== n) setActive(n);
      });
      list.appendChild(li);
      options.push(li);
    });
    if (!options.length) {
      close();
      status.textContent = "";
      return;
    }
    place();
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    status.textContent = options.length + (options.length === 1 ? " suggestion" : " suggestions") +
      ", use the up and down arrow keys to choose";
  }

  function choose(n) {
    input.value = options[n].textContent;
    close();
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  function ask() {
    var q = input.value;
    if (q === lastAsked) return;
    lastAsked = q;
    if (pending) pending.abort();
    if (!q.trim() || q.length > MAX_CHARS) {
      show([]);
      return;
    }
    var controller = window.AbortController ? new AbortController() : null;
    pending = controller;
    fetch("/api/suggest?" + new URLSearchParams({ q: q }), {
      headers: { Accept: "application/x-suggestions+json, application/json" },
      signal: controller ? controller.signal : undefined,
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (pending === controller) pending = null;
        // Only the answer for what is in the box now, and only while the box has focus.
        if (!body || body[0] !== input.value || document.activeElement !== input) return;
        show(Array.isArray(body[1]) ? body[1].filter(function (s) { return typeof s === "string"; }) : []);
      })
      .catch(function () { /* aborted or offline: the plain form still works */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, DELAY_MS);
  });

  input.addEventListener("keydown", function (e) {
    var open = !list.hidden && options.length > 0;
    if (e.key === "ArrowDown" || e.key === "Down") {
      if (!open) {
        lastAsked = null;
        ask();
        return;
      }
      e.preventDefault();
      setActive(active + 1 < options.length ? active + 1 : 0);
    } else if (e.key === "ArrowUp" || e.key === "Up") {
      if (!open) return;
      e.preventDefault();
      setActive(active > 0 ? active - 1 : options.length - 1);
    } else if (e.key === "Enter") {
      if (open && active >= 0) {
        e.preventDefault();
        choose(active);
      } else {
        close();
      }
    } else if (e.key === "Escape" || e.key === "Esc") {
      if (open) {
        e.preventDefault();
        close();
      }
    } else if (e.key === "Tab") {
      close();
    }
  });

  input.addEventListener("blur", function () { close(); });
  window.addEventListener("resize", function () { if (!list.hidden) place(); });
  // Back from a results page (bfcache): no stale list.
  window.addEventListener("pageshow", close);
})();
