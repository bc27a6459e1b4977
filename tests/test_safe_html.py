"""The second line of defence (safe_html): hostile markup never survives, our own markup always does."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import markdown
import pytest
from mkdocs.utils.meta import get_data

from conftest import REPO, copy_built, start_tags, strategy
from strategy.changes import edition_chapters
from strategy.chapters import Audience
from strategy.chapters.abbreviations import abbreviation_definitions
from strategy.chapters.macros import expand_macros, first_body_line
from strategy.publish.outline import document_outline
from strategy.publish.print_markup import PrintMarkup
from strategy.project import Project
from strategy.safe_html import TAGS, URL_SCHEMES, clean_html

HOSTILE = [
    "<script>alert('x')</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<img src=x oNeRrOr=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="  javascript:alert(1)">click</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">click</a>',
    '<a href="&#x6A;avascript&colon;alert(1)">click</a>',
    '<a href="java&#x09;script:alert(1)">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
    '<a href="vbscript:msgbox(1)">click</a>',
    "<svg onload=alert(1)><circle r=1 /></svg>",
    "<svg><script>alert(1)</script></svg>",
    '<math><a xlink:href="javascript:alert(1)">m</a></math>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    '<object data="file:///etc/passwd"></object><embed src="file:///etc/passwd">',
    "<style>@import url(/etc/passwd); body { background: url(javascript:alert(1)) }</style>",
    '<p style="background:url(file:///etc/passwd)">styled</p>',
    '<td style="background:url(file:///etc/passwd); text-align: right">cell</td>',
    '<link rel="attachment" href="/etc/hostname">',
    '<link rel="stylesheet" href="http://evil.example/x.css">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<form action="javascript:alert(1)"><input name="q" onfocus="alert(1)" autofocus>'
    '<button formaction="javascript:alert(1)">go</button></form>',
    '<details open ontoggle="alert(1)"><summary>s</summary></details>',
    '<div onclick="alert(1)" onmouseover="alert(2)">div</div>',
    '<img src="file:///etc/passwd"><img src="data:image/svg+xml,&lt;svg onload=alert(1)&gt;">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<!--<img src=x onerror=alert(1)>--><!--><script>alert(1)</script>-->",
    '<a href="#" data-md-component="x" style="position:fixed">x</a>',
]


def assert_harmless(html: str) -> None:
    """As a browser parses it: only allow-listed tags, no handlers, no style but alignment, no bad URLs."""
    for tag, attrs in start_tags(html):
        assert tag in TAGS, (tag, html)
        for name, value in attrs:
            value = re.sub(r"\s", "", value or "").lower()
            assert not name.startswith("on"), (tag, name, html)
            assert not name.startswith("data-"), (tag, name, html)
            if name == "style":
                assert re.fullmatch(r"(text-align:[a-z-]+;?)*", value), (tag, value, html)
            if name in ("href", "src"):
                scheme = re.match(r"([a-z][a-z0-9+.-]*):", value)
                assert scheme is None or scheme.group(1) in URL_SCHEMES, (tag, name, value, html)
    assert not re.search(r"<\s*(script|style|iframe|object|embed|form|input|link|meta|base|svg|math)\b", html, re.I)


@pytest.mark.parametrize("payload", HOSTILE)
def test_no_hostile_payload_survives_as_markup(payload):
    cleaned = clean_html(payload)
    assert_harmless(cleaned)
    # Stable: a second pass changes nothing, so parsing the output again cannot bring markup back.
    assert clean_html(cleaned) == cleaned


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_payload_inside_our_markup_is_removed_and_our_markup_stays(payload):
    page = f'<div class="admonition note"><p class="admonition-title">Note</p><p>before {payload} after</p></div>'
    cleaned = clean_html(page)
    assert_harmless(cleaned)
    assert cleaned.startswith('<div class="admonition note"><p class="admonition-title">Note</p><p>before ')
    assert "after" in cleaned


def test_contents_of_scripts_and_styles_are_removed_not_shown():
    assert clean_html("<p>a</p><script>alert('x')</script><style>p{}</style><p>b</p>") == "<p>a</p><p>b</p>"


def test_only_the_alignment_of_a_table_cell_style_is_kept():
    cleaned = clean_html('<table><tbody><tr><td style="text-align: right; position: fixed; '
                         'background: url(file:///etc/passwd)">1</td></tr></tbody></table>')
    assert cleaned == '<table><tbody><tr><td style="text-align:right">1</td></tr></tbody></table>'
    assert clean_html('<p style="text-align: right">p</p>') == "<p>p</p>"  # only table cells align


@pytest.mark.parametrize("html", [
    '<div class="admonition abstract"><p class="admonition-title">Key messages</p><ul><li>One</li></ul></div>',
    '<p>Text<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup></p>',
    '<div class="footnote"><hr><ol><li id="fn:1"><p>Note.&nbsp;<a class="footnote-backref" href="#fnref:1" '
    'title="Jump back to footnote 1 in the text">↩</a></p></li></ol></div>',
    '<p><abbr title="Social Protection Floor">SPF</abbr></p>',
    '<h2 id="priorities">Priorities<a class="headerlink" href="#priorities" title="Permanent link">¶</a></h2>',
    '<p><a class="record-id" href="../partner-inputs/#pi-004">PI-004</a> <a class="xref" href="#tbl-targets">'
    'table</a> <a href="https://www.ilo.org/">ILO</a> <a href="mailto:spf@example.org">mail</a></p>',
    '<div class="data-table wide" id="tbl-targets"><p class="table-caption"><span class="caption-label">'
    "Table 2.1</span> Targets</p><table><thead><tr><th>Indicator</th></tr></thead><tbody><tr><td>3</td></tr>"
    "</tbody></table></div>",
    '<figure id="fig-coverage"><figcaption>Coverage</figcaption><p><img alt="A bar chart" '
    'src="charts/coverage.svg" width="600" height="400"></p><details class="chart-data"><summary>Data</summary>'
    "<p>x</p></details></figure>",
    '<details class="tip" open=""><summary>Open</summary><p>Inside</p></details>',
    '<blockquote class="partner-input"><p>Words.</p><p class="attribution">— A partner</p></blockquote>',
    "<dl class=\"register-entry\"><dt>Partner</dt><dd><em>Named</em> and <strong>bold</strong></dd></dl>",
    '<div class="highlight"><pre><span></span><code><span class="k">def</span> f():\n    pass\n</code></pre></div>',
    '<h1 id="ch-context--context"><span class="heading-number">1</span> Context</h1>'
    '<p>Text<span class="footnote">A note at the foot of the page.</span></p>',
    '<ol start="3"><li>three</li></ol><p>a<br>b<sub>2</sub></p>',
    '<div role="note" aria-label="Edition">x</div>',
])
def test_our_markup_survives_unchanged(html):
    assert clean_html(html) == html


def test_table_alignment_survives():
    html = ('<table><thead><tr><th style="text-align: left;">Country</th><th style="text-align: right;">Inputs'
            '</th></tr></thead><tbody><tr><td style="text-align: left;">Global</td><td style="text-align: right;">'
            "4</td></tr></tbody></table>")
    styles = [dict(attrs).get("style") for tag, attrs in start_tags(clean_html(html)) if tag in ("th", "td")]
    assert styles == ["text-align:left", "text-align:right", "text-align:left", "text-align:right"]


# What every kind of our Markdown renders, for the inventory test below.
SAMPLER = """# Title

Text with SPF[^1], a [cross-reference](other.md#tbl-x){: .xref } and a [link](https://www.ilo.org/ "ILO").

*[SPF]: Social Protection Floor

[^1]: A note.

!!! note "Heads up"
    Body

???+ tip "Open details"
    Inside

??? info "Closed details"
    Inside

Term
:   Definition

| A | B | C |
|--:|:-:|:--|
| 1 | 2 | 3 |

```python
def f(x): return x
```

<div class="data-table" id="tbl-x" markdown="1">

| C |
|---|
| c |

</div>

![Alt](img.svg "A title"){ width="300" height="200" }

Paragraph with a class.
{: .illustrative-note #note-1 }
"""


def _pairs(html: str) -> list[tuple[str, tuple]]:
    """Every element with its attributes, with style whitespace and `open`'s value normalised."""
    def norm(name: str, value: str | None) -> str | None:
        return re.sub(r"[\s;]", "", value or "") if name == "style" else "" if name == "open" else value

    return [(tag, tuple(sorted((name, norm(name, value)) for name, value in attrs)))
            for tag, attrs in start_tags(html)]


def _text(html: str) -> str:
    """The text a reader sees, entities decoded (comments are not text)."""
    chunks: list[str] = []
    parser = HTMLParser()
    parser.handle_data = chunks.append
    parser.feed(html)
    parser.close()
    return re.sub(r"\s+", " ", " ".join(chunks)).strip()


def _site_and_print_pages(example_inputs):
    """(name, html) for the sampler and every page of the example, rendered as the site and as the print do."""
    chapters, extensions = document_outline(REPO / "mkdocs.yml")
    site_extensions = {**extensions, "toc": {**extensions.get("toc", {}), "permalink": True}}
    audience = Audience.PARTNERS
    abbreviations = abbreviation_definitions(example_inputs, audience)
    project = Project(REPO)
    made, _ = edition_chapters(project, project.publication(), example_inputs, audience)
    generated = {c.path: c.markdown for c in made}
    in_print = {c.path: c for c in chapters}
    yield "sampler", markdown.markdown(SAMPLER, extensions=list(site_extensions), extension_configs=site_extensions)
    for chapter in chapters:
        source = generated.get(chapter.path) or (REPO / "docs" / chapter.path).read_text(encoding="utf-8")
        body, meta = get_data(source)
        if not meta.get("generated"):
            body = expand_macros(body, example_inputs, audience, file=chapter.path, page_path=chapter.path,
                                 first_line=first_body_line(source, body))
        body += abbreviations
        yield f"site {chapter.path}", markdown.markdown(body, extensions=list(site_extensions),
                                                        extension_configs=site_extensions)
        md = markdown.Markdown(extensions=[*extensions, PrintMarkup(chapter, in_print)], extension_configs=extensions)
        yield f"print {chapter.path}", md.convert(body)


def test_everything_our_pages_contain_survives(example_inputs):
    """The allow-list covers every tag and attribute the example and our extensions produce, on site and print."""
    seen = 0
    for name, html in _site_and_print_pages(example_inputs):
        cleaned = clean_html(html)
        assert _pairs(cleaned) == _pairs(html), name
        assert _text(cleaned) == _text(html), name
        seen += 1
    assert seen > 20


def test_raw_html_in_an_author_page_reaches_no_output(built, tmp_path):
    """End to end: hostile raw HTML in an author chapter (not escaped: authors may write HTML) is cleaned everywhere.
    Built in a copy of the session's build: every page, the search index and the print HTML are made again, and
    the PDF's chapter with the edit is rendered again (the other chapters come from the render cache)."""
    root = copy_built(built, tmp_path / "project")
    vision = root / "docs" / "vision.md"
    vision.write_text(vision.read_text(encoding="utf-8") + (
        "\n\n<script>alert('e2e-script')</script>\n\n"
        '<img src="x" onerror="alert(\'e2e-img\')">\n\n'
        "<a href=\"javascript:alert('e2e-link')\">click the e2e link</a>\n\n"
        "<p style=\"background:url(file:///etc/passwd)\" onclick=\"alert('e2e-p')\">e2e paragraph</p>\n"
    ), encoding="utf-8")
    run = strategy("build", "--project", str(root))
    assert run.returncode == 0, run.stderr

    def check(where: str, html: str) -> None:
        assert "e2e-" not in html, where
        for tag, attrs in start_tags(html):
            for name, value in attrs:
                assert not name.startswith("on"), (where, tag, name)
                assert not re.sub(r"\s", "", value or "").lower().startswith(("javascript:", "file:")), (where, tag)

    pages = list((root / "site").rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        check(str(page), page.read_text(encoding="utf-8"))
    index_text = (root / "site" / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "e2e-" not in index_text
    index = json.loads(index_text)
    for doc in index["docs"]:
        check(f"search index: {doc['location']}", doc["title"] + " " + doc["text"])
    check("print.html", (root / ".build" / "print.html").read_text(encoding="utf-8"))
    # The words stay: the cleaning removes markup, not the author's text.
    vision_page = (root / "site" / "vision.html").read_text(encoding="utf-8")
    assert "click the e2e link" in vision_page and "e2e paragraph" in vision_page
    assert "click the e2e link" in (root / ".build" / "print.html").read_text(encoding="utf-8")
    assert any("e2e paragraph" in doc["text"] for doc in index["docs"])
