"""Partner text renders as text, on the page (issue 8, part 4).

Markdown that partner text may not use (admonitions, tables, details, footnotes, abbreviations, fenced code,
definition lists, setext headings, raw HTML), words and addresses too long for a line, characters the
shipped fonts lack (emoji, other scripts) and bidirectional controls. `strategy check` accepts the Markdown
(it renders as typed), and warns, naming the file, about each character the PDF cannot print and about
each bidirectional control. The build cases render it all and must succeed: long words wrap, and no
character falls back to a system font. `tests/test_partner_text.py` checks what a reader sees.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from corpus import Case

INPUT = "inputs/partner-inputs/PI-001.yaml"  # a named input: every partners build shows it
ANONYMOUS = "inputs/partner-inputs/PI-009.yaml"
MEETING = "inputs/meeting.yaml"
PARTNERS = "inputs/partners.yaml"

LONG_TOKEN = "Sozialversicherungs" + "x" * 281  # 300 characters, no break opportunity
LONG_URL = "https://www.social-protection.org/gimi/" + "/".join(f"section-{i:03d}-of-a-long-path" for i in range(12))
LONG_NUMBER = "12345678901234567890" * 6


def _load(root: Path, relative: str):
    return yaml.safe_load((root / relative).read_text(encoding="utf-8"))


def _dump(root: Path, relative: str, data) -> None:
    (root / relative).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**6),
                                 encoding="utf-8")


def set_partner_text(relative: str, field: str, text: str):
    """A maker: the field of a partner input ("vision", "key_quote", "proposal" for the first proposal)
    set to `text`."""
    def make(root: Path) -> None:
        data = _load(root, relative)
        if field == "proposal":
            data["priorities"][0]["proposal"] = text
        else:
            data[field] = text
        _dump(root, relative, data)
    return make


def add_key_message(text: str):
    def make(root: Path) -> None:
        data = _load(root, MEETING)
        data["sessions"][0]["key_messages"].insert(0, text)
        _dump(root, MEETING, data)
    return make


def rename_partner(partner_id: str, name: str):
    def make(root: Path) -> None:
        data = _load(root, PARTNERS)
        next(p for p in data if p["id"] == partner_id)["name"] = name
        _dump(root, PARTNERS, data)
    return make


def add_glossary_term(term: str, expansion: str):
    def make(root: Path) -> None:
        path = root / "inputs" / "glossary.yaml"
        path.write_text(path.read_text(encoding="utf-8") + f"- term: {term}\n  expansion: {expansion}\n",
                        encoding="utf-8")
    return make


def all_of(*makers):
    def make(root: Path) -> None:
        for maker in makers:
            maker(root)
    return make


# Markdown that partner text may not use: `strategy check` accepts it (it is text), the pages show it as
# typed. `extra["seen"]` is what a reader must see of it; `extra["not"]`, HTML that must not appear.
MARKDOWN = [
    ("admonition", "!!! danger \"Urgent\"\n    Fund us first.", "!!! danger", "admonition"),
    ("details", "??? note \"More\"\n    Hidden text.", "??? note", "<details"),
    ("pipe-table", "| Country | Share |\n|---|---|\n| A | 1 |", "| Country | Share |", "<table"),
    ("footnote", "Coverage rose[^1].\n\n[^1]: Our own estimate.", "rose[^1]", "footnote"),
    ("abbreviation", "*[ILO]: Invented Labour Office\n\nThe ILO leads.", "*[ILO]: Invented Labour Office",
     "Invented Labour Office\""),
    ("fenced-code", "```html\n<b>bold</b>\n\nmore\n```", "```html", "<pre"),
    ("definition-list", "Floor\n:   A set of guarantees.", ": A set of guarantees.", "<dl"),
    ("setext-heading", "A title\n=======\n\nText.", "A title =======", "<h1"),
    ("atx-heading-in-list", "- # Not a heading", "# Not a heading", "<h1"),
    ("indented-code", "    four spaces in", "four spaces in", "<pre"),
    ("code-span-html", "Use `<b>` tags and `{{ quote(\"PI-002\") }}`.", "Use <b> tags and {{ quote(\"PI-002\") }}.",
     "&lt;b&gt;"),
    ("raw-html", "<img src=x onerror=alert(1)> <script>alert(1)</script>", "<img src=x onerror=alert(1)>",
     "<script"),
    ("thematic-break", "Before\n\n* * *\n\nAfter", "* * *", "<hr"),
]

CASES = [
    Case(f"rendering-markdown-{name}", "rendering-markdown", set_partner_text(INPUT, "vision", text), "valid",
         extra={"text": text, "seen": seen, "not": forbidden})
    for name, text, seen, forbidden in MARKDOWN
] + [
    Case("rendering-long-token-in-vision", "rendering-long-word", set_partner_text(INPUT, "vision", LONG_TOKEN),
         "valid"),
    Case("rendering-long-url-in-key-quote", "rendering-long-word",
         set_partner_text(INPUT, "key_quote", f"See {LONG_URL} for our plan."), "valid"),
    Case("rendering-long-number-in-proposal", "rendering-long-word",
         set_partner_text(INPUT, "proposal", f"Budget line {LONG_NUMBER}."), "valid"),
    Case("rendering-emoji-in-key-quote", "rendering-glyphs",
         set_partner_text(INPUT, "key_quote", "Social protection works 😀 for everyone."), "warning", INPUT,
         field="key_quote", says="U+1F600"),
    Case("rendering-emoji-sequence-in-vision", "rendering-glyphs",
         set_partner_text(INPUT, "vision", "Families 👨‍👩‍👧 and hearts ❤️ count."), "warning", INPUT,
         field="vision", says="U+1F468"),
    Case("rendering-cjk-in-vision", "rendering-glyphs",
         set_partner_text(INPUT, "vision", "社会保障 for all."), "warning", INPUT, field="vision", says="U+793E"),
    Case("rendering-arabic-in-anonymous-input", "rendering-glyphs",
         set_partner_text(ANONYMOUS, "vision", "الحماية الاجتماعية للجميع."), "warning", ANONYMOUS, field="vision",
         says="U+0627"),
    Case("rendering-devanagari-in-proposal", "rendering-glyphs",
         set_partner_text(INPUT, "proposal", "सामाजिक सुरक्षा for all workers."), "warning", INPUT,
         field="priorities[0].proposal", says="U+0938"),
    Case("rendering-emoji-in-partner-name", "rendering-glyphs", rename_partner("luxembourg", "Luxembourg 🇱🇺"),
         "warning", PARTNERS, field="name", says="U+1F1F1"),
    Case("rendering-emoji-in-key-message", "rendering-glyphs", add_key_message("Phase II 🚀 delivered."),
         "warning", MEETING, field="key_messages[0]", says="U+1F680"),
    Case("rendering-bidi-override-in-vision", "rendering-bidi",
         set_partner_text(INPUT, "vision", "We pay \u202e01 USD\u202c per month."), "warning", INPUT,
         field="vision", says="U+202E"),
    Case("rendering-bidi-isolate-in-key-quote", "rendering-bidi",
         set_partner_text(INPUT, "key_quote", "Access \u2066granted\u2069 to all."), "warning", INPUT,
         field="key_quote", says="U+2066"),
    Case("rendering-right-to-left-mark-in-proposal", "rendering-bidi",
         set_partner_text(INPUT, "proposal", "Fund the floor\u200f now."), "warning", INPUT,
         field="priorities[0].proposal", says="U+200F"),
    Case("rendering-build-hostile-text-wraps-and-prints", "rendering-build",
         all_of(set_partner_text(INPUT, "vision", f"{LONG_TOKEN}\n\n{LONG_URL}\n\n!!! note\n    x\n\n"
                                                  "| a | b |\n|---|---|\n| 1 | 2 |\n\nHello 😀 社会 \u202eevil\u202c"),
                set_partner_text(INPUT, "key_quote", f"Read {LONG_URL} 😀 today."),
                set_partner_text(INPUT, "proposal", f"Budget {LONG_NUMBER} and {LONG_TOKEN}."),
                add_key_message(f"Message {LONG_TOKEN} 🚀"),
                rename_partner("luxembourg", f"Luxembourg {LONG_TOKEN[:60]} 🇱🇺")),
         "valid", command="build", seconds=240),
    # An abbreviation never wraps (print.css keeps "UN Women" on one line): one too long for a line, in a
    # partner's text, runs off the page, and the layout check stops the build naming the page and the input.
    Case("rendering-build-unwrappable-text-fails-naming-the-input", "rendering-build",
         all_of(add_glossary_term("SPFX" * 40, "A term too long for a line"),
                set_partner_text(INPUT, "vision", f"We use {'SPFX' * 40} here.")),
         "problem", "spf-flagship-phase-iii-strategy", says="PI-001", command="build", seconds=240),
]
