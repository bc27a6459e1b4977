"""The second line of defence for untrusted text: rendered HTML passed through an allow-list.

The first line is `chapters.markdown.partner_text`, which escapes partner text before it reaches
Markdown. That alone trusts one function to be right, and author pages may hold raw HTML that nobody
escapes. So every page's HTML, on the site and in the print edition, goes through `clean_html` after
Markdown has rendered it: whatever is not on the lists below is dropped, and no script, event handler,
style sheet, frame, form or dangerous URL survives, whichever way it got in.

The lists hold what our Markdown extensions (mkdocs.yml: abbr, admonition, attr_list, def_list,
footnotes, md_in_html, smarty, tables, toc with permalinks, pymdownx.details and superfences,
strategy.typeset) and our generated
chapters emit, checked against the tag and attribute inventory of a full build, plus a few harmless
inline tags that authors write by hand. Nothing more: anything added here can reach partners' browsers
and the PDF renderer.
"""

from __future__ import annotations

from collections.abc import Callable

import nh3

__all__ = ["clean_html"]

TAGS: frozenset[str] = frozenset({
    # Headings, paragraphs and breaks.
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr",
    # Blocks: admonitions, md_in_html wrappers (data tables, figures), details, quotes, code.
    "div", "span", "section", "nav", "figure", "figcaption", "details", "summary", "blockquote", "pre", "code",
    # Lists and definition lists.
    "ul", "ol", "li", "dl", "dt", "dd",
    # Tables.
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
    # Inline: links, abbreviations, footnote calls, emphasis, and harmless formatting authors type by hand.
    "a", "abbr", "sup", "sub", "strong", "em", "b", "i", "small", "mark", "del", "ins", "kbd", "q", "cite",
    "img",
})

# Removed together with everything inside them: their content is code, a foreign document or form
# controls, never text a reader should see. (Void elements such as link, meta and input have no content;
# they are listed so that the intent is on record.)
CLEAN_CONTENT_TAGS: frozenset[str] = frozenset({
    "script", "style", "noscript", "template", "iframe", "frame", "frameset", "object", "embed", "applet",
    "form", "input", "button", "select", "textarea", "link", "meta", "base", "svg", "math", "title",
})

# "*" applies to every tag. class and id carry our styling, anchors and cross-references; title is the
# tooltip Markdown writes on permalinks, footnote back-links, abbreviations and image titles; role and
# aria-* (see ARIA_PREFIXES) let authors keep accessible markup.
ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": frozenset({"class", "id", "title", "role"}),
    "a": frozenset({"href"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    # start: Markdown writes it for a list that does not start at 1; type: a lettered list (typeset.py).
    "ol": frozenset({"start", "type"}),
    "details": frozenset({"open"}),  # pymdownx.details: `???+`
    # Markdown tables align columns with an inline style; STYLE_PROPERTIES keeps only the alignment.
    "th": frozenset({"colspan", "rowspan", "style"}),
    "td": frozenset({"colspan", "rowspan", "style"}),
}

ARIA_PREFIXES: frozenset[str] = frozenset({"aria-"})

STYLE_PROPERTIES: frozenset[str] = frozenset({"text-align"})

# Relative URLs and fragments are kept as they are (our links between pages and inside the PDF).
# No javascript:, no file: (the PDF renderer would read the disk), no data: (no page of ours needs it).
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})


def clean_html(html: str, *, attribute_filter: Callable[[str, str, str], str | None] | None = None) -> str:
    """An HTML fragment with everything not on the allow-lists removed; allowed markup is kept as it is.

    `attribute_filter(tag, attribute, value)` may change or drop (None) each allowed attribute's value:
    the print edition keeps only the links a PDF may hold (publish/print_markup.print_url)."""
    return nh3.clean(
        html,
        attribute_filter=attribute_filter,
        tags=set(TAGS),
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        generic_attribute_prefixes=set(ARIA_PREFIXES),
        url_schemes=set(URL_SCHEMES),
        filter_style_properties=set(STYLE_PROPERTIES),
        link_rel=None,  # our links keep their attributes: no rel="noopener noreferrer" added
        strip_comments=True,
    )
