"""A reviewer's comment matrix (Excel or CSV: a row per comment) -> feedback records.

Matrices come in every layout: a title block above the header, columns in any order, headers in English,
French or Spanish, pre-numbered empty rows at the end. The header row is the first of the first 20 rows of a
sheet that has a comment column; columns are recognised by their header, whatever the case, accents, spacing
and punctuation, from a few synonyms each. Columns the record has no field for (page, line, type of comment)
are named in the command's output as not read.

A matrix is one reviewer's document: if any row is wrong (a comment missing where the row has other cells, a
paragraph that is no paragraph number), every such row is reported with its number and column and nothing is
written. Fix the matrix and import it again.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..inputs.records import Consent, FeedbackChannel, Publication
from ..problems import Problem, ProblemsFound, shown
from .feedback import FeedbackResult, add_feedback, partner_problem
from .spreadsheets import Row, Sheet, cell_text, read_sheets

HEADER_ROWS = 20  # how far down a sheet the header row may be (below a title block)

# Header names as `_key` writes them: lower case, no accents, words separated by one space.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "paragraph": ("paragraph", "paragraphs", "para", "para no", "para nr", "para number", "paragraph no",
                  "paragraph nr", "paragraph number", "par", "par no", "paragraphe", "no de paragraphe",
                  "n de paragraphe", "numero de paragraphe", "parrafo", "parrafos", "no de parrafo",
                  "n de parrafo", "numero de parrafo"),
    "section": ("section", "sections", "chapter", "chapter section", "section chapter", "heading", "part",
                "chapitre", "partie", "titre", "seccion", "capitulo", "apartado", "titulo"),
    "quoted": ("quoted text", "quote", "original text", "current text", "existing text", "draft text", "text",
               "text commented on", "texte", "texte actuel", "texte original", "texte cite", "texte existant",
               "texto", "texto actual", "texto original", "texto citado", "texto existente"),
    "comment": ("comment", "comments", "remark", "remarks", "observation", "observations", "commentaire",
                "commentaires", "remarque", "remarques", "comentario", "comentarios", "observacion",
                "observaciones"),
    "proposed_text": ("proposed text", "proposed change", "proposed changes", "suggested text",
                      "suggested change", "suggested changes", "proposed revision", "proposed wording",
                      "suggested wording", "proposal", "texte propose", "modification proposee",
                      "modifications proposees", "proposition", "proposition de texte", "texte suggere",
                      "texto propuesto", "cambio propuesto", "cambios propuestos", "propuesta",
                      "modificacion propuesta", "redaccion propuesta"),
}
COLUMN_TITLES = {"paragraph": "Paragraph", "section": "Section", "quoted": "Quoted text", "comment": "Comment",
                 "proposed_text": "Proposed text"}
# A paragraph cell that says the comment is on no paragraph in particular.
GENERAL = {"general", "general comment", "general comments", "overall", "all", "global", "n a", "na", "",
           "generale", "generales", "commentaire general", "en general", "todo", "todos", "comentario general"}
# "12", "3.12", "para 12", "§ 12", "párrafo 3.12", "12."
_PARAGRAPH = re.compile(r"^(?:[a-z. ]*?)\s*([0-9]{1,4}(?:\.[0-9]{1,4})?)\.?$")


@dataclass(frozen=True)
class Matrix:
    sheet: str | None
    header_row: int
    columns: dict[str, str]  # field -> the header as the matrix writes it
    unread: list[str]  # headers of columns no field takes
    comments: list[dict[str, Any]] = field(default_factory=list)  # for add_feedback, each with its `line`


def import_comment_matrix(project_root: Path, publication: Publication, path: Path, shown_as: str,
                          reviewer: str, consent: Consent | None, edition: str | None,
                          received: dt.date | None) -> tuple[FeedbackResult, Matrix]:
    """Read the matrix, then add its comments to the reviewer's feedback file (nothing if any row is bad)."""
    partner_problem(project_root / publication.inputs_folder, project_root, reviewer, "--reviewer")
    matrix = read_matrix(path, shown_as)
    result = add_feedback(project_root, publication, reviewer, consent, FeedbackChannel.COMMENT_MATRIX,
                          path.name, matrix.comments, received=received, edition=edition, source_shown=shown_as)
    return result, matrix


def read_matrix(path: Path, shown_as: str) -> Matrix:
    sheets = read_sheets(path, shown_as)
    for sheet in sheets:
        if (found := _header(sheet)) is not None:
            row, columns = found
            return _comments(sheet, row, columns, shown_as if len(sheets) == 1 else f"{shown_as}, sheet {sheet.name}")
    first = next((r for s in sheets for r in s.rows if not r.is_empty()), None)
    seen = ", ".join(f"'{cell_text(v)}'" for v in first.values if cell_text(v)) if first else "no cells"
    raise ProblemsFound([Problem(shown_as, first.number if first else None, None,
                                 f"a header row with a comment column ('Comment', 'Commentaire', 'Comentario'…) "
                                 f"in the first {HEADER_ROWS} rows of a sheet", shown(seen, 160))])


def _key(text: str) -> str:
    text = text.replace("§", " para ").replace("°", " ").replace("º", " ")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return " ".join(re.sub(r"[^a-z0-9.]+", " ", text).replace(".", " ").split())


def _header(sheet: Sheet) -> tuple[Row, dict[str, int]] | None:
    """The first row with a comment column and another known one; failing that, the first whose only known
    column is headed exactly "Comment" (or a synonym). A title above the header ("Comments on Draft 1") is
    neither."""
    alone = None
    for row in sheet.rows[:HEADER_ROWS]:
        if row.number > HEADER_ROWS:
            break
        keys = [_key(cell_text(v)) for v in row.values]
        columns = _columns(keys)
        if "comment" in columns and len(columns) > 1:
            return row, columns
        if alone is None and "comment" in columns and keys[columns["comment"]] in SYNONYMS["comment"]:
            alone = row, columns
    return alone


def _columns(keys: list[str]) -> dict[str, int]:
    """Field -> column index: an exact synonym first; otherwise a header that begins with one ("Comment
    (please be specific)"), when only one does."""
    columns: dict[str, int] = {}
    taken: set[int] = set()
    for name, synonyms in SYNONYMS.items():
        exact = [i for i, k in enumerate(keys) if k in synonyms and i not in taken]
        if exact:
            columns[name] = exact[0]
            taken.add(exact[0])
    for name, synonyms in SYNONYMS.items():
        if name in columns:
            continue
        begins = [i for i, k in enumerate(keys) if i not in taken and any(k.startswith(s + " ") for s in synonyms)]
        if len(begins) == 1:
            columns[name] = begins[0]
            taken.add(begins[0])
    return columns


def _comments(sheet: Sheet, header: Row, columns: dict[str, int], shown_as: str) -> Matrix:
    headers = {name: cell_text(header.values[i]) for name, i in columns.items()}
    unread = [cell_text(v) for i, v in enumerate(header.values) if i not in columns.values() and cell_text(v)]
    where = shown_as
    comments: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for row in sheet.rows:
        if row.number <= header.number:
            continue
        cells = {name: row.values[i] if i < len(row.values) else None for name, i in columns.items()}
        texts = {name: cell_text(value) for name, value in cells.items()}
        if not any(texts.values()):
            continue  # an empty row, or one of a template's pre-numbered rows
        found = {name: text for name, text in texts.items() if name not in ("comment", "paragraph") and text}
        if not texts.get("comment"):
            problems.append(Problem(where, row.number, headers["comment"],
                                    "a comment in every row that has other cells", "an empty cell"))
        paragraph = _paragraph(cells.get("paragraph"))
        if paragraph is False:
            problems.append(Problem(where, row.number, headers["paragraph"],
                                    "one paragraph number, such as 12 or 3.12 (for a range, its first paragraph; "
                                    "for a general comment, an empty cell or 'General')",
                                    shown(texts["paragraph"])))
        comments.append({"line": row.number, "comment": texts.get("comment"),
                         "paragraph": paragraph or None, **found})
    if problems:
        raise ProblemsFound(problems)
    if not comments:
        raise ProblemsFound([Problem(where, header.number, None, "at least one comment under the header row",
                                     "none")])
    return Matrix(sheet.name, header.number, headers, unread, comments)


def _paragraph(value: Any) -> str | None | bool:
    """The paragraph number a cell gives; None for none; False for a cell that is no paragraph number.

    A number typed into Excel is a number: 3.10 arrives as 3.1, and is read so (type "3.10" as text to keep
    it, which is what the matrices the build makes do)."""
    text = cell_text(value)
    if not text or _key(text) in GENERAL:
        return None
    if isinstance(value, bool):
        return False
    match = _PARAGRAPH.match(_key_keeping_dots(text))
    return match[1] if match else False


def _key_keeping_dots(text: str) -> str:
    text = text.replace("§", " para ").replace("°", " ").replace("º", " ")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return " ".join(re.sub(r"[^a-z0-9.]+", " ", text).split())
