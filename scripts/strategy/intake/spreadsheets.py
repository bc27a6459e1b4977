"""A spreadsheet someone sent (an XLSX workbook or a CSV file) -> its rows of cell values, each with its number.

Form exports and comment matrices come from outside the team, so the file is treated as hostile: it is read
through `inputs.sources.read_bytes` (a regular file of at most 2 MiB, never a FIFO or a device), an XLSX is
opened only after its zip directory says it unpacks to a bounded size, and openpyxl parses it in read-only
mode with defusedxml (no entity expansion). Rows and columns are capped: reading stops with a problem at the
first row past either cap, so a sheet with a cell in column XFD or row 1,048,576 costs next to nothing.

Row numbers are the ones a spreadsheet program shows: in an XLSX the sheet's own row numbers, in a CSV the
record's position counting the header as row 1 (a cell with line breaks does not shift them).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..inputs.sources import read_bytes, read_text
from ..problems import Problem, ProblemsFound

MAX_ROWS = 5_000  # a consultation has tens of responses and a matrix hundreds of comments, not thousands
MAX_COLUMNS = 300  # a long form exports a column per question; Microsoft Forms adds six of its own
MAX_UNPACKED_BYTES = 64 * 2**20  # what the whole XLSX package may unpack to (a 2 MiB file rarely exceeds 30 MiB)
MAX_ZIP_ENTRIES = 2_000
SUFFIXES = (".xlsx", ".csv")

Value = str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet program shows it
    values: tuple[Value, ...]

    def is_empty(self) -> bool:
        return all(cell_text(v) == "" for v in self.values)


@dataclass(frozen=True)
class Sheet:
    name: str | None  # the worksheet's name; None for a CSV file
    rows: list[Row]


def read_sheets(path: Path, shown_as: str) -> list[Sheet]:
    """Every worksheet of an XLSX file, or the one table of a CSV file; ProblemsFound if it cannot be read."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        hint = " (save it as .xlsx or as CSV)" if suffix in (".xls", ".xlsm", ".xlsb", ".ods", ".numbers") else ""
        raise ProblemsFound([Problem(shown_as, None, None, f"an .xlsx or .csv file{hint}",
                                     f"a file named {path.name}")])
    if suffix == ".csv":
        return [_csv_sheet(path, shown_as)]
    raw, problems = read_bytes(path, shown_as)
    if raw is None:
        raise ProblemsFound(problems)
    return _xlsx_sheets(raw, shown_as)


def cell_text(value: Value) -> str:
    """A cell as text, as the spreadsheet shows it: 12.0 is "12", a date "2025-02-18", spaces trimmed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds").removesuffix(" 00:00:00")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    # A line break in a cell may come as "\r\n" (Windows exports); the YAML keeps "\n".
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _csv_sheet(path: Path, shown_as: str) -> Sheet:
    text, problems = read_text(path, shown_as, legacy_encoding="cp1252")
    if text is None:
        raise ProblemsFound(problems)
    first = text.split("\n", 1)[0]
    # KoboToolbox exports with ";" by default, Excel in many European locales too; tabs from some tools.
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[Row] = []
    try:
        for number, cells in enumerate(reader, start=1):
            _check_size(shown_as, number, len(cells))
            rows.append(Row(number, tuple(c.strip() or None for c in cells)))
    except csv.Error as err:
        raise ProblemsFound([Problem(shown_as, len(rows) + 1, None, "well-formed CSV", str(err))]) from None
    return Sheet(None, rows)


def _xlsx_sheets(raw: bytes, shown_as: str) -> list[Sheet]:
    import openpyxl  # only the importers need it

    _check_package(raw, shown_as)
    try:
        with warnings.catch_warnings():  # "no default style" and the like: nothing the author can act on
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True, keep_links=False)
            try:
                return [Sheet(sheet.title, _xlsx_rows(sheet, shown_as)) for sheet in book.worksheets]
            finally:
                book.close()
    except ProblemsFound:
        raise
    except Exception as err:  # openpyxl raises many kinds for a damaged part (KeyError, ValueError, XML errors)
        raise ProblemsFound([Problem(shown_as, None, None, "an Excel workbook that can be read",
                                     f"a damaged workbook ({type(err).__name__}: {str(err)[:120]})")]) from None


def _xlsx_rows(sheet, shown_as: str) -> list[Row]:
    rows: list[Row] = []
    # The sheet's declared dimension is not trusted: it may stop short of the real last row (rows silently
    # lost) or claim 16,384 columns (each row padded to them). Without it, each row is as long as its last
    # cell, and the first row past a cap stops the reading.
    sheet.reset_dimensions()
    cells = sheet.iter_rows(min_row=1, max_row=MAX_ROWS + 1, values_only=True)
    for number, values in enumerate(cells, start=1):
        values = tuple(values)
        while values and cell_text(values[-1]) == "":
            values = values[:-1]
        if values:
            _check_size(f"{shown_as}, sheet {sheet.title}", number, len(values))
            rows.append(Row(number, values))
    return rows


def _check_size(shown_as: str, row: int, columns: int) -> None:
    if row > MAX_ROWS:
        raise ProblemsFound([Problem(shown_as, row, None, f"at most {MAX_ROWS:,} rows", "more rows")])
    if columns > MAX_COLUMNS:
        raise ProblemsFound([Problem(shown_as, row, None, f"at most {MAX_COLUMNS} columns",
                                     f"a cell past column {MAX_COLUMNS}")])


def _check_package(raw: bytes, shown_as: str) -> None:
    """Refuse what is no XLSX package, or one that would unpack to far more than any real workbook."""
    try:
        package = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        found = ("an encrypted (password-protected) or old-format (.xls) workbook"
                 if raw.startswith(b"\xd0\xcf\x11\xe0") else "a file that is not a zip package")
        raise ProblemsFound([Problem(shown_as, None, None, "an Excel workbook (.xlsx)", found)]) from None
    entries = package.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        raise ProblemsFound([Problem(shown_as, None, None, f"a workbook of at most {MAX_ZIP_ENTRIES:,} parts",
                                     f"{len(entries):,} parts")])
    # zipfile stops reading each part at the size its entry declares, so the declared sizes bound the work.
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ProblemsFound([Problem(shown_as, None, None,
                                     f"a workbook that unpacks to at most {MAX_UNPACKED_BYTES // 2**20} MiB",
                                     f"parts that unpack to {unpacked // 2**20:,} MiB (a zip bomb?)")])
    if not any(name.endswith("workbook.xml") for name in package.namelist()):
        raise ProblemsFound([Problem(shown_as, None, None, "an Excel workbook (.xlsx)",
                                     "a zip package without xl/workbook.xml (a Word or other Office file?)")])
