// The search box on every page: suggestions of things by name from /search.json as you
// type (or on Down Arrow, after Escape closed them), chosen with the mouse or the arrow
// keys and Enter; Enter without a choice submits to /search, which also searches what
// was said. The suggestions are no tab stops (the
// box is a combobox: its options are reached with the arrows), so Tab leaves the box for
// the next control and the list closes behind it. An option holds no link (a control
// inside an option is lost to assistive technology): choosing one, by click or by Enter,
// goes to its page. Without this script the box still works: it submits to /search.
// Labels are inserted as text, never as markup.
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest]");
  if (!input) return;
  var list = document.getElementById(input.getAttribute("aria-controls"));
  var endpoint = input.getAttribute("data-suggest");
  var timer = null, asked = 0, active = -1;

  function close() {
    list.hidden = true;
    list.textContent = "";
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function show(results) {
    list.textContent = "";
    results.forEach(function (r, i) {
      var li = document.createElement("li");
      li.id = "site-search-option-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("data-href", r.href);
      li.textContent = r.label;
      if (r.kind) {
        var kind = document.createElement("small");
        kind.textContent = r.kind;
        li.appendChild(kind);
      }
      if (r.matched && r.matched !== r.label) {
        var also = document.createElement("small");
        also.textContent = "“" + r.matched + "”";
        li.appendChild(also);
      }
      list.appendChild(li);
    });
    list.hidden = results.length === 0;
    input.setAttribute("aria-expanded", results.length ? "true" : "false");
  }

  // The suggestions for the words in the box; with `first`, the first one chosen (the
  // list opened by Down Arrow, as a combobox's list is).
  function ask(first) {
    var q = input.value.trim();
    if (!q) { close(); return; }
    var mine = ++asked;
    fetch(endpoint + "?" + new URLSearchParams({ q: q, limit: "8", only: "things" }), {
      headers: { Accept: "application/json" }
    }).then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) {
        if (mine !== asked) return;
        show(data.results || []);
        if (first === true) highlight(0);
      })
      .catch(close);
  }

  function highlight(i) {
    var items = list.querySelectorAll("li");
    if (!items.length) return;
    active = (i + items.length) % items.length;
    items.forEach(function (li, j) { li.setAttribute("aria-selected", j === active ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", items[active].id);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 120);
  });
  input.addEventListener("keydown", function (e) {
    if (list.hidden) {  // closed by Escape: Down Arrow opens it again
      if (e.key === "ArrowDown" && input.value.trim()) { e.preventDefault(); ask(true); }
      return;
    }
    if (e.key === "ArrowDown") { e.preventDefault(); highlight(active + 1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active - 1); }
    // Escape closes the list and keeps the words (a search box's own Escape, which
    // empties it, is for a box without a list)
    else if (e.key === "Escape") { e.preventDefault(); close(); }
    else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      window.location.href = list.querySelectorAll("li")[active].getAttribute("data-href");
    }
  });
  // a press on the list keeps the focus in the box (so it does not close the list before
  // the click lands); the click goes to the option's page
  list.addEventListener("mousedown", function (e) { e.preventDefault(); });
  list.addEventListener("click", function (e) {
    var li = e.target.closest("li[data-href]");
    if (li) window.location.href = li.getAttribute("data-href");
  });
  input.addEventListener("blur", close);
})();
