/* Filters for the claims table on claims.md (rendered by hooks/claims_table.py).
 *
 * Adds a verdict and an axis menu above every table inside <div class="claims-table">
 * and hides the rows that do not match. A filter reads the column whose header is its name
 * ("Verdict") or, if there is none, the element with class "claims-<name>" in each row
 * (<span class="claims-axis">). Without JavaScript the full table is shown.
 * A link such as claims/?verdict=false&axis=Hardware opens the page already filtered.
 * No dependencies, nothing fetched.
 */
(function () {
  "use strict";

  var FILTERS = ["Verdict", "Axis"];

  function text(cell) {
    return cell ? cell.textContent.trim() : "";
  }

  function setup() {
    var params = new URLSearchParams(window.location.search);
    document.querySelectorAll(".claims-table").forEach(function (container) {
      var table = container.querySelector("table");
      if (!table || container.dataset.filterReady || !table.tHead || !table.tBodies.length) {
        return;
      }
      container.dataset.filterReady = "yes";
      var headers = Array.prototype.map.call(table.tHead.rows[0].cells, text);
      var rows = Array.prototype.slice.call(table.tBodies[0].rows);

      var form = document.createElement("form");
      form.className = "claims-filter";
      form.setAttribute("aria-label", "Filter the claims");
      form.addEventListener("submit", function (event) {
        event.preventDefault();
      });

      var menus = [];
      FILTERS.forEach(function (name) {
        var column = headers.indexOf(name);
        var selector = ".claims-" + name.toLowerCase();
        var valueOf = function (row) {
          return column >= 0 ? text(row.cells[column]) : text(row.querySelector(selector));
        };
        var values = [];
        rows.forEach(function (row) {
          var value = valueOf(row);
          if (value && values.indexOf(value) < 0) {
            values.push(value);
          }
        });
        if (!values.length) {
          return;
        }
        values.sort();

        var label = document.createElement("label");
        label.textContent = name + " ";
        var select = document.createElement("select");
        select.add(new Option("all", ""));
        values.forEach(function (value) {
          select.add(new Option(value, value));
        });
        var wanted = params.get(name.toLowerCase());
        if (wanted !== null && values.indexOf(wanted) >= 0) {
          select.value = wanted;
        }
        select.addEventListener("change", apply);
        label.appendChild(select);
        form.appendChild(label);
        form.appendChild(document.createTextNode(" "));
        menus.push({ valueOf: valueOf, select: select });
      });

      var status = document.createElement("output");
      status.setAttribute("aria-live", "polite");
      form.appendChild(status);
      container.insertBefore(form, container.firstChild);

      function apply() {
        var shown = 0;
        rows.forEach(function (row) {
          var visible = menus.every(function (menu) {
            return !menu.select.value || menu.valueOf(row) === menu.select.value;
          });
          row.style.display = visible ? "" : "none";
          if (visible) {
            shown += 1;
          }
        });
        status.textContent = shown + " of " + rows.length + " claims shown";
      }

      apply();
    });
  }

  // Material for MkDocs exposes document$ when instant navigation swaps pages in place.
  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(setup);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
