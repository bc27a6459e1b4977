"""The PDF's parts joined into one PDF with pikepdf (parts.py renders them; see its docstring for the design):
pages, the structure tree, the parent tree, the named destinations, the outline, the page labels, and one
copy of each font program. In two steps (`MainMatter`): the main matter's parts while the front matter, which
goes last, still renders; then the front matter, put first."""

from __future__ import annotations

import io
import warnings
from collections.abc import Collection

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from .part_fonts import share_font_programs
from .parts import PART_LINK


def merge(parts: list[bytes], main_start: int, continued: Collection[int] = ()) -> bytes:
    """One PDF of the parts' PDFs, in order (the front matter's first): every part's pages, tags,
    destinations and bookmarks; page labels i, ii, … then 1, 2, … from page `main_start`. The parts numbered
    in `continued` continue the chapter of the part before (the register's): their bookmarks go under that
    chapter's, as the whole document nests them."""
    return MainMatter(parts[1:], [number - 1 for number in continued]).with_front(parts[0], main_start)


class MainMatter:
    """The merge in two steps: the main matter's parts, joined while the front matter still renders (it goes
    last: it prints every other part's page numbers); then the front matter, put first (`with_front`).

    The catalog, the XMP metadata and the document information are the first main part's (every part has
    the same head). The structure tree is one Document element whose kids are the parts', in order; the
    parent tree is numbered as WeasyPrint numbers it, pages first, then annotations, once the front matter's
    pages are in (`_numbered`). `continued`: the main parts, counted from 0, that continue the chapter of the
    part before."""

    def __init__(self, parts: list[bytes], continued: Collection[int] = ()) -> None:
        self.sources = [pikepdf.open(io.BytesIO(data)) for data in parts]
        self.out = self.sources[0]
        self.kids: list = []
        self.tree: list[tuple[pikepdf.Object, object]] = []  # (page or annotation, its parent-tree value)
        self.destinations: dict[str, object] = {}
        self.bookmarks: list[Dictionary] = []
        self.bookmark_count = 0
        for number, source in enumerate(self.sources):
            if number:
                with warnings.catch_warnings():  # the named destinations are merged here
                    warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                    self.out.pages.extend(source.pages)
            pages = list(self.out.pages)[len(self.out.pages) - len(source.pages):]
            self._add(source, pages, number == 0, number in continued)

    def _add(self, source: pikepdf.Pdf, pages: list, own: bool, continues: bool) -> None:
        """The part's tags, parent-tree values, destinations and bookmarks after those added before, its
        `pages` being in `out` (`own`: the part `out` is)."""
        kids, tree, destinations, items, count = self._pieces(source, pages, own)
        self.kids += kids
        self.tree += tree
        for name, value in destinations.items():
            self.destinations.setdefault(name, value)
        if continues and self.bookmarks:
            self.bookmark_count += _nested(self.bookmarks[-1], items, count)
        else:
            self.bookmarks += items
            self.bookmark_count += count

    def _pieces(self, source: pikepdf.Pdf, pages: list, own: bool) -> tuple:
        """The part's structure elements, parent-tree values (by the page or annotation that holds each),
        named destinations and top bookmarks with their count, as objects of `out`."""
        copy = (lambda o: o) if own else (lambda o: _copied(self.out, o))
        holders = {int(page.StructParents): page for page in pages}  # the part's parent-tree key -> its holder
        for page in pages:
            for annotation in page.get(Name.Annots, []):
                _link_across_parts(annotation)
                if Name.StructParent in annotation:
                    holders[int(annotation.StructParent)] = annotation
        nums = source.Root.StructTreeRoot.ParentTree.Nums
        tree = [(holders[int(nums[i])], copy(nums[i + 1])) for i in range(0, len(nums), 2)]
        kids = []
        for kid in source.Root.StructTreeRoot.K[0].K:  # their parent is the merged Document, not the part's
            if Name.P in kid:
                del kid[Name.P]
            kids.append(copy(kid))
        destinations: dict[str, object] = {}
        if Name.Names in source.Root and Name.Dests in source.Root.Names:
            names = source.Root.Names.Dests.Names
            for i in range(0, len(names), 2):
                destinations.setdefault(str(names[i]), copy(names[i + 1]))
        items, count = [], 0
        if Name.Outlines in source.Root and Name.First in source.Root.Outlines:
            items = [copy(item) for item in _top_bookmarks(source.Root.Outlines)]
            count = int(source.Root.Outlines.get(Name.Count, 0))
        return kids, tree, destinations, items, count

    def with_front(self, front: bytes, main_start: int) -> bytes:
        """The merged PDF: the front matter's part first, then the main matter's, page labels i, ii, … then
        1, 2, … from page `main_start`; saved with a deterministic /ID (the same parts, the same bytes)."""
        out = self.out
        source = pikepdf.open(io.BytesIO(front))
        main_pages = len(out.pages)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            for index, page in enumerate(source.pages):
                out.pages.insert(index, page)
        kids, tree, destinations, items, count = self._pieces(source, list(out.pages)[:len(out.pages) - main_pages],
                                                              False)
        self.kids, self.tree = [*kids, *self.kids], [*tree, *self.tree]
        self.destinations = {**self.destinations, **destinations}  # the first in the document holds a name
        self.bookmarks, self.bookmark_count = [*items, *self.bookmarks], self.bookmark_count + count
        self.sources.append(source)
        root = out.Root
        document = root.StructTreeRoot.K[0]
        for kid in self.kids:
            kid.P = document
        document.K = Array(self.kids)
        root.StructTreeRoot.ParentTree = out.make_indirect(Dictionary(Nums=Array(self._numbered())))
        if Name.Names in root:
            del root[Name.Names]
        if self.destinations:
            root.Names = Dictionary(Dests=Dictionary(Names=Array(
                [v for name in sorted(self.destinations) for v in (String(name), self.destinations[name])])))
        if Name.Outlines in root:
            del root[Name.Outlines]
        if self.bookmarks:
            _link_outline(out, self.bookmarks, self.bookmark_count)
        labels = Array([0, Dictionary(S=Name.r)])
        if main_start:
            labels.extend([main_start, Dictionary(S=Name.D)])
        root.PageLabels = Dictionary(Nums=labels)
        share_font_programs(out)
        buffer = io.BytesIO()
        out.save(buffer, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
        for part in self.sources:
            part.close()
        return buffer.getvalue()

    def _numbered(self) -> list:
        """Every page's and annotation's parent-tree key as WeasyPrint numbers them in one document (each page
        its index; then each tagged annotation in page order), and the parent tree's numbers."""
        pages = list(self.out.pages)
        for index, page in enumerate(pages):
            page.StructParents = index
        key = len(pages)
        for page in pages:
            for annotation in page.get(Name.Annots, []):
                if Name.StructParent in annotation:
                    annotation.StructParent = key
                    key += 1
        numbered = sorted(((int(holder.get(Name.StructParents, holder.get(Name.StructParent))), value)
                           for holder, value in self.tree), key=lambda kv: kv[0])
        return [v for key_value in numbered for v in key_value]


def _copied(out: pikepdf.Pdf, value):
    """A part's object in the merged PDF (objects copied once: a page and a reference to it stay one)."""
    if isinstance(value, (Array, Dictionary)) and not value.is_indirect:
        if isinstance(value, Array):
            return Array([_copied(out, item) for item in value])
        return Dictionary({key: _copied(out, item) for key, item in value.items()})
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return out.copy_foreign(value)
    return value


def _link_across_parts(annotation: Dictionary) -> None:
    """A part's link into another part (PART_LINK) as WeasyPrint writes a link inside the document."""
    action = annotation.get(Name.A)
    if action is None or Name.URI not in action or not str(action.URI).startswith(PART_LINK):
        return
    target = str(action.URI)[len(PART_LINK):]
    del annotation[Name.A]
    annotation.Dest = String(target)
    annotation.Contents = String(target)


def _top_bookmarks(outlines: Dictionary) -> list[Dictionary]:
    items, item = [], outlines.First
    while True:
        items.append(item)
        if Name.Next not in item:
            return items
        item = item.Next


def _nested(parent: Dictionary, items: list[Dictionary], count: int) -> int:
    """A continuing part's top bookmarks (`count` of them with their open descendants) as the last children
    of `parent`; how many more the outline counts (none under a closed parent), as WeasyPrint counts them."""
    last = parent.get(Name.Last)
    for item in items:
        item.Parent = parent
        for key in (Name.Prev, Name.Next):
            if key in item:
                del item[key]
        if last is None:
            parent.First = item
        else:
            item.Prev = last
            last.Next = item
        last = item
    parent.Last = last
    opened = int(parent.get(Name.Count, 0)) >= 0
    parent.Count = int(parent.get(Name.Count, 0)) + (count if opened else -count)
    return count if opened else 0


def _link_outline(out: pikepdf.Pdf, items: list[Dictionary], count: int) -> None:
    """The parts' top-level bookmarks as one outline, in order."""
    outlines = out.make_indirect(Dictionary(Count=count, First=items[0], Last=items[-1]))
    for previous, item in zip([None, *items], items):
        item.Parent = outlines
        if Name.Prev in item:
            del item[Name.Prev]
        if Name.Next in item:
            del item[Name.Next]
        if previous is not None:
            item.Prev = previous
            previous.Next = item
    out.Root.Outlines = outlines
