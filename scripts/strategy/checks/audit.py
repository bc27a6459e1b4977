"""Layout audit of a finished PDF, as a publications officer checks it before it goes to print.

`python -m strategy.checks.audit file.pdf` prints one line per problem; exits 1 if there is any, else 0.
The rules are general (page geometry, fonts, links, the PDF's structure), not today's stylesheet.
Running heads and feet are what a tagged PDF leaves out of its structure tree (WeasyPrint's margin
boxes); in an untagged PDF, the outermost lines by the top or bottom edge that are a page number, or
small text repeated at the same place on another page. Text at an angle (a watermark) is ignored.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pdfplumber
import pikepdf

MM = 72 / 25.4
CHAPTER_TITLE_PT = 18.0      # a line this big opens a chapter
BOLD_SANS_HEADING_PT = 10.5  # bold sans text this big is a heading...
LARGER_THAN_BODY_PT = 0.75   # ...and so is text this much bigger than the body text
EDGE_BAND = 0.15             # untagged PDFs: running heads and feet lie in this share of the height
LEADER = re.compile(r"^(?P<title>.*?)\s*(?:[.·…]\s*){3,}(?P<number>[\w-]+)$")  # "Title ..... 12"
FLUSH_RIGHT = re.compile(r"^(?P<title>.*\S)\s+(?P<number>[ivxlcdm]+|\d+)$")  # "Title        12"
CONTENTS = re.compile(r"(table of )?contents", re.IGNORECASE)
PAGE_NUMBER = re.compile(r"(page\s*)?(\d+|[ivxlcdm]+)(\s*(of|/)\s*\d+)?", re.IGNORECASE)
NOTE = re.compile(r"^(\d+|[*†‡§])[.)]?\s")  # how a footnote begins
WHITE = [(1,), (1, 1, 1), (0, 0, 0, 0)]  # gray, RGB and CMYK

Line = dict[str, Any]  # a pdfplumber text line, with its "chars"


@dataclass(frozen=True, order=True)
class Finding:
    page: int      # 1-based physical page
    label: str     # the printed page label if the PDF has /PageLabels, else str(page)
    check: str     # short id, e.g. "blank-page"
    message: str   # one line, naming what and where

    def __str__(self) -> str:
        return f"page {self.page} (label '{self.label}'): {self.message}"


@dataclass
class _Page:
    number: int
    label: str
    plumb: Any           # the pdfplumber page
    lines: list[Line]    # level text lines, top to bottom, without running heads and feet
    running: bool        # whether it has a running head or foot
    body_size: float
    full_bleed: bool     # the whole page is a coloured background, as on a cover

    def finding(self, check: str, message: str) -> Finding:
        return Finding(self.number, self.label, check, message)


@dataclass
class _Link:
    box: tuple[float, float, float, float]  # x0, top, x1, bottom, as pdfplumber measures
    target: int | None                      # 0-based page index; None if it leads nowhere
    what: str


def audit_pdf(pdf_path: Path, *, margin_mm: float = 10.0) -> list[Finding]:
    """Every layout problem in the PDF, in page order."""
    with pikepdf.open(pdf_path) as pdf, pdfplumber.open(pdf_path) as plumb:
        labels = [page.label for page in pdf.pages]
        links = _links(pdf)
        pages = _pages(plumb, labels, _tagged(pdf))
        contents = _contents_pages(pages)
        findings = [*_outside_printable_area(pages, margin_mm * MM), *_fonts_not_embedded(pdf, labels),
                    *_headings_at_foot(pages, contents), *_blank_pages(pages),
                    *(pages[i].finding("broken-link", f"the link to {link.what} leads to no page of this document")
                      for i, page_links in enumerate(links) for link in page_links if link.target is None),
                    *_toc_page_numbers(pages, contents, links)]
    return sorted(set(findings))


# ---------- Reading the pages ----------

def _pages(plumb: Any, labels: list[str], tagged: dict[int, set[int]] | None) -> list[_Page]:
    raw = [(page, [line for line in page.filter(_level).extract_text_lines(return_chars=True) if _ink(line)])
           for page in plumb.pages]
    sizes = [Counter(round(c["size"], 1) for line in lines for c in _ink(line)) for _, lines in raw]
    document_body = sum(sizes, Counter()).most_common(1)[0][0] if any(sizes) else 0.0
    seen = Counter(key for _, lines in raw for key in {_place(line) for line in lines})
    pages = []
    for index, (page, lines) in enumerate(raw):
        mcids = tagged.get(page.page_obj.pageid) if tagged else None
        if mcids:  # a tagged page: what is not in the structure tree is a running head or foot
            running = {i for i, line in enumerate(lines)
                       if sum(c.get("mcid") not in mcids for c in _ink(line)) * 2 > len(_ink(line))}
        else:
            running = _running_by_position(lines, page.height, labels[index], seen, document_body)
        # The body size: the commonest size on the page, but never below the document's (a page of tables).
        body_size = max(sizes[index].most_common(1)[0][0] if sizes[index] else 0.0, document_body)
        x0, top, x1, bottom = page.bbox
        full_bleed = any(r["fill"] and r["non_stroking_color"] not in WHITE and r["x0"] <= x0 + 1 and
                         r["top"] <= top + 1 and r["x1"] >= x1 - 1 and r["bottom"] >= bottom - 1 for r in page.rects)
        pages.append(_Page(index + 1, labels[index], page, [line for i, line in enumerate(lines) if i not in running],
                           bool(running), body_size, full_bleed))
    return pages


def _running_by_position(lines: list[Line], height: float, label: str, seen: Counter, body: float) -> set[int]:
    """The outermost lines by the top or bottom edge that are a page number, or smaller than body text
    and repeated on another page; set apart from the rest by a gap at least as tall as themselves."""
    running: set[int] = set()
    for step, i in ((1, 0), (-1, len(lines) - 1)):  # from the top down, then from the bottom up
        while 0 <= i < len(lines) and i not in running:
            line, text = lines[i], lines[i]["text"].strip()
            inner = lines[i + step] if 0 <= i + step < len(lines) else None
            gap = (inner["top"] - line["bottom"] if step > 0 else line["top"] - inner["bottom"]) if inner else 1e9
            near_edge = line["bottom"] <= EDGE_BAND * height or line["top"] >= (1 - EDGE_BAND) * height
            repeated = seen[_place(line)] > 1 and _font(line)[1] < body
            if not (near_edge and (text == label or PAGE_NUMBER.fullmatch(text) or repeated)
                    and gap >= line["bottom"] - line["top"]):
                break
            running.add(i)
            i += step
    return running


def _tagged(pdf: pikepdf.Pdf) -> dict[int, set[int]] | None:
    """The marked-content ids in the structure tree, by page object number; None if the PDF is untagged."""
    if "/StructTreeRoot" not in pdf.Root:
        return None
    found: dict[int, set[int]] = defaultdict(set)
    stack: list[tuple[Any, Any]] = [(pdf.Root.StructTreeRoot.get("/K"), None)]
    while stack:
        kid, page = stack.pop()
        if isinstance(kid, pikepdf.Array):
            stack.extend((k, page) for k in kid)
        elif isinstance(kid, int) and page is not None:
            found[page.objgen[0]].add(kid)
        elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") != "/OBJR":
            page = kid.get("/Pg", page)
            if "/MCID" in kid:
                found[page.objgen[0]].add(int(kid.MCID))
            else:
                stack.append((kid.get("/K"), page))
    return found


def _level(obj: dict) -> bool:
    """False for a character set at an angle, as in a watermark."""
    a, b, c, d = obj.get("matrix", (1, 0, 0, 1))[:4]
    return obj.get("object_type") != "char" or abs(b) + abs(c) <= 0.05 * (abs(a) + abs(d))


def _ink(line: Line) -> list[dict]:
    return [c for c in line["chars"] if c["text"].strip()]


def _font(line: Line) -> tuple[str, float]:
    """The line's commonest font name and size."""
    return Counter((c["fontname"], round(c["size"], 1)) for c in _ink(line)).most_common(1)[0][0]


def _place(line: Line) -> tuple[int, str]:
    return round(line["top"]), re.sub(r"\d+", "#", line["text"].strip())


def _is_heading(line: Line, body_size: float) -> bool:
    name, size = _font(line)
    bold_sans = "Sans" in name and "Bold" in name and size >= BOLD_SANS_HEADING_PT - 0.05
    return bold_sans or size >= body_size + LARGER_THAN_BODY_PT


def _short(text: str, limit: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


# ---------- The checks ----------

def _outside_printable_area(pages: list[_Page], margin: float) -> Iterator[Finding]:
    for page in pages:
        # The page as trimmed (TrimBox, inside the bleed when there is one), in pdfplumber's top-down terms.
        x0, top, x1, bottom = getattr(page.plumb, "trimbox", None) or page.plumb.bbox
        # A full-bleed cover reaches the edges by design, and may set a logo in the margin; but no glyph of
        # any page may cross the trimmed edge, where the trimmer clips it.
        limit = 0.0 if page.full_bleed else margin

        def nearest_edge(obj: dict) -> tuple[float, str]:
            return min((obj["x0"] - x0, "left"), (x1 - obj["x1"], "right"),
                       (obj["top"] - top, "top"), (bottom - obj["bottom"], "bottom"))

        def where(distance: float, edge: str) -> str:
            how = f"runs {-distance / MM:.1f} mm off" if distance < 0 else f"is {distance / MM:.1f} mm from"
            return f"{how} the {edge} edge of the page (keep {margin / MM:g} mm clear for printing)"

        close = [(nearest_edge(c), c) for c in page.plumb.chars if c["text"].strip()]
        close = [(gap, c) for gap, c in close if gap[0] < limit - 0.01]
        if close:  # one finding per page, naming the worst line
            gap, worst = min(close, key=lambda found: found[0][0])
            line = [c for c in page.plumb.chars if round(c["top"]) == round(worst["top"])]
            text = _short("".join(c["text"] for c in sorted(line, key=lambda c: c["x0"])))
            more = len({round(c["top"]) for _, c in close}) - 1
            yield page.finding("outside-printable-area", f"text '{text}' {where(*gap)}"
                                                         + f"; {more} more line{'s' * (more > 1)} too" * bool(more))
        for image in (i for i in page.plumb.images if not page.full_bleed and nearest_edge(i)[0] < margin - 0.01):
            size = f"{(image['x1'] - image['x0']) / MM:.0f} × {(image['bottom'] - image['top']) / MM:.0f} mm"
            yield page.finding("outside-printable-area", f"an image ({size}) {where(*nearest_edge(image))}")


def _fonts_not_embedded(pdf: pikepdf.Pdf, labels: list[str]) -> Iterator[Finding]:
    used_on: dict[str, list[int]] = defaultdict(list)
    for index, page in enumerate(pdf.pages):
        for font in sorted(set(_unembedded(page.obj.get("/Resources") or {}, set()))):
            used_on[font].append(index)
    for font, indexes in used_on.items():
        where = ", ".join(str(i + 1) for i in indexes[:8]) + (", …" if len(indexes) > 8 else "")
        yield Finding(indexes[0] + 1, labels[indexes[0]], "font-not-embedded",
                      f"font {font} is not embedded (used on page{'s' * (len(indexes) > 1)} {where})")


def _unembedded(resources: Any, visited: set[tuple[int, int]]) -> Iterator[str]:
    for font in (resources.get("/Font") or {}).values():
        kind = str(font.get("/Subtype", "/?"))[1:]
        described = font.DescendantFonts[0] if kind == "Type0" else font
        descriptor = described.get("/FontDescriptor") or {}
        if kind != "Type3" and not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            yield f"'{str(described.get('/BaseFont', font.get('/BaseFont', '/?')))[1:]}' ({kind})"
    for inner in [*(resources.get("/XObject") or {}).values(), *(resources.get("/Pattern") or {}).values()]:
        if "/Resources" in inner and inner.objgen not in visited:  # forms and patterns have fonts of their own
            visited.add(inner.objgen)
            yield from _unembedded(inner.Resources, visited)


def _headings_at_foot(pages: list[_Page], contents: set[int]) -> Iterator[Finding]:
    for page in (p for p in pages if p.lines and not p.full_bleed and p.number not in contents):
        lines = _above_footnotes(page)
        below = [image for image in page.plumb.images if image["top"] >= lines[-1]["bottom"]]
        if below or not _is_heading(lines[-1], page.body_size):
            continue
        heading = [lines[-1]]  # with the lines before it of a heading that runs over several
        for line in reversed(lines[:-1]):
            if _font(line) != _font(heading[0]) or heading[0]["top"] - line["bottom"] > line["bottom"] - line["top"]:
                break
            heading.insert(0, line)
        text = _short(" ".join(line["text"] for line in heading), 80)
        yield page.finding("heading-at-page-foot", f"heading '{text}' is the last line on the page")


def _above_footnotes(page: _Page) -> list[Line]:
    """The lines above the footnotes: a block of small text at the foot, set apart, opening with a note number."""
    lines, start = page.lines, len(page.lines)
    while start > 0 and _font(lines[start - 1])[1] < page.body_size - 0.1:
        start -= 1
    if 0 < start < len(lines) and NOTE.match(lines[start]["text"]):
        first, above = lines[start], lines[start - 1]
        if first["top"] - above["bottom"] >= 1.5 * (first["bottom"] - first["top"]):
            return lines[:start]
    return lines


def _blank_pages(pages: list[_Page]) -> Iterator[Finding]:
    for page in (p for p in pages if not (p.lines or p.plumb.images or p.full_bleed)):
        after = pages[page.number] if page.number < len(pages) else None
        if page.number % 2 == 0 and after is not None and _opens_chapter(after):
            continue  # a left-hand page left blank so that a chapter opens on a right-hand page
        if page.number == 2 and pages[0].full_bleed:
            continue  # the back of a printed cover, left blank as in a book
        yield page.finding("blank-page", "the page is blank" + " apart from its running head or foot" * page.running)


def _opens_chapter(page: _Page) -> bool:
    for line in page.lines:  # the headings at the top of the page, down to the first ordinary line
        if _font(line)[1] >= CHAPTER_TITLE_PT:
            return True
        if not _is_heading(line, page.body_size):
            return False
    return False


def _links(pdf: pikepdf.Pdf) -> list[list[_Link]]:
    """Every internal link on every page, and the page it leads to."""
    named: dict[str, Any] = {}
    if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
        named.update((str(k), v) for k, v in pikepdf.NameTree(pdf.Root.Names.Dests).items())
    named.update((str(k)[1:], v) for k, v in (pdf.Root.get("/Dests") or {}).items())
    index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    found: list[list[_Link]] = []
    for page in pdf.pages:
        found.append([])
        for annot in page.obj.get("/Annots") or []:
            action = annot.get("/A") or {}
            dest = annot.get("/Dest", action.get("/D") if action.get("/S") == "/GoTo" else None)
            if annot.get("/Subtype") != "/Link" or dest is None:
                continue
            what = "an explicit destination"
            if isinstance(dest, (pikepdf.String, pikepdf.Name)):
                what, dest = f"'{str(dest).removeprefix('/')}'", named.get(str(dest).removeprefix("/"))
            if isinstance(dest, pikepdf.Dictionary):
                dest = dest.get("/D")
            target = dest[0] if isinstance(dest, pikepdf.Array) and len(dest) else None
            where = index.get(target.objgen) if isinstance(target, pikepdf.Dictionary) else None
            xs, ys = sorted(float(v) for v in annot.Rect[::2]), sorted(float(v) for v in annot.Rect[1::2])
            top = float(page.mediabox[3])
            found[-1].append(_Link((xs[0], top - ys[1], xs[1], top - ys[0]), where, what))
    return found


def _contents_pages(pages: list[_Page]) -> set[int]:
    """Pages that open with a "Contents" heading, and the pages of entries that follow each."""
    found: set[int] = set()
    for page in (p for p in pages if p.lines):
        opens = CONTENTS.fullmatch(page.lines[0]["text"].strip()) is not None
        entries = sum(_contents_entry(line) is not None for line in page.lines)
        if opens or (page.number - 1 in found and entries * 2 >= len(page.lines)):
            found.add(page.number)
    return found


def _contents_entry(line: Line) -> tuple[str, str] | None:
    """(title, page number) of a contents line: "Title ..... 12", or the number set apart, flush right."""
    text = line["text"].strip()
    if (found := LEADER.match(text)) is not None:
        return found["title"], found["number"]
    found = FLUSH_RIGHT.match(text)
    ink = _ink(line)
    if found is None or len(ink) <= len(found["number"]):
        return None
    # Set apart: a gap of several letters' width between the title's end and the number.
    number_start, title_end = ink[-len(found["number"])], ink[-len(found["number"]) - 1]
    gap = number_start["x0"] - title_end["x1"]
    return (found["title"], found["number"]) if gap > 3 * number_start["size"] else None


# The word print_html puts after a contents entry whose chapter changed since the previous edition.
TOC_CHANGED_MARK = "changed"


def _toc_page_numbers(pages: list[_Page], contents: set[int], links: list[list[_Link]]) -> Iterator[Finding]:
    for page in (p for p in pages if p.number in contents):
        wrapped: list[str] = []  # the first lines of a title that runs over several lines
        for before, line in zip([None, *page.lines], page.lines):
            if before is None or line["top"] - before["bottom"] > line["bottom"] - line["top"]:
                wrapped = []  # a line set apart (after a heading or between entries) starts afresh
            entry = _contents_entry(line)
            if entry is None:
                wrapped.append(line["text"].strip())
                continue
            title, number, wrapped = " ".join([*wrapped, entry[0]]), entry[1], []
            title = title.removesuffix(f" {TOC_CHANGED_MARK}")  # a mark after the title, not part of it
            last = _ink(line)[-1]  # the page number: the link over it is the entry's link
            x, y = (last["x0"] + last["x1"]) / 2, (line["top"] + line["bottom"]) / 2
            link = next((k for k in links[page.number - 1] if k.target is not None
                         and k.box[0] <= x <= k.box[2] and k.box[1] <= y <= k.box[3]), None)
            target = pages[link.target] if link else next((p for p in pages if p.label == number), None)
            if target is None:
                problem = "which the document does not have"
            elif target.label != number:
                problem = f"but its link goes to page {target.label} (page {target.number} of the PDF)"
            elif _words(title) not in _words(" ".join(line["text"] for line in target.lines)):
                problem = "but that title is not on that page"
            else:
                continue
            yield page.finding("toc-page-number", f"contents entry '{_short(title)}' shows page {number}, {problem}")


def _words(text: str) -> str:
    """Letters and digits only, to compare titles across hyphenation, line breaks and punctuation."""
    return re.sub(r"[\W_]+", "", text.casefold())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m strategy.checks.audit",
                                     description="Check the layout of a PDF before it goes to print.")
    parser.add_argument("pdf", type=Path, help="the PDF to check")
    parser.add_argument("--margin-mm", type=float, default=10.0, help="printers' safe margin (default 10 mm)")
    args = parser.parse_args(argv)
    if not args.pdf.is_file():
        parser.error(f"no PDF at {args.pdf}")
    findings = audit_pdf(args.pdf, margin_mm=args.margin_mm)
    for finding in findings:
        print(finding)
    print(f"{len(findings) or 'No'} layout problem{'s' * (len(findings) != 1)} in {args.pdf}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
