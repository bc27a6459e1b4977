"""The generated chapters and the quote macro, on the bundled example's real records, per audience."""

from __future__ import annotations

import re

import pytest

from strategy.chapters import Audience, generate_chapters
from strategy.chapters.macros import expand_macros
from strategy.inputs.records import Consent
from strategy.problems import ProblemsFound


def chapters_text(inputs, audience):
    return "\n".join(c.markdown for c in generate_chapters(inputs, audience))


def by_consent(inputs, consent):
    return [i for i in inputs.partner_inputs.values() if i.consent is consent]


def test_internal_build_shows_withheld_inputs_marked_as_such(example_inputs):
    text = chapters_text(example_inputs, Audience.INTERNAL)
    for item in by_consent(example_inputs, Consent.WITHHELD):
        assert re.search(rf"\b{item.id}\b", text)
    assert "Withheld:" in text


@pytest.mark.parametrize("audience", [Audience.PARTNERS, Audience.PUBLIC])
def test_outside_builds_count_withheld_inputs_but_never_show_them(example_inputs, audience):
    text = chapters_text(example_inputs, audience)
    withheld = by_consent(example_inputs, Consent.WITHHELD)
    for item in withheld:
        assert not re.search(rf"\b{item.id}\b", text)
        for words in filter(None, [item.key_quote, item.vision, item.country_experience]):
            assert words.strip()[:60] not in text
    assert f"{len(withheld)} inputs were sent on condition that they not be published" in text


def test_quote_macro_attributes_by_consent(example_inputs):
    named = by_consent(example_inputs, Consent.NAMED)[0]
    anonymous = by_consent(example_inputs, Consent.ANONYMOUS)[0]
    page = f'Intro.\n\n{{{{ quote("{named.id}") }}}}\n\n{{{{ quote("{anonymous.id}") }}}}\n'
    out = expand_macros(page, example_inputs, Audience.PARTNERS, file="docs/x.md", page_path="x.md")
    assert example_inputs.partner_of(named).display_name in out
    assert example_inputs.partner_of(anonymous).name not in out
    assert example_inputs.partner_of(anonymous).kind.anonymous_label in out.lower()
    assert f"generated/partner-inputs.md#{named.id.lower()}" in out


def test_quote_macro_refuses_withheld_and_unknown_ids_with_line(example_inputs):
    withheld = by_consent(example_inputs, Consent.WITHHELD)[0]
    page = f'# Title\n\n{{{{ quote("{withheld.id}") }}}}\n\nText {{{{ quote("PI-0001") }}}}\n{{{{ cite("x") }}}}\n'
    with pytest.raises(ProblemsFound) as found:
        expand_macros(page, example_inputs, Audience.PARTNERS, file="docs/x.md", page_path="x.md", first_line=4)
    report = str(found.value)
    assert f"docs/x.md:6: expected an input that a partners build may show; found {withheld.id}" in report
    assert "docs/x.md:8:" in report and "PI-0001" in report
    assert "docs/x.md:9:" in report and "a known macro" in report


HOSTILE = ('<script>alert(1)</script> <img src=x onerror=alert(2)> [click](javascript:alert(3)) '
           '![i](file:///etc/passwd) {{ quote("PI-001") }}\n{: onclick="alert(4)" }\n\n# A heading\n')


def test_partner_text_cannot_inject_markup_links_attributes_or_macros(example_inputs):
    import markdown

    from conftest import REPO, start_tags
    from strategy.publish import document_outline

    item = next(iter(example_inputs.partner_inputs.values()))
    hostile = item.model_copy(update={"key_quote": HOSTILE, "vision": HOSTILE})
    inputs = example_inputs.__class__(**{**example_inputs.__dict__,
                                         "partner_inputs": {**example_inputs.partner_inputs, item.id: hostile}})
    _, extensions = document_outline(REPO / "mkdocs.yml")
    for chapter in generate_chapters(inputs, Audience.INTERNAL):
        if not chapter.file_name.endswith(".md"):
            continue
        body = chapter.markdown.split("---", 2)[2]
        html = markdown.markdown(body, extensions=list(extensions), extension_configs=extensions)
        tags = start_tags(html)
        assert "script" not in {tag for tag, _ in tags}, chapter.file_name
        # The only images are the project's own charts.
        assert all(dict(attrs).get("src", "").startswith("charts/") for tag, attrs in tags if tag == "img")
        for tag, attrs in tags:
            assert not any(name.startswith("on") for name, _ in attrs), (tag, attrs)
            assert not any((value or "").startswith(("javascript:", "file:")) for _, value in attrs), (tag, attrs)
        # Since issue 9 an input's vision may hold headings, demoted under its own (h4 to h6), never h1 to h3.
        assert not re.search(r"<h[1-3][^>]*>A heading", html)
        assert chapter.file_name != "partner-inputs.md" or '<h4 class="partner-heading"' in html
    assert '{{ quote("PI-001") }}' not in chapters_text(inputs, Audience.INTERNAL)


def test_each_chapter_shows_its_own_charts_only(example_inputs):
    chapters = {c.file_name: c.markdown for c in generate_chapters(example_inputs, Audience.PARTNERS)}
    shown = {name: set(re.findall(r'<figure id="(fig-[\w-]+)"', text)) for name, text in chapters.items()}
    assert shown["phase-ii-results.md"] and all(f.startswith("fig-results-") for f in shown["phase-ii-results.md"])
    assert shown["inputs-received.md"] == {"fig-inputs-heat-map", "fig-priority-support"}
