/* The policykg SPARQL workbench: YASGUI (served from static/vendor/yasgui, see the
 * Makefile), set up to talk to this endpoint only, as one editor: the example queries are a
 * menu of ours (#examples), not sixteen tabs. The page's data (endpoint, base IRI, prefixes,
 * examples, a permalink's query) is in the JSON block #workbench-config. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("workbench-config").textContent);
  var root = document.getElementById("yasgui");
  var description = document.getElementById("example-description");
  if (typeof window.Yasgui === "undefined" || !root) {
    var missing = document.getElementById("workbench-missing");
    if (missing) missing.hidden = false;
    return;
  }
  var Yasgui = window.Yasgui;
  // The endpoint is this page's own address (the app answers at /sparql wherever it is
  // mounted); YASGUI needs it absolute.
  var endpoint = new URL(data.endpoint, window.location.href).href;
  var byName = {};
  data.examples.forEach(function (ex) { byName[ex.name] = ex; });
  // The name of a text that has no name of its own (nameOf): policykg-results.csv.
  var UNNAMED = "policykg-results";

  // No outbound calls: drop the autocompleters that ask Linked Open Vocabularies for
  // classes and properties (the bundle registers "variables", "prefixes", "property" and
  // "class"); "prefixes" keeps to the list the bundle carries (prefixCcApi stays unset).
  // Yasgui.defaults.yasqe is Yasqe.defaults, and lodash's merge would merge an array
  // given in the config index by index, so the defaults themselves are filtered.
  var lov = ["class", "property"];
  Yasgui.Yasqe.defaults.autocompleters = Yasgui.Yasqe.defaults.autocompleters.filter(
    function (name) { return lov.indexOf(name) < 0; });
  Yasgui.Yasqe.defaults.prefixCcApi = null;
  // Results as people read them: prefixed names and plain values (1, not "1"^^xsd:integer;
  // the table's "Simple view" switch turns it off). YASGUI gives YASR no plugin settings of
  // its own until someone changes one, so YASR's defaults decide.
  Yasgui.Yasr.defaults.plugins.table.dynamicConfig = { compact: true };

  // Queries may use IRIs relative to the graph's base (PREFIX actor: <id/actor/>), which the
  // endpoint resolves; resolve them the same way when YASR abbreviates IRIs in results.
  var prefixesFromQuery = Yasgui.Yasqe.prototype.getPrefixesFromQuery;
  Yasgui.Yasqe.prototype.getPrefixesFromQuery = function () {
    var found = prefixesFromQuery.call(this);
    Object.keys(found).forEach(function (name) {
      try { found[name] = new URL(found[name], data.base || endpoint).href; } catch (e) { /* keep */ }
    });
    return found;
  };

  var yasgui = new Yasgui(root, {
    persistenceId: "policykg-workbench-1",  // one editor (the last query is kept)
    tabName: UNNAMED,
    autoAddOnInit: true,
    copyEndpointOnNewTab: true,
    populateFromUrl: false,  // a permalink's query comes in data.query (below)
    // the focus starts at the page's top (the skip link), not in the editor, where Tab
    // indents: a keyboard user who has not read the editor's keys yet is not caught there
    autofocus: false,
    requestConfig: {
      endpoint: endpoint,
      method: "POST",
      acceptHeaderSelect: "application/sparql-results+json",
      acceptHeaderGraph: "text/turtle",
    },
    endpointCatalogueOptions: {
      getData: function () { return [{ endpoint: endpoint }]; },
    },
    yasqe: {
      value: "SELECT ?class (COUNT(?s) AS ?instances)\nWHERE { ?s a ?class }\n" +
        "GROUP BY ?class\nORDER BY DESC(?instances)",
    },
    yasr: {
      prefixes: data.prefixes,
    },
  });

  function tab() { return yasgui.getTab(); }

  // YASGUI's controls, named for assistive technology: the editor's text box (CodeMirror's
  // hidden textarea) has no label of its own, nor a word on its keys. Tab indents in the
  // editor; Esc (YASQE's) leaves it, so the keyboard is never trapped there.
  var keys = document.getElementById("editor-keys");
  function label() {
    var yasqe = tab() && tab().getYasqe();
    if (!yasqe) return;
    yasqe.getInputField().setAttribute("aria-label", "SPARQL query");
    yasqe.getInputField().setAttribute("aria-describedby", "editor-keys");
    keys.hidden = false;
  }

  // What the editor's text is called, for its downloads and the banner above it: an
  // example's name only while the editor holds that example's text exactly; else a name
  // made from the text itself (its `# title:` line, or the variables it selects), else
  // UNNAMED. Worked out from the text every time it changes, and kept as the tab's name,
  // so the name YASGUI persists is the text's too: a reload cannot bring back the name of
  // a text no longer there.
  function exampleOf(query) {
    return data.examples.filter(function (ex) { return ex.query === query; })[0] || null;
  }
  function slug(words) {
    return words.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60).replace(/-+$/, "");
  }
  // The variables a SELECT gives, in order: ?v, and (… AS ?v); none for SELECT *.
  function projected(text) {
    var clause = /\bSELECT\b([\s\S]*?)(?:\bWHERE\b|\bFROM\b|\{)/i.exec(text);
    var names = [], depth = 0, token;
    var tokens = /\(|\)|\bAS\s+[?$](\w+)|[?$](\w+)/gi;
    while (clause && (token = tokens.exec(clause[1]))) {
      if (token[0] === "(") depth += 1;
      else if (token[0] === ")") depth -= 1;
      else if (token[1]) names.push(token[1]);
      else if (depth === 0) names.push(token[2]);
    }
    return names;
  }
  function nameOf(yasqe) {
    var query = yasqe.getValue();
    var ex = exampleOf(query);
    if (ex) return ex.name;
    var title = /^#\s*title:(.*)$/m.exec(query);
    var found = title ? slug(title[1]) : "";
    if (!/[a-z]/.test(found)) {
      found = slug(projected(yasqe.getValueWithoutComments()).slice(0, 4).join(" "));
      found = /[a-z]/.test(found) ? "policykg-" + found : "";
    }
    return found || UNNAMED;
  }

  // The open example's title and description above the editor, while its text is there.
  function describe(ex) {
    if (!description) return;
    description.textContent = ex ? ex.title + " — " + ex.description : "";
    description.hidden = !ex;
  }

  // The text changed (typed, pasted, an example, a permalink, a reload): name it again.
  function named() {
    var current = tab(), yasqe = current && current.getYasqe();
    if (!yasqe) return;
    var name = nameOf(yasqe);
    if (current.getName() !== name) current.setName(name);
    describe(exampleOf(yasqe.getValue()));
  }

  // Put a query in the editor (which names it: named()). `run`: run it too.
  function load(query, run) {
    tab().setQuery(query);
    if (run) tab().query().catch(function () { /* YASR shows the error */ });
  }
  tab().getYasqe().on("change", named);

  // A permalink: /sparql?query=… and /q/… (the server put its query in the page), or
  // /sparql#query=… (a link too long for a request line, kept by the browser).
  // An example's text (the home page links each one so) keeps the example's name.
  var hashed = /^#query=(.*)$/.exec(window.location.hash);
  if (typeof data.query === "string") {
    load(data.query, true);
  } else if (hashed) {
    load(decodeURIComponent(hashed[1]), true);
  }
  label();
  named();  // (the text YASGUI kept from the last visit, under the name it kept)

  // The example menu: a link opens its query in the editor (without the editor's files the
  // link itself opens the page with it), closes the menu and puts the caret in the editor,
  // where Ctrl+Enter runs it.
  var menu = document.getElementById("examples");
  document.querySelectorAll("a[data-example]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var ex = byName[link.getAttribute("data-example")];
      if (!ex) return;
      event.preventDefault();
      load(ex.query, false);
      if (menu) menu.open = false;
      tab().getYasqe().focus();
    });
  });
  if (menu) {
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  }

  // Our ontology's terms have w3id.org IRIs, the same in every deployment; results link
  // them to this server's documentation of them (/ontology#Term) instead, which works
  // offline and documents the terms this graph was built with.
  var ontology = data.ontology;
  function localise() {
    root.querySelectorAll('a[href^="' + ontology.iri + '"]').forEach(function (a) {
      var rest = a.getAttribute("href").slice(ontology.iri.length);
      if (rest === "" || rest[0] === "#" || rest[0] === "/") {
        a.setAttribute("href", ontology.page + rest);
      }
    });
  }
  // YASR's controls, drawn with each result: the page-size menu named (it has no label);
  // a view button YASR greys out for this result (class "disabled", as a table for an ASK)
  // said to be unavailable, as it looks.
  function labelResults() {
    root.querySelectorAll("select.tableSizer:not([aria-label])").forEach(function (select) {
      select.setAttribute("aria-label", "Results per page");
    });
    root.querySelectorAll(".yasr_btnGroup .yasr_btn").forEach(function (button) {
      var off = button.classList.contains("disabled");
      if ((button.getAttribute("aria-disabled") === "true") !== off) {
        button.setAttribute("aria-disabled", off ? "true" : "false");
      }
    });
  }
  new MutationObserver(function () {
    if (ontology) localise();
    labelResults();
  }).observe(root, { childList: true, subtree: true, attributes: true,
                     attributeFilter: ["class"] });

  // The permalink: the server keeps the query's text and answers its short address /q/….
  var permalink = document.getElementById("permalink");
  var made = document.getElementById("permalink-made");
  var url = document.getElementById("permalink-url");
  var status = document.getElementById("permalink-status");
  if (permalink) {
    permalink.hidden = false;
    document.getElementById("permalink-make").addEventListener("click", function () {
      status.textContent = "";
      var body = new URLSearchParams({ query: tab().getQuery() });
      fetch(data.permalinks, { method: "POST", body: body })
        .then(function (response) {
          if (!response.ok) {
            return response.text().then(function (text) { throw new Error(text.trim()); });
          }
          return response.json();
        })
        .then(function (kept) {
          url.value = kept.url;
          made.hidden = false;
          url.focus();
          url.select();
        })
        .catch(function (error) { status.textContent = "No permalink: " + error.message; });
    });
    document.getElementById("permalink-copy").addEventListener("click", function () {
      var done = function () { status.textContent = "Copied."; };
      var manual = function () {
        url.focus();
        url.select();
        status.textContent = "Selected: press Ctrl+C to copy.";
      };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(url.value).then(done, manual);
      } else {
        manual();
      }
    });
    // a link made for another text is not this text's
    var stale = function () { made.hidden = true; status.textContent = ""; };
    yasgui.on("tabChange", stale);
    tab().getYasqe().on("change", stale);
  }

  // Downloads in every format the endpoint offers for the current query's kind of result:
  // a POST form (long queries fit), whose response the server marks as an attachment named
  // `download` (the example's name).
  var downloads = document.getElementById("downloads");
  function offerDownloads() {
    var yasqe = tab() && tab().getYasqe();
    if (!downloads || !yasqe) return;
    var graph = ["CONSTRUCT", "DESCRIBE"].indexOf(yasqe.getQueryType()) >= 0;
    downloads.querySelectorAll("button[data-kind]").forEach(function (button) {
      button.hidden = (button.getAttribute("data-kind") === "graph") !== graph;
    });
    downloads.hidden = false;
  }
  if (downloads) {
    downloads.addEventListener("submit", function () {
      downloads.elements.query.value = tab() ? tab().getQuery() : "";
      var yasqe = tab() && tab().getYasqe();
      downloads.elements.download.value = yasqe ? nameOf(yasqe) : UNNAMED;
    });
    ["tabChange", "query"].forEach(function (name) {
      yasgui.on(name, function () { window.setTimeout(offerDownloads, 0); });
    });
    offerDownloads();
  }

  window.policykgWorkbench = yasgui;
})();
