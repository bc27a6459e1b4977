"""Layout audit of a finished PDF: what a publications officer checks before it goes to print.

    python -m strategy.publish.audit site/spf-flagship-phase-iii-strategy.pdf

prints one line per problem and exits 1 if there is any (0 when the PDF is clean). The checks
rely on general rules (page geometry, fonts, links, the PDF's own structure), not on today's
stylesheet, so they keep working when print.css changes.

Running heads and feet (the margin boxes) are told apart from the text body by the PDF's tags
when it is tagged (WeasyPrint leaves margin boxes out of the structure tree); in an untagged PDF,
by position: the outermost lines in the top or bottom 15 % of the page that are a page number or
repeat at the same place on another page.
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
CHAPTER_TITLE_PT = 18.0      # a line this big starts a chapter
BOLD_SANS_HEADING_PT = 10.5  # bold sans text this big is a heading
LARGER_THAN_BODY_PT = 0.75   # text this much bigger than the body text is a heading
OUTER_BAND = 0.15            # untagged PDFs: share of the page height searched for running heads/feet
LEADER = re.compile(r"^(?P<title>.*?)\s*(?:[.·…]\s*){3,}(?P<number>[\w-]+)$")  # "Title ..... 12"
CONTENTS = re.compile(r"(table of )?contents", re.IGNORECASE)
PAGE_NUMBER = re.compile(r"(page\s*)?(\d+|[ivxlcdm]+)(\s*(of|/)\s*\d+)?", re.IGNORECASE)

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
    plumb: Any                 # the pdfplumber page
    all_lines: list[Line]      # every text line, top to bottom
    lines: list[Line]          # the body: without running heads and feet
    body_size: float
    full_bleed: bool           # the whole page is a coloured background (a cover)

    def finding(self, check: str, message: str) -> Finding:
        return Finding(self.number, self.label, check, message)


@dataclass
class _Link:
    box: tuple[float, float, float, float]  # x0, top, x1, bottom, as pdfplumber measures
    target: int | None                      # 0-based page index, None if it goes nowhere
    what: str


def audit_pdf(pdf_path: Path, *, margin_mm: float = 10.0) -> list[Finding]:
    """Every layout problem found in the PDF, in page order."""
    with pikepdf.open(pdf_path) as pdf, pdfplumber.open(pdf_path) as plumb:
        labels = [page.label for page in pdf.pages]
        links = _links(pdf)
        pages = _pages(plumb, labels, _tagged_content(pdf))
        contents = _contents_pages(pages)
        findings = [*_outside_printable_area(pages, margin_mm * MM), *_fonts_not_embedded(pdf, labels),
                    *_headings_at_foot(pages, contents), *_blank_pages(pages),
                    *_broken_links(pages, links), *_toc_page_numbers(pages, contents, links)]
    return sorted(set(findings))


# ---------- Reading the pages ----------

def _pages(plumb: Any, labels: list[str], tagged: dict[int, set[int]] | None) -> list[_Page]:
    raw = [(page, [line for line in page.extract_text_lines(return_chars=True) if _ink(line)])
           for page in plumb.pages]
    sizes = Counter(round(c["size"], 1) for page, _ in raw for c in page.chars if c["text"].strip())
    doc_body = sizes.most_common(1)[0][0] if sizes else 0.0
    # Untagged PDFs: a running head or foot repeats at the same place with the same words (numbers aside).
    seen = Counter(key for _, lines in raw for key in {_place(line) for line in lines})
    pages = []
    for index, (page, lines) in enumerate(raw):
        if tagged is not None:
            mcids = tagged.get(page.page_obj.pageid, set())
            running = {i for i, line in enumerate(lines)
                       if sum(c.get("mcid") not in mcids for c in _ink(line)) * 2 > len(_ink(line))}
        else:
            running = _running_by_position(lines, page.height, labels[index], seen, doc_body)
        body = [line for i, line in enumerate(lines) if i not in running]
        page_sizes = Counter(round(c["size"], 1) for c in page.chars if c["text"].strip())
        body_size = max(page_sizes.most_common(1)[0][0] if page_sizes else 0.0, doc_body)
        pages.append(_Page(index + 1, labels[index], page, lines, body, body_size, _full_bleed(page)))
    return pages


def _running_by_position(lines: list[Line], height: float, label: str, seen: Counter, body: float) -> set[int]:
    """The outermost lines of the top and bottom bands that are a page number, or smaller than body text
    and repeated on another page; set apart from the body by a gap at least as tall as themselves."""
    running: set[int] = set()
    for step, start in ((1, 0), (-1, len(lines) - 1)):  # from the top down, then from the bottom up
        i = start
        while 0 <= i < len(lines) and i not in running:
            line, text = lines[i], lines[i]["text"].strip()
            inner = lines[i + step] if 0 <= i + step < len(lines) else None
            gap = abs(inner["top"] - line["bottom"] if step > 0 else line["top"] - inner["bottom"]) if inner else 1e9
            in_band = line["bottom"] <= OUTER_BAND * height or line["top"] >= (1 - OUTER_BAND) * height
            repeated = seen[_place(line)] > 1 and _font(line)[1] < body
            marks = text == label or PAGE_NUMBER.fullmatch(text) or repeated
            if not (in_band and marks and gap >= line["bottom"] - line["top"]):
                break
            running.add(i)
            i += step
    return running


def _place(line: Line) -> tuple[int, str]:
    return round(line["top"]), re.sub(r"\d+", "#", line["text"].strip())


def _tagged_content(pdf: pikepdf.Pdf) -> dict[int, set[int]] | None:
    """Marked-content ids in the structure tree, by page object number; None if the PDF is untagged."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return None
    found: dict[int, set[int]] = defaultdict(set)
    stack: list[tuple[Any, Any]] = [(root.get("/K"), None)]
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


def _ink(line: Line) -> list[dict]:
    return [c for c in line["chars"] if c["text"].strip()]


def _font(line: Line) -> tuple[str, float]:
    """The line's main font name and size."""
    return Counter((c["fontname"], round(c["size"], 1)) for c in _ink(line)).most_common(1)[0][0]


def _is_heading(line: Line, body_size: float) -> bool:
    name, size = _font(line)
    bold_sans = "Sans" in name and "Bold" in name and size >= BOLD_SANS_HEADING_PT - 0.05
    return bold_sans or size >= body_size + LARGER_THAN_BODY_PT


def _full_bleed(page: Any) -> bool:
    x0, top, x1, bottom = page.bbox
    return any(r["fill"] and not _white(r["non_stroking_color"]) and r["x0"] <= x0 + 1 and r["top"] <= top + 1
               and r["x1"] >= x1 - 1 and r["bottom"] >= bottom - 1 for r in page.rects)


def _white(color: Any) -> bool:
    if not isinstance(color, (tuple, list)) or not all(isinstance(v, (int, float)) for v in color):
        return False
    return all(v <= 0.01 for v in color) if len(color) == 4 else all(v >= 0.99 for v in color)


def _short(text: str, limit: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _normal(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


# ---------- The checks ----------

def _outside_printable_area(pages: list[_Page], margin: float) -> Iterator[Finding]:
    for page in pages:
        if page.full_bleed:
            continue  # a designed full-bleed page (the cover) is meant to reach the edges
        x0, top, x1, bottom = page.plumb.bbox

        def gap(box: dict) -> tuple[float, str]:  # distance to the nearest page edge
            return min((box["x0"] - x0, "left"), (x1 - box["x1"], "right"),
                       (box["top"] - top, "top"), (bottom - box["bottom"], "bottom"))

        items = [(f"text '{_short(line['text'])}'", min(gap(c) for c in _ink(line))) for line in page.all_lines]
        items += [(f"image '{image.get('name', '')}' ({(image['x1'] - image['x0']) / MM:.0f} × "
                   f"{(image['bottom'] - image['top']) / MM:.0f} mm)", gap(image)) for image in page.plumb.images]
        for what, (distance, edge) in items:
            if distance < margin - 0.01:
                where = (f"runs {-distance / MM:.1f} mm off the {edge} edge of the page" if distance < 0 else
                         f"is {distance / MM:.1f} mm from the {edge} edge of the page")
                yield page.finding("outside-printable-area",
                                   f"{what} {where} (keep {margin / MM:g} mm clear for printing)")


def _fonts_not_embedded(pdf: pikepdf.Pdf, labels: list[str]) -> Iterator[Finding]:
    pages_by_font: dict[str, list[int]] = defaultdict(list)
    for index, page in enumerate(pdf.pages):
        for font in sorted(set(_unembedded(_resources(page.obj), set()))):
            pages_by_font[font].append(index)
    for font, indexes in pages_by_font.items():
        where = ", ".join(str(i + 1) for i in indexes[:8]) + (", …" if len(indexes) > 8 else "")
        yield Finding(indexes[0] + 1, labels[indexes[0]], "font-not-embedded",
                      f"font {font} is not embedded (used on page{'s' * (len(indexes) > 1)} {where})")


def _resources(page: Any) -> Any:
    while page is not None and "/Resources" not in page:
        page = page.get("/Parent")  # resources may be inherited from the page tree
    return page.Resources if page is not None else pikepdf.Dictionary()


def _unembedded(resources: Any, visited: set[tuple[int, int]]) -> Iterator[str]:
    for font in (resources.get("/Font") or {}).values():
        kind = str(font.get("/Subtype", "/?"))[1:]
        described = font.DescendantFonts[0] if kind == "Type0" else font
        descriptor = described.get("/FontDescriptor") or {}
        if kind != "Type3" and not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            yield f"'{str(described.get('/BaseFont', font.get('/BaseFont', '/?')))[1:]}' ({kind})"
    # Forms and tiling patterns carry their own resources, fonts included.
    for inner in [*(resources.get("/XObject") or {}).values(), *(resources.get("/Pattern") or {}).values()]:
        if "/Resources" in inner and inner.objgen not in visited:
            visited.add(inner.objgen)
            yield from _unembedded(inner.Resources, visited)


def _headings_at_foot(pages: list[_Page], contents: set[int]) -> Iterator[Finding]:
    for page in pages:
        if not page.lines or page.full_bleed or page.number in contents:
            continue
        last = page.lines[-1]
        below = [image for image in page.plumb.images if image["top"] >= last["bottom"]]
        if _is_heading(last, page.body_size) and not below:
            yield page.finding("heading-at-page-foot",
                               f"heading '{_short(last['text'])}' is the last line on the page")


def _blank_pages(pages: list[_Page]) -> Iterator[Finding]:
    for page in pages:
        if page.lines or page.plumb.images or page.full_bleed:
            continue
        after = pages[page.number] if page.number < len(pages) else None
        if page.number % 2 == 0 and after is not None and _starts_chapter(after):
            continue  # the left-hand page left blank so that a chapter starts on the right
        yield page.finding("blank-page", "the page is blank" + (" (apart from its running head or foot)"
                                                               if page.all_lines else ""))


def _starts_chapter(page: _Page) -> bool:
    for line in page.lines:  # the headings at the top of the page, down to the first ordinary line
        if _font(line)[1] >= CHAPTER_TITLE_PT:
            return True
        if not _is_heading(line, page.body_size):
            return False
    return False


def _links(pdf: pikepdf.Pdf) -> list[list[_Link]]:
    """Every internal link of every page, and the page it leads to."""
    named: dict[str, Any] = {}
    if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
        named.update((str(k), v) for k, v in pikepdf.NameTree(pdf.Root.Names.Dests).items())
    named.update((str(k)[1:], v) for k, v in (pdf.Root.get("/Dests") or {}).items())
    index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    found: list[list[_Link]] = []
    for page in pdf.pages:
        top = float(page.mediabox[3])
        found.append([])
        for annot in page.obj.get("/Annots") or []:
            action = annot.get("/A") or {}
            dest = annot.get("/Dest", action.get("/D") if action.get("/S") == "/GoTo" else None)
            if annot.get("/Subtype") != "/Link" or dest is None:
                continue
            what = f"'{str(dest).removeprefix('/')}'" if isinstance(dest, (pikepdf.String, pikepdf.Name)) else "an explicit destination"
            if isinstance(dest, (pikepdf.String, pikepdf.Name)):
                dest = named.get(str(dest).removeprefix("/"))
            if isinstance(dest, pikepdf.Dictionary):
                dest = dest.get("/D")
            target = dest[0] if isinstance(dest, pikepdf.Array) and len(dest) else None
            where = index.get(target.objgen) if isinstance(target, pikepdf.Dictionary) else None
            xs, ys = sorted(float(v) for v in annot.Rect[::2]), sorted(float(v) for v in annot.Rect[1::2])
            found[-1].append(_Link((xs[0], top - ys[1], xs[1], top - ys[0]), where, what))
    return found


def _broken_links(pages: list[_Page], links: list[list[_Link]]) -> Iterator[Finding]:
    for page, page_links in zip(pages, links):
        for link in page_links:
            if link.target is None:
                yield page.finding("broken-link", f"the link to {link.what} leads to no page of this document")


def _contents_pages(pages: list[_Page]) -> set[int]:
    """Pages that start with a "Contents" heading, and the pages of entries that follow each."""
    found: set[int] = set()
    for page in pages:
        starts = bool(page.lines) and CONTENTS.fullmatch(page.lines[0]["text"].strip()) is not None
        entries = sum(LEADER.match(line["text"].strip()) is not None for line in page.lines)
        if starts or (page.number - 1 in found and page.lines and entries * 2 >= len(page.lines)):
            found.add(page.number)
    return found


def _toc_page_numbers(pages: list[_Page], contents: set[int], links: list[list[_Link]]) -> Iterator[Finding]:
    for page in (p for p in pages if p.number in contents):
        pending: list[str] = []  # the first lines of a title that wraps
        for line in page.lines:
            text, entry = line["text"].strip(), LEADER.match(line["text"].strip())
            if entry is None:
                pending = [] if CONTENTS.fullmatch(text) else [*pending, text]
                continue
            title, number, pending = " ".join([*pending, entry["title"]]), entry["number"], []
            last = _ink(line)[-1]
            x, y = (last["x0"] + last["x1"]) / 2, (line["top"] + line["bottom"]) / 2
            link = next((k for k in links[page.number - 1]
                         if k.box[0] <= x <= k.box[2] and k.box[1] <= y <= k.box[3] and k.target is not None), None)
            if link is not None and pages[link.target].label != number:
                yield page.finding("toc-page-number", f"contents entry '{_short(title)}' shows page {number}, but its "
                                   f"link goes to page {pages[link.target].label} (page {link.target + 1} of the PDF)")
            target = pages[link.target] if link is not None else next((p for p in pages if p.label == number), None)
            if target is None:
                yield page.finding("toc-page-number", f"contents entry '{_short(title)}' shows page {number}, "
                                   "which the document does not have")
            elif _normal(title) not in _normal(" ".join(line["text"] for line in target.lines)):
                yield page.finding("toc-page-number", f"contents entry '{_short(title)}' points to page "
                                   f"{target.label}, but that title is not on it")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m strategy.publish.audit",
                                     description="Check a PDF's layout before it goes to print.")
    parser.add_argument("pdf", type=Path, help="the PDF to check")
    parser.add_argument("--margin-mm", type=float, default=10.0, help="printers' safe margin (default 10 mm)")
    args = parser.parse_args(argv)
    if not args.pdf.is_file():
        print(f"No PDF at {args.pdf}", file=sys.stderr)
        return 2
    findings = audit_pdf(args.pdf, margin_mm=args.margin_mm)
    for finding in findings:
        print(finding)
    print(f"{len(findings)} layout problem{'s' * (len(findings) != 1)} in {args.pdf}" if findings
          else f"No layout problems in {args.pdf}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
