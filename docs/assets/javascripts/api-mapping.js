/* Filter box of the API mapping page (docs/api-mapping.md).
 *
 * The page ships the full table; without JavaScript the box stays hidden and every row shows.
 * With it, typing hides the rows that do not show every word typed (case-insensitive; the
 * collapsed "code run" blocks are not searched),
 * and the area headings and tables left empty. Works offline: no requests, no dependencies.
 * (Inline display styles, not the hidden attribute: the theme's table styles override it.)
 */
(function () {
  "use strict";

  // The text a reader sees in a row: the collapsed "code run" blocks are left out.
  function visibleText(row) {
    var copy = row.cloneNode(true);
    Array.prototype.forEach.call(copy.querySelectorAll("details"), function (details) {
      details.remove();
    });
    return copy.textContent.toLowerCase();
  }

  function setUp() {
    var box = document.getElementById("api-filter-input");
    if (!box || box.dataset.ready) {
      return;
    }
    box.dataset.ready = "1";
    var wrapper = box.closest(".api-filter");
    var status = document.getElementById("api-filter-status");
    var tables = Array.prototype.slice.call(document.querySelectorAll("table[data-api-area]"));
    var rows = [];
    tables.forEach(function (table) {
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        rows.push({ element: row, text: null, table: table });
      });
    });

    function apply() {
      var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
      rows.forEach(function (row) {
        row.text = row.text === null ? visibleText(row.element) : row.text; // on first use, not at load
      });
      var shown = 0;
      var visibleIn = new Map();
      rows.forEach(function (row) {
        var match = words.every(function (word) {
          return row.text.indexOf(word) !== -1;
        });
        row.element.style.display = match ? "" : "none";
        if (match) {
          shown += 1;
          visibleIn.set(row.table, true);
        }
      });
      tables.forEach(function (table) {
        var display = visibleIn.get(table) ? "" : "none";
        // Material wraps each table in scroll containers: hide the outermost one.
        var container = table.closest(".md-typeset__scrollwrap") || table;
        container.style.display = display;
        var heading = document.getElementById(table.dataset.apiArea);
        if (heading) {
          heading.style.display = display;
        }
      });
      status.textContent = words.length ? shown + " of " + rows.length + " rows" : rows.length + " rows";
    }

    box.addEventListener("input", apply);
    wrapper.hidden = false;
    status.textContent = rows.length + " rows"; // every row shows until the first input
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(setUp); // Material for MkDocs, also after instant navigation
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
