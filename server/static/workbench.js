/* The policykg SPARQL workbench: YASGUI (served from static/vendor/yasgui, see the
 * Makefile), set up to talk to this endpoint only. The page's data (endpoint, base IRI,
 * prefixes, example queries) is in the JSON block #workbench-config. */
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
  var byTitle = {};
  data.examples.forEach(function (ex) { byTitle[ex.title] = ex; });

  // No outbound calls: drop the autocompleters that ask Linked Open Vocabularies for
  // classes and properties (the bundle registers "variables", "prefixes", "property" and
  // "class"); "prefixes" keeps to the list the bundle carries (prefixCcApi stays unset).
  // Yasgui.defaults.yasqe is Yasqe.defaults, and lodash's merge would merge an array
  // given in the config index by index, so the defaults themselves are filtered.
  var lov = ["class", "property"];
  Yasgui.Yasqe.defaults.autocompleters = Yasgui.Yasqe.defaults.autocompleters.filter(
    function (name) { return lov.indexOf(name) < 0; });
  Yasgui.Yasqe.defaults.prefixCcApi = null;

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

  // The share button gives the permalink: GET {endpoint}?query=… opens the workbench with
  // the query in a browser, and answers with results for any other client. A query too
  // long for a request line (gunicorn takes 4094 bytes) goes after "#" instead, which
  // browsers keep to themselves: that link opens the workbench only.
  var LONGEST = 4000;
  Yasgui.Tab.prototype.getShareableLink = function () {
    var query = this.getYasqe() ? this.getQuery() : this.getPersistedJson().yasqe.value;
    var encoded = encodeURIComponent(query);
    var link = endpoint + "?query=" + encoded;
    return link.length <= LONGEST ? link : endpoint + "#query=" + encoded;
  };

  var yasgui = new Yasgui(root, {
    persistenceId: "policykg-workbench",
    tabName: "Query",
    autoAddOnInit: false,
    copyEndpointOnNewTab: true,
    // ?query=… in the address (the permalink) opens that query in a tab, and runs it
    populateFromUrl: function (tab) {
      tab.requestConfig = Object.assign({}, tab.requestConfig, { endpoint: endpoint });
      return tab;
    },
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

  function tabIdNamed(name) {
    var ids = yasgui.persistentConfig.getTabs();
    for (var i = 0; i < ids.length; i++) {
      var tab = yasgui.persistentConfig.getTab(ids[i]);
      if (tab && tab.name === name) return ids[i];
    }
    return undefined;
  }

  // The examples as named tabs, added once (a closed one comes back on the next visit;
  // an edited one is kept as it is).
  data.examples.forEach(function (ex) {
    if (tabIdNamed(ex.title) === undefined) {
      yasgui.addTab(!yasgui.getTab(), {
        name: ex.title,
        yasqe: { value: ex.query },
        requestConfig: { endpoint: endpoint },
      });
    }
  });

  // The selected example's description above the editor; whole tab names as tooltips
  // (long ones are cut short in the tab row), and the selected tab scrolled into view.
  function describe() {
    var tab = yasgui.getTab();
    var ex = tab && byTitle[tab.getName()];
    if (description) {
      description.textContent = ex ? ex.description : "";
      description.hidden = !ex;
    }
    root.querySelectorAll(".tabsList a[role=tab] > span").forEach(function (span) {
      span.parentNode.title = span.textContent;
    });
    var active = root.querySelector(".tabsList .tab.active");
    if (active) active.scrollIntoView({ block: "nearest", inline: "nearest" });
  }
  function later() { window.setTimeout(describe, 0); }
  yasgui.on("tabSelect", later);
  yasgui.on("tabChange", later);
  yasgui.on("tabAdd", later);
  yasgui.on("tabClose", later);
  describe();

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
  if (ontology) {
    new MutationObserver(localise).observe(root, { childList: true, subtree: true });
  }

  // With the editor here, an example's link opens its tab rather than reloading the page.
  document.querySelectorAll("a[data-example]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var ex = byTitle[link.getAttribute("data-example")];
      if (!ex) return;
      var id = tabIdNamed(ex.title);
      if (id === undefined) {
        id = yasgui.addTab(true, { name: ex.title, yasqe: { value: ex.query },
                                   requestConfig: { endpoint: endpoint } }).getId();
      }
      event.preventDefault();
      yasgui.selectTabId(id);
      describe();
      root.scrollIntoView({ behavior: "smooth", block: "start" });
    });
  });

  // Downloads in every format the endpoint offers for the current query's kind of result:
  // a POST form (long queries fit), whose response the server marks as an attachment.
  var downloads = document.getElementById("downloads");
  function offerDownloads() {
    var tab = yasgui.getTab();
    var yasqe = tab && tab.getYasqe();
    if (!downloads || !yasqe) return;
    var graph = ["CONSTRUCT", "DESCRIBE"].indexOf(yasqe.getQueryType()) >= 0;
    downloads.querySelectorAll("button[data-kind]").forEach(function (button) {
      button.hidden = (button.getAttribute("data-kind") === "graph") !== graph;
    });
    downloads.hidden = false;
  }
  if (downloads) {
    downloads.addEventListener("submit", function () {
      var tab = yasgui.getTab();
      downloads.elements.query.value = tab ? tab.getQuery() : "";
    });
    ["tabSelect", "tabChange", "tabAdd", "query"].forEach(function (name) {
      yasgui.on(name, function () { window.setTimeout(offerDownloads, 0); });
    });
    offerDownloads();
  }

  window.policykgWorkbench = yasgui;
})();
