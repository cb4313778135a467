/* The decision helper on decision.md, built from the decision table itself
 * (rendered by hooks/decision_table.py from docs/data/decisions.yml; there is no second copy
 * of the data).
 *
 * Above every table inside <div class="decision-scenarios"> it adds a scenario menu and one
 * checkbox per priority (read from the <span class="decision-priority"> elements of the rows).
 * Picking a scenario shows its recommendation: the choice, the reasons and the evidence links,
 * cloned from the row. Ticking priorities shows every scenario that answers at least one of
 * them, those answering the most first, with a tally of the choices. The table is filtered to
 * the same rows; clearing shows them all again. The two modes exclude each other: picking a
 * scenario clears the ticks, ticking clears the scenario.
 * A link such as decision/?scenario=Apple%20Silicon%20laptops or
 * decision/?priority=mobile&priority=browser opens the page with the helper preset.
 * A link to a row's anchor (#row-..., as in the short verdict above the helper) shows the whole
 * table again if the helper had hidden that row, then scrolls to it.
 * Without JavaScript the full table is shown. No dependencies, nothing fetched.
 */
(function () {
  "use strict";

  var COLUMNS = { scenario: "Scenario", choice: "Choose", why: "Why", evidence: "Evidence" };

  function text(node) {
    return node ? node.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (content !== undefined) {
      node.textContent = content;
    }
    return node;
  }

  // The table's rows as records; null if the table does not have the expected columns.
  function readRows(table) {
    var headers = Array.prototype.map.call(table.tHead.rows[0].cells, text);
    var column = {};
    for (var key in COLUMNS) {
      column[key] = headers.indexOf(COLUMNS[key]);
      if (column[key] < 0) {
        return null;
      }
    }
    return Array.prototype.map.call(table.tBodies[0].rows, function (tr, index) {
      return {
        tr: tr,
        index: index,
        scenario: text(tr.cells[column.scenario]),
        choice: text(tr.cells[column.choice]),
        why: tr.cells[column.why],
        evidence: tr.cells[column.evidence],
        priorities: Array.prototype.map.call(tr.querySelectorAll(".decision-priority"), text),
      };
    });
  }

  // The reasons of a row without its "Priorities:" line.
  function whyOf(row) {
    var copy = row.why.cloneNode(true);
    var line = copy.querySelector(".decision-priorities");
    if (line) {
      var before = line.previousSibling;
      if (before && before.nodeName === "BR") {
        copy.removeChild(before);
      }
      copy.removeChild(line);
    }
    var paragraph = element("p", "decision-why");
    while (copy.firstChild) {
      paragraph.appendChild(copy.firstChild);
    }
    return paragraph;
  }

  function evidenceOf(row) {
    var paragraph = element("p", "decision-evidence", "Evidence: ");
    row.evidence.querySelectorAll("a").forEach(function (link, i) {
      if (i) {
        paragraph.appendChild(document.createTextNode(", "));
      }
      paragraph.appendChild(link.cloneNode(true));
    });
    return paragraph;
  }

  function recommendation(row, matched) {
    var item = element("div", "decision-item");
    item.dataset.scenario = row.scenario;
    var title = element("p", "decision-title");
    title.appendChild(document.createTextNode(row.scenario + ": choose "));
    title.appendChild(element("strong", "decision-choice", row.choice));
    if (matched) {
      title.appendChild(document.createTextNode(" (" + matched.join(", ") + ")"));
    }
    item.appendChild(title);
    item.appendChild(whyOf(row));
    item.appendChild(evidenceOf(row));
    return item;
  }

  function tally(rows) {
    var counts = {};
    var order = [];
    rows.forEach(function (row) {
      if (!(row.choice in counts)) {
        counts[row.choice] = 0;
        order.push(row.choice);
      }
      counts[row.choice] += 1;
    });
    order.sort(function (a, b) {
      return counts[b] - counts[a];
    });
    return order
      .map(function (choice) {
        return choice + " " + counts[choice];
      })
      .join(" · ");
  }

  function build(container, number, params) {
    var table = container.querySelector("table");
    if (!table || container.dataset.helperReady || !table.tHead || !table.tBodies.length) {
      return;
    }
    var rows = readRows(table);
    if (!rows || !rows.length) {
      return;
    }
    container.dataset.helperReady = "yes";

    var priorities = [];
    var rowsWith = {};
    rows.forEach(function (row) {
      row.priorities.forEach(function (priority) {
        if (!(priority in rowsWith)) {
          rowsWith[priority] = 0;
          priorities.push(priority);
        }
        rowsWith[priority] += 1;
      });
    });
    priorities.sort();

    var form = element("form", "decision-helper");
    form.setAttribute("aria-label", "Find a recommendation");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
    });

    var pick = element("p", "decision-pick");
    var label = element("label", null, "Your scenario ");
    var select = element("select");
    select.id = "decision-scenario-" + number;
    label.htmlFor = select.id;
    select.add(new Option("all scenarios", ""));
    rows.forEach(function (row) {
      select.add(new Option(row.scenario, row.scenario));
    });
    pick.appendChild(label);
    pick.appendChild(select);
    form.appendChild(pick);

    var fieldset = element("fieldset", "decision-priorities-picker");
    fieldset.appendChild(element("legend", null, "Or tick what matters most to you"));
    var boxes = priorities.map(function (priority) {
      var box = element("input");
      box.type = "checkbox";
      box.value = priority;
      var boxLabel = element("label");
      boxLabel.appendChild(box);
      boxLabel.appendChild(document.createTextNode(" " + priority + " "));
      boxLabel.appendChild(element("small", null, "(" + rowsWith[priority] + ")"));
      fieldset.appendChild(boxLabel);
      return box;
    });
    form.appendChild(fieldset);

    var actions = element("p", "decision-actions");
    var clear = element("button", null, "Clear");
    clear.type = "button";
    var status = element("output", "decision-status");
    status.setAttribute("aria-live", "polite");
    actions.appendChild(clear);
    actions.appendChild(document.createTextNode(" "));
    actions.appendChild(status);
    form.appendChild(actions);

    var panel = element("section", "decision-recommendation");
    panel.setAttribute("aria-label", "Recommendation");
    panel.hidden = true;

    container.insertBefore(panel, container.firstChild);
    container.insertBefore(form, panel);

    function ticked() {
      return boxes
        .filter(function (box) {
          return box.checked;
        })
        .map(function (box) {
          return box.value;
        });
    }

    function show(matches, describe) {
      var shown = matches.map(function (match) {
        return match.row;
      });
      rows.forEach(function (row) {
        row.tr.style.display = shown.indexOf(row) >= 0 ? "" : "none";
      });
      panel.textContent = "";
      panel.hidden = !describe;
      if (describe) {
        panel.appendChild(describe);
        matches.forEach(function (match) {
          panel.appendChild(recommendation(match.row, match.matched));
        });
      }
    }

    function apply() {
      var wanted = ticked();
      if (select.value) {
        var row = rows.filter(function (r) {
          return r.scenario === select.value;
        })[0];
        show([{ row: row }], element("p", "decision-tally", "Recommendation for your scenario:"));
        status.textContent = "1 of " + rows.length + " scenarios shown";
      } else if (wanted.length) {
        var matches = rows
          .map(function (r) {
            var matched = r.priorities.filter(function (p) {
              return wanted.indexOf(p) >= 0;
            });
            return { row: r, matched: matched };
          })
          .filter(function (match) {
            return match.matched.length > 0;
          })
          .sort(function (a, b) {
            return b.matched.length - a.matched.length || a.row.index - b.row.index;
          });
        var summary = matches.length
          ? matches.length +
            " scenarios answer " +
            wanted.join(" or ") +
            ". Choices: " +
            tally(
              matches.map(function (match) {
                return match.row;
              }),
            ) +
            "."
          : "No scenario answers " + wanted.join(" or ") + ".";
        show(matches, element("p", "decision-tally", summary));
        status.textContent = matches.length + " of " + rows.length + " scenarios shown";
      } else {
        show(
          rows.map(function (r) {
            return { row: r };
          }),
          null,
        );
        status.textContent = "All " + rows.length + " scenarios shown";
      }
    }

    select.addEventListener("change", function () {
      if (select.value) {
        boxes.forEach(function (box) {
          box.checked = false;
        });
      }
      apply();
    });
    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        if (box.checked) {
          select.value = "";
        }
        apply();
      });
    });
    clear.addEventListener("click", function () {
      select.value = "";
      boxes.forEach(function (box) {
        box.checked = false;
      });
      apply();
      select.focus();
    });

    // Preset from the address: ?scenario=<exact scenario>, or ?priority=a&priority=b (or a,b).
    var scenario = params.get("scenario");
    var known = rows.some(function (r) {
      return r.scenario === scenario;
    });
    if (scenario !== null && known) {
      select.value = scenario;
    } else {
      var preset = [];
      params.getAll("priority").forEach(function (value) {
        preset = preset.concat(value.split(","));
      });
      boxes.forEach(function (box) {
        box.checked = preset.indexOf(box.value) >= 0;
      });
    }
    apply();

    // A link to a row (#row-...) must land on a visible row: clear the helper if it hid it.
    function reveal() {
      var id = window.location.hash.slice(1);
      try {
        id = decodeURIComponent(id);
      } catch (error) {
        return; // a malformed address names no row
      }
      var target = id ? document.getElementById(id) : null;
      var tr = target && container.contains(target) ? target.closest("tr") : null;
      if (tr && tr.style.display === "none") {
        select.value = "";
        boxes.forEach(function (box) {
          box.checked = false;
        });
        apply();
        target.scrollIntoView();
      }
    }
    window.addEventListener("hashchange", reveal);
    reveal();
  }

  function setup() {
    var params = new URLSearchParams(window.location.search);
    document.querySelectorAll(".decision-scenarios").forEach(function (container, number) {
      build(container, number, params);
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
