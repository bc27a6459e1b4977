"""Input files written by the importers: the next free ID, readable YAML, never half a file, never over one."""

from __future__ import annotations

import os
import re
from enum import Enum
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..problems import Problem, ProblemsFound

PARTNER_INPUT_NAME = re.compile(r"^PI-([0-9]{3,4})\.ya?ml$", re.IGNORECASE)
FEEDBACK_NAME = re.compile(r"^FB-([0-9]{3,4})$")


def next_input_ids(folder: Path, count: int = 1) -> list[str]:
    """The next `count` free partner input IDs after the highest in `folder` (PI-001 in an empty one)."""
    taken = [int(m[1]) for entry in _names(folder) if (m := PARTNER_INPUT_NAME.match(entry))]
    first = max(taken, default=0) + 1
    return [f"PI-{number:03d}" for number in range(first, first + count)]


def next_feedback_ids(used: Iterable[str], count: int = 1) -> list[str]:
    """The next `count` free comment IDs after the highest of `used` (every FB- ID of the feedback folder)."""
    first = max((int(m[1]) for i in used if (m := FEEDBACK_NAME.match(i))), default=0) + 1
    return [f"FB-{number:03d}" for number in range(first, first + count)]


def _names(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except FileNotFoundError:
        return []


def input_yaml(record: BaseModel, header: str = "") -> str:
    """A record as an author would have typed it: fields in schema order, defaults left out, long and
    multi-line text as YAML blocks, Unicode as is."""
    # Python mode keeps dates as dates, which YAML writes as an author types them (2025-02-10, unquoted).
    data = _plain_values(record.model_dump(mode="python", exclude_defaults=True))
    data = {name: data[name] for name in type(record).model_fields if name in data}
    return yaml_text(data, header)


def yaml_text(data: dict[str, Any], header: str = "") -> str:
    """`data` (already in the order the author expects) as input_yaml writes it, under `header` as comments."""
    text = yaml.dump(data, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=100)
    comment = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
    return comment + text


def _plain_values(value: Any) -> Any:
    """Enums as their values and tuples as lists: what safe YAML writes without tags."""
    if isinstance(value, dict):
        return {key: _plain_values(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_values(item) for item in value]
    return value.value if isinstance(value, Enum) else value


class _BlockDumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    if style:  # block scalars cannot keep trailing spaces on a line; the Markdown does not need them
        value = "\n".join(line.rstrip() for line in value.splitlines())
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _text)


def write_new_file(path: Path, model: type[BaseModel], text: str, shown_as: str,
                   left_for_author: Collection[str] = ()) -> None:
    """Write `text` (YAML for one `model` record) to `path`, which must not exist yet.

    The text is read back and validated first: an importer cannot write a file that `strategy check` would
    refuse, except for the fields named in `left_for_author`: required fields (top-level names) that the
    importer could not fill without inventing them, left missing or empty on purpose so that `strategy check`
    names them with their line until the author fills them in. The file appears whole or not at all
    (written beside it, then linked into place, which fails rather than replaces if another import took the
    name meanwhile).
    """
    try:
        model.model_validate(yaml.safe_load(text))
        errors = []
    except ValidationError as err:  # a bug of the importer, not of the file it read: say which field
        errors = [e for e in err.errors() if not _left_for_author(e, left_for_author)]
    if errors:
        first = errors[0]
        raise ProblemsFound([Problem(shown_as, None, ".".join(map(str, first["loc"])) or None,
                                     f"a valid {model.__name__}", first["msg"])])
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.new-{os.getpid()}")
    try:
        partial.write_text(text, encoding="utf-8")
        os.link(partial, path)  # fails with FileExistsError instead of replacing
    except FileExistsError:
        raise ProblemsFound([Problem(shown_as, None, None, "a file name no other input has",
                                     "a file of that name already: nothing was written")]) from None
    finally:
        partial.unlink(missing_ok=True)


def _left_for_author(error: Any, fields: Collection[str]) -> bool:
    """A validation error that only says a field left for the author is missing or empty."""
    return bool(error["loc"]) and error["loc"][0] in fields and error["type"] in ("missing", "too_short")


def plain(data: dict[str, Any]) -> dict[str, Any]:
    """`data` without its empty fields: what an importer did not find is left for the author, not invented."""
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}
