// A table wider than the page scrolls sideways in Material's wrapper. A region that scrolls must take
// keyboard focus, with a name, so that a keyboard user can scroll it too (WCAG 2.1.1; axe's
// scrollable-region-focusable). The table's own caption names it.
document$.subscribe(function () {
  document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (wrap, index) {
    if (wrap.scrollWidth <= wrap.clientWidth) return;
    var caption = wrap.closest(".data-table") && wrap.closest(".data-table").querySelector(".table-caption");
    wrap.tabIndex = 0;
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", (caption ? caption.textContent.trim() : "Table") + " (scrolls sideways)");
  });
});
