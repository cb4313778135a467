/* Two accessibility fixes to the theme's markup (Material for MkDocs 9), checked by axe-core in
 * tests/test_browser.py. Works offline: no requests, no dependencies.
 *
 * 1. Wide tables. The theme wraps every table in a .md-typeset__scrollwrap that scrolls sideways
 *    when the table is wider than the page (on a phone, most tables). A keyboard can only scroll
 *    what it can focus, so a wrapper that overflows gets a tab stop, the role of a region and a
 *    name (axe-core's scrollable-region-focusable); one that fits gets none, so that it adds no
 *    needless tab stop. Re-checked whenever a wrapper changes size.
 * 2. The search overlay is a role="dialog" without a name (axe-core's aria-dialog-name): it gets
 *    the label of its own search box.
 */
(function () {
  "use strict";

  // The table's name: the heading above it and its column headers (two tables under one heading
  // differ by their columns).
  function tableName(wrapper) {
    var name = "Table";
    for (var node = wrapper.previousElementSibling; node; node = node.previousElementSibling) {
      if (/^H[1-6]$/.test(node.tagName)) {
        name += ": " + node.textContent.replace(/¶$/, "").trim();
        break;
      }
    }
    var headers = Array.prototype.map.call(wrapper.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    return name + " (" + headers.filter(Boolean).join(", ") + ")";
  }

  function updateWrapper(wrapper) {
    if (wrapper.scrollWidth > wrapper.clientWidth) {
      wrapper.setAttribute("tabindex", "0");
      wrapper.setAttribute("role", "region");
      wrapper.setAttribute("aria-label", tableName(wrapper));
    } else {
      wrapper.removeAttribute("tabindex");
      wrapper.removeAttribute("role");
      wrapper.removeAttribute("aria-label");
    }
  }

  // Called back after layout, never forcing one: the sizes are known by then.
  var resized = typeof ResizeObserver === "function" ? new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      updateWrapper(entry.target);
    });
  }) : null;

  function setUp() {
    Array.prototype.forEach.call(document.querySelectorAll(".md-typeset__scrollwrap"), function (wrapper) {
      if (resized) {
        resized.observe(wrapper);
      } else {
        updateWrapper(wrapper);
      }
    });
    var dialog = document.querySelector(".md-search[role=dialog]");
    var input = document.querySelector(".md-search__input");
    if (dialog && input && !dialog.hasAttribute("aria-label")) {
      dialog.setAttribute("aria-label", input.getAttribute("aria-label") || "Search");
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
