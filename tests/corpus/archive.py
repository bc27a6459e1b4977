"""Tables an author may write by hand, as the PDF finisher meets them (issue 10: every header cell's /Scope).

The finisher walks WeasyPrint's structure elements to give each TH its Scope. Tables of only headers, headers
spanning columns and rows, a row header in a table nested in a cell, and an empty table must all build: the
walk must never end in an internal error. `tests/test_pdf_conformance.py` checks the Scopes themselves.
"""

from __future__ import annotations

from corpus import Case, appending

ODD_TABLES = """

<table><tr><th>Only</th><th>headers</th></tr></table>

<table><thead><tr><th colspan="2">Spanning</th><th rowspan="2">Tall</th></tr><tr><th>a</th><th>b</th></tr></thead>
<tbody><tr><td>1</td><td>2</td><td>3</td></tr></tbody></table>

<table><tr><td><table><tr><th scope="row">Inner</th><td>x</td></tr></table></td><td>y</td></tr></table>

<table></table>
"""

CASES = [
    Case("archive-odd-tables-build", "table-headers", appending("docs/way-forward.md", ODD_TABLES), "valid",
         command="build", seconds=300),
]
