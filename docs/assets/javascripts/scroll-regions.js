// A table wider than the page scrolls sideways in Material's wrapper. A region that scrolls must take
// keyboard focus, with a name, so that a keyboard user can scroll it too (WCAG 2.1.1; axe's
// scrollable-region-focusable). The table's caption names it, or the figure whose data it holds; names are
// unique on the page (axe's landmark-unique), a number told apart where two would read the same.
document$.subscribe(function () {
  var used = {};
  function text(element) {
    return element ? element.textContent.replace(/\s+/g, " ").trim() : "";
  }
  function nameOf(wrap, index) {
    var table = wrap.closest(".data-table");
    var figure = wrap.closest("figure");
    var details = wrap.closest("details");
    return text(table && table.querySelector(".table-caption"))
      || text(figure && figure.querySelector("figcaption"))
      || text(details && details.querySelector("summary"))
      || "Table " + (index + 1);
  }
  document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (wrap, index) {
    if (wrap.scrollWidth <= wrap.clientWidth) return;
    var name = nameOf(wrap, index) + " (scrolls sideways)";
    used[name] = (used[name] || 0) + 1;
    if (used[name] > 1) name += " " + used[name];
    wrap.tabIndex = 0;
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", name);
  });
});
