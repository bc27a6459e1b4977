"""Reading input files into plain data that remembers where each value came from.

YAML is composed node by node so that every value keeps its line, duplicate
keys are caught (PyYAML silently keeps the last one) and aliases are refused
(they make "billion laughs" bombs possible and no input needs them). CSV rows
keep their line numbers too. Nothing here knows about the schema.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..problems import Problem

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 30

Path_ = tuple[str | int, ...]


@dataclass
class SourceData:
    """Plain data read from one file, with the line of each value."""

    file: str
    data: Any = None
    lines: dict[Path_, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line_of(self, path: Path_) -> int | None:
        """The line of a value, or of the nearest enclosing value that has one."""
        path = tuple(path)
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


def read_text(path: Path, shown_as: str, legacy_encoding: str | None = None) -> tuple[str | None, list[Problem]]:
    """A file's text, or the problem that stops it being read.

    UTF-8 (with or without BOM) and UTF-16 with a BOM are read; `legacy_encoding` (Windows-1252 for CSV,
    as Excel exports it) is tried when the bytes are not UTF-8.
    """
    try:
        raw = path.read_bytes()
    except OSError as err:
        return None, [Problem(shown_as, None, None, "a readable file", err.strerror or str(err))]
    if len(raw) > MAX_FILE_BYTES:
        return None, [Problem(shown_as, None, None, f"a file of at most {MAX_FILE_BYTES // 1024} KiB",
                              f"{len(raw) // 1024} KiB")]
    utf16 = raw.startswith((b"\xff\xfe", b"\xfe\xff"))
    if b"\x00" in raw[:8192] and not utf16:
        return None, [Problem(shown_as, None, None, "a text file", "binary content")]
    encoding = "utf-16" if utf16 else "utf-8-sig"
    try:
        return raw.decode(encoding).replace("\r\n", "\n"), []
    except UnicodeDecodeError as err:
        if legacy_encoding and not utf16:
            try:
                return raw.decode(legacy_encoding).replace("\r\n", "\n"), []
            except UnicodeDecodeError:
                pass
        line = raw[: err.start].count(b"\n") + 1
        name = "UTF-16" if utf16 else "UTF-8"
        return None, [Problem(shown_as, line, None, f"text encoded as {name}",
                              f"byte {raw[err.start]:#04x} that is not valid there")]


def read_yaml(path: Path, shown_as: str) -> SourceData:
    source = SourceData(shown_as)
    text, source.problems = read_text(path, shown_as)
    if text is None:
        return source
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                source.problems.append(Problem(shown_as, event.start_mark.line + 1, None,
                                               "no YAML aliases (*name): write the value out",
                                               f"alias *{event.anchor}"))
                return source
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            source.data = _build(node, (), source, loader, 0) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        found = str(err.problem or err.context)
        if err.context and err.context_mark and err.problem_mark and err.context_mark.line != mark.line:
            found += f" ({err.context} that starts on line {err.context_mark.line + 1})"
        source.problems.append(Problem(shown_as, mark.line + 1 if mark else None, None, "valid YAML", found))
    except yaml.YAMLError as err:
        source.problems.append(Problem(shown_as, None, None, "valid YAML", str(err).splitlines()[0]))
    return source


def _build(node: yaml.Node, path: Path_, source: SourceData, loader: yaml.SafeLoader, depth: int) -> Any:
    source.lines.setdefault(path, node.start_mark.line + 1)
    if depth > MAX_DEPTH:
        raise yaml.MarkedYAMLError(problem=f"nesting deeper than {MAX_DEPTH} levels",
                                   problem_mark=node.start_mark)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node)
            if not isinstance(key, (str, int)):
                source.problems.append(Problem(source.file, key_node.start_mark.line + 1, None,
                                               "a plain key", repr(key)))
                continue
            key = str(key)
            if key in result:
                source.problems.append(Problem(source.file, key_node.start_mark.line + 1,
                                               dotted(path + (key,)),
                                               "each key once in a mapping",
                                               f"a second '{key}' (first on line {source.lines[path + (key,)]})"))
                continue
            source.lines[path + (key,)] = key_node.start_mark.line + 1
            result[key] = _build(value_node, path + (key,), source, loader, depth + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), source, loader, depth + 1) for i, item in enumerate(node.value)]
    return loader.construct_object(node)


def read_csv(path: Path, shown_as: str, columns: list[str], required: set[str]) -> SourceData:
    """Rows as dicts of strings (empty cells dropped), with the line of each row."""
    source = SourceData(shown_as, data=[])
    text, source.problems = read_text(path, shown_as, legacy_encoding="cp1252")
    if text is None:
        return source
    sample = text.split("\n", 1)[0]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as err:
        source.problems.append(Problem(shown_as, 1, None, "a CSV header row", str(err)))
        return source
    missing = [c for c in columns if c in required and c not in header]
    unknown = [h for h in header if h not in columns]
    if missing or unknown:
        found = ", ".join(header) or "no columns"
        source.problems.append(Problem(shown_as, 1, None, f"the columns {', '.join(columns)}", found))
        return source
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                source.problems.append(Problem(shown_as, line, None, f"{len(header)} cells as in the header",
                                               f"{len(row)} cells"))
                continue
            index = len(source.data)
            source.lines[(index,)] = line
            for column in header:
                source.lines[(index, column)] = line
            source.data.append({k: v.strip() for k, v in zip(header, row) if v.strip() != ""})
    except csv.Error as err:
        source.problems.append(Problem(shown_as, reader.line_num, None, "well-formed CSV", str(err)))
    return source


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out

