"""Macros in author chapters: `{{ quote("PI-012") }}` pulls a partner input into prose, and
`{{ figure("institutional-changes") }}` states a headline figure from inputs/headline-figures.yaml.

Expansion is plain pattern matching, not a template engine, so nothing a
partner wrote is ever evaluated. An unknown macro or ID stops the build with
the file and line.

Every author page passes through here, for the site and for the PDF, so this is
also where a page that names a partner whom consent keeps out is stopped.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from pathlib import Path

from ..facts import FIGURE_CALL, render_figure
from ..inputs import StrategyInputs
from ..problems import Problem, ProblemsFound, display_path
from . import GENERATED_FOLDER
from ..consent import author_page_problems, shown_input, view_problems
from .consent import Audience, attribution, may_show
from .markdown import REGISTER, anchor, md_escape, partner_text, quote_block, reading_words
from .partner_markdown import first_paragraph

_MACRO = re.compile(r"\{\{\s*(?P<body>.*?)\s*\}\}")
_QUOTE = re.compile(r"""quote\(\s*(?P<q>["'])(?P<id>[^"']*)(?P=q)\s*\)""")


def first_body_line(source: str, body: str) -> int:
    """The line of the source file where the Markdown body (after its front matter) starts."""
    return max(1, source.count("\n") - body.count("\n") + 1)


def expand_macros(markdown: str, inputs: StrategyInputs, audience: Audience, *, file: str,
                  page_path: str, first_line: int = 1) -> str:
    """Replace every macro in `markdown`; raise ProblemsFound naming each bad one.

    `page_path` is the page's path inside the docs folder, so that links to the
    register are relative to where the page is.
    """
    problems: list[Problem] = author_page_problems(markdown, inputs, audience, file=file, first_line=first_line)
    if refused := view_problems(inputs, audience):  # no quote can be shown as the audience may see it
        raise ProblemsFound(refused)
    register = posixpath.relpath(f"{GENERATED_FOLDER}/{REGISTER}", posixpath.dirname(page_path) or ".")

    def replace(match: re.Match) -> str:
        line = first_line + markdown.count("\n", 0, match.start())
        figure = FIGURE_CALL.fullmatch(match.group("body"))
        if figure:
            text, expected = render_figure(inputs.headline, figure.group("id"), figure.group("part") or "")
            if expected:
                problems.append(Problem(file, line, None, expected, f"'{match.group(0)}'"))
            return text or match.group(0)
        quote = _QUOTE.fullmatch(match.group("body"))
        if not quote:
            problems.append(Problem(file, line, None,
                                    'a known macro: {{ quote("PI-001") }} or {{ figure("institutional-changes") }}',
                                    f"'{match.group(0)}'"))
            return match.group(0)
        record_id = quote.group("id")
        shown = shown_input(inputs, audience, record_id)  # the quote as the audience may see it
        if shown is None:
            guess = difflib.get_close_matches(record_id, list(inputs.partner_inputs), n=1)
            hint = f" (did you mean {guess[0]}?)" if guess else ""
            problems.append(Problem(file, line, None, f"the ID of a partner input in inputs/partner-inputs{hint}",
                                    f"'{record_id}'"))
            return match.group(0)
        item, partner = shown
        if not may_show(item, audience):
            problems.append(Problem(file, line, None, f"an input that a {audience.value} build may show",
                                    f"{record_id}, whose partner withheld it"))
            return match.group(0)
        words = item.key_quote or first_paragraph(item.vision or item.country_experience or "")
        who = md_escape(attribution(item, partner, audience))
        link = f"[{record_id}]({register}#{anchor(record_id)}){{: .record-id }}"
        return "\n\n" + quote_block(partner_text(words), f"{who} ({link})", illustrative=item.illustrative) + "\n\n"

    expanded = _MACRO.sub(replace, markdown)
    if problems:
        raise ProblemsFound(problems)
    return expanded


def page_macro_problems(pages: list[Path], docs: Path, inputs: StrategyInputs, audience: Audience,
                        root: Path) -> list[Problem]:
    """Every macro of these author pages expanded as a build would expand it, so that `strategy check` finds
    what would stop `strategy build` (an unknown or withheld input, a figure the record lacks); a page that is
    not UTF-8 text is a problem too, since no build could read it."""
    from mkdocs.utils.meta import get_data  # as the site and the print edition split off the front matter

    with reading_words(_any_form):  # the expansions are not kept: no quote is rendered to choose its form
        return _page_macro_problems(pages, docs, inputs, audience, root, get_data)


def _any_form(markdown: str, plain: str) -> bool:
    return True


def _page_macro_problems(pages: list[Path], docs: Path, inputs: StrategyInputs, audience: Audience, root: Path,
                         get_data) -> list[Problem]:
    problems: list[Problem] = []
    for path in pages:
        shown = display_path(path, root)
        try:
            source = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as err:
            problems.append(Problem(shown, None, None, "a page of UTF-8 text", f"byte {err.object[err.start]:#04x}"))
            continue
        except OSError as err:
            problems.append(Problem(shown, None, None, "a readable page", err.strerror or type(err).__name__))
            continue
        body, _ = get_data(source)
        try:
            expand_macros(body, inputs, audience, file=shown, page_path=path.relative_to(docs).as_posix(),
                          first_line=first_body_line(source, body))
        except ProblemsFound as found:
            problems += found.problems
    return problems
