/* The API mapping's pages (hooks/api_mapping.py renders them; overrides/api-mapping.html loads
 * this script on them only). Works offline: no requests outside the site, no dependencies.
 *
 * Index page (docs/api-mapping.md), whose filter box carries data-index (the JSON index of every
 * row, written at build time) and data-root (the site root, relative to the page):
 * - a row's old anchor, api-mapping/#<row> (from when the mapping was one page), or an old area
 *   heading's, is sent on to the area page that holds it: api-mapping/<page>/#<row>;
 * - typing in the box lists the rows of every area that show every word typed, each a link
 *   to its row. The index is fetched on first use, not at load.
 * Area pages: typing hides the rows of the page's tables that do not show every word typed
 * (case-insensitive; either framework's calls, the concept, the difference and the note are
 * searched, the collapsed "code run" blocks are not). The Concept, TensorFlow and PyTorch headers
 * become buttons that sort their table by that column, so the page reads from either framework:
 * a call sorts by its name without its namespace (`torch.nn.functional.relu(x)` as `relu(x)`,
 * `x.reshape(3, 2)` as `reshape(3, 2)`), case-insensitively; a second press reverses the order,
 * a third restores the page's own order. The header's aria-sort and the status line say how the
 * rows are sorted.
 * Without JavaScript the boxes stay hidden and the headers are plain text; area pages show every
 * row in the page's order and the index page links every area page. (Inline display styles, not the hidden attribute: the theme's table styles
 * override it.)
 */
(function () {
  "use strict";

  var MAX_RESULTS = 50;
  var loaded = null; // the index page's JSON index, once fetched (a Promise)

  function words(text) {
    return text.toLowerCase().split(/\s+/).filter(Boolean);
  }

  function matches(text, wanted) {
    return wanted.every(function (word) {
      return text.indexOf(word) !== -1;
    });
  }

  // ------------------------------------------------------------ Index page

  function loadIndex(wrapper) {
    if (!loaded) {
      loaded = fetch(wrapper.dataset.index).then(function (response) {
        if (!response.ok) {
          throw new Error(response.status + " " + response.statusText);
        }
        return response.json();
      });
    }
    return loaded;
  }

  function rowUrl(wrapper, index, page, anchor) {
    return wrapper.dataset.root + index.pages[page][0] + "#" + anchor;
  }

  // A hash that names no element of this page but a row (or an old area heading): go to its page.
  function redirectOldAnchor(wrapper) {
    var anchor = decodeURIComponent(window.location.hash.slice(1));
    if (!anchor || document.getElementById(anchor)) {
      return;
    }
    loadIndex(wrapper).then(function (index) {
      var page = null;
      index.rows.forEach(function (row) {
        if (row[0] === anchor) {
          page = row[5];
        }
      });
      if (page === null && Object.prototype.hasOwnProperty.call(index.areas, anchor)) {
        page = index.areas[anchor];
      }
      if (page !== null) {
        window.location.replace(rowUrl(wrapper, index, page, anchor));
      }
    });
  }

  function setUpIndex(wrapper) {
    var box = document.getElementById("api-filter-input");
    var status = document.getElementById("api-filter-status");
    var results = document.getElementById("api-filter-results");
    var texts = null;

    function show(index) {
      var wanted = words(box.value);
      results.textContent = "";
      if (!wanted.length) {
        status.textContent = index.rows.length + " rows in " + index.pages.length + " areas";
        return;
      }
      if (texts === null) {
        texts = index.rows.map(function (row) {
          return [row[1], row[2], row[3], index.differences[row[4]], index.pages[row[5]][1]]
            .join(" ")
            .toLowerCase();
        });
      }
      var found = [];
      index.rows.forEach(function (row, i) {
        if (matches(texts[i], wanted)) {
          found.push(row);
        }
      });
      found.slice(0, MAX_RESULTS).forEach(function (row) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = rowUrl(wrapper, index, row[5], row[0]);
        link.textContent = row[1];
        item.appendChild(link);
        var area = document.createElement("span");
        area.className = "api-result-area";
        area.textContent = " (" + index.pages[row[5]][1] + "; " + index.differences[row[4]] + ")";
        item.appendChild(area);
        [row[2], row[3]].forEach(function (call, side) {
          var line = document.createElement("span");
          line.className = "api-result-call";
          line.textContent = side ? "PyTorch: " : "TensorFlow: ";
          var code = document.createElement("code");
          code.textContent = call;
          line.appendChild(code);
          item.appendChild(line);
        });
        results.appendChild(item);
      });
      status.textContent =
        found.length > MAX_RESULTS
          ? "the first " + MAX_RESULTS + " of " + found.length + " matching rows"
          : found.length + " of " + index.rows.length + " rows";
    }

    function apply() {
      loadIndex(wrapper).then(show, function (error) {
        status.textContent = "The index of rows could not be loaded (" + error.message + ").";
      });
    }

    box.addEventListener("input", apply);
    wrapper.hidden = false;
    redirectOldAnchor(wrapper);
    window.addEventListener("hashchange", function () {
      redirectOldAnchor(wrapper);
    });
  }

  // ------------------------------------------------------------ Area pages

  // The text a reader sees in a row: the collapsed "code run" blocks are left out.
  function visibleText(row) {
    var copy = row.cloneNode(true);
    Array.prototype.forEach.call(copy.querySelectorAll("details"), function (details) {
      details.remove();
    });
    return copy.textContent.toLowerCase();
  }

  // The columns a reader can sort by (the header's text is the button's), and how the status names them.
  var SORTABLE = ["concept", "TensorFlow name", "PyTorch name"];
  var NAMESPACE = /^([a-z_][a-z0-9_]*\.)+/; // `torch.nn.functional.` in torch.nn.functional.relu(x)

  function sortKey(row, column) {
    var cell = row.cells[column];
    if (column === 0) {
      return cell.textContent.trim().toLowerCase();
    }
    return cell.querySelector("code").textContent.trim().toLowerCase().replace(NAMESPACE, "");
  }

  function setUpArea(wrapper) {
    var box = document.getElementById("api-filter-input");
    var status = document.getElementById("api-filter-status");
    var tables = Array.prototype.slice.call(document.querySelectorAll("table[data-api-area]"));
    var rows = [];
    var sorted = ""; // how the last sorted table is sorted, for the status line
    tables.forEach(function (table) {
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        rows.push({ element: row, text: null, table: table });
      });
      setUpSorting(table);
    });

    function setUpSorting(table) {
      var body = table.tBodies[0];
      var order = Array.prototype.slice.call(body.rows); // the page's own order
      var headers = table.tHead.rows[0].cells;
      var state = { column: -1, direction: 0 }; // direction: 1 A to Z, -1 Z to A, 0 the page's order
      SORTABLE.forEach(function (what, column) {
        var header = headers[column];
        var button = document.createElement("button");
        button.type = "button";
        button.className = "api-sort";
        button.textContent = header.textContent;
        button.title = "Sort the rows by " + what;
        header.textContent = "";
        header.appendChild(button);
        button.addEventListener("click", function () {
          var direction = state.column === column ? [1, -1, 0][[0, 1, -1].indexOf(state.direction)] : 1;
          state = { column: column, direction: direction };
          var keys = new Map();
          order.forEach(function (row) {
            keys.set(row, sortKey(row, column));
          });
          var rowsNow = order.slice();
          if (direction) {
            rowsNow.sort(function (a, b) {
              var ka = keys.get(a);
              var kb = keys.get(b);
              return ka === kb ? 0 : (ka < kb ? -1 : 1) * direction; // stable: ties keep the page's order
            });
          }
          rowsNow.forEach(function (row) {
            body.appendChild(row);
          });
          Array.prototype.forEach.call(headers, function (cell, i) {
            if (i === column && direction) {
              cell.setAttribute("aria-sort", direction > 0 ? "ascending" : "descending");
            } else {
              cell.removeAttribute("aria-sort");
            }
          });
          sorted = direction
            ? "sorted by " + what + (direction > 0 ? ", A to Z" : ", Z to A")
            : "in the page's order";
          announce();
        });
      });
    }

    function apply() {
      var wanted = words(box.value);
      var shown = 0;
      var visibleIn = new Map();
      rows.forEach(function (row) {
        row.text = row.text === null ? visibleText(row.element) : row.text; // on first use, not at load
        var match = matches(row.text, wanted);
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
        if (heading && heading.tagName.charAt(0) === "H" && heading.tagName !== "H1") {
          heading.style.display = display; // a page holding several areas has one heading per table
        }
      });
      counted = wanted.length ? shown + " of " + rows.length + " rows" : rows.length + " rows";
      announce();
    }

    var counted = rows.length + " rows"; // every row shows until the first input
    function announce() {
      status.textContent = counted + (sorted ? ", " + sorted : "");
    }

    box.addEventListener("input", apply);
    wrapper.hidden = false;
    announce();
  }

  function setUp() {
    var box = document.getElementById("api-filter-input");
    if (!box || box.dataset.ready) {
      return;
    }
    box.dataset.ready = "1";
    var wrapper = box.closest(".api-filter");
    if (wrapper.dataset.index) {
      setUpIndex(wrapper);
    } else {
      setUpArea(wrapper);
    }
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(setUp); // Material for MkDocs, also after instant navigation
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
