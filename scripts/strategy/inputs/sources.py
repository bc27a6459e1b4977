"""Reading input files into plain data that remembers where each value came from.

YAML is composed node by node so that every value keeps its line, duplicate
keys are caught (PyYAML silently keeps the last one) and aliases are refused
(they make "billion laughs" bombs possible and no input needs them). CSV rows
keep their line numbers too. Nothing here knows about the schema.
"""

from __future__ import annotations

import csv
import errno
import functools
import hashlib
import io
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.composer import ComposerError

from ..problems import Problem, shown

if TYPE_CHECKING:
    from .ahead import ReadAhead

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 30
# No count in the inputs needs more digits; Python refuses to read an int of more than 4,300 digits anyway.
MAX_INTEGER_DIGITS = 30

# libyaml's parser when PyYAML was built with it (the pinned wheel is): twenty times faster than PyYAML's own.
# Only its events are used; the tree is composed here (see _compose).
_WITH_LIBYAML = getattr(yaml, "__with_libyaml__", False)


class _Loader(yaml.CSafeLoader if _WITH_LIBYAML else yaml.SafeLoader):  # type: ignore[misc]
    """The safe loader, with a scalar's tag resolved as PyYAML's resolver resolves it but without its lists
    rebuilt for every value: libyaml's composer asks for each of the hundreds of thousands of values in ten
    thousand inputs."""

    # libyaml's composer tells the resolver of every node it descends into and ascends from, for the path
    # resolvers that this loader has none of (resolve, below, counts on that too): a type that ignores its
    # arguments answers in C, where PyYAML's methods, which do nothing here, were two Python calls a node.
    descend_resolver = slice  # slice(parent, index), made and dropped
    ascend_resolver = tuple  # tuple(), the empty tuple

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode and not self.yaml_path_resolvers:
            if implicit[0]:
                for tag, regexp in _implicit_resolvers(type(self), value[:1]):
                    if regexp.match(value):
                        return tag
            return self.DEFAULT_SCALAR_TAG
        return super().resolve(kind, value, implicit)


@functools.lru_cache(maxsize=None)
def _implicit_resolvers(loader: type, first: str) -> tuple:
    """The implicit resolvers PyYAML tries for a plain scalar opening with `first`, in its order."""
    return tuple(loader.yaml_implicit_resolvers.get(first, []) + loader.yaml_implicit_resolvers.get(None, []))

# The deepest nesting libyaml's composer may be given (_shallow): about half a kilobyte of C stack a level, so
# well within a thread's stack.
MAX_C_NESTING = 400

Path_ = tuple[str | int, ...]


@dataclass
class SourceData:
    """Plain data read from one file, with the line of each value."""

    file: str
    data: Any = None
    lines: dict[Path_, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    refused: int = 0  # values YAML could not make (an impossible date, a huge number): the data is incomplete

    def line_of(self, path: Path_) -> int | None:
        """The line of a value, or of the nearest enclosing value that has one."""
        path = tuple(path)
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


def file_problem(path: Path, shown_as: str, root: Path | None,
                 folders: Reading | None = None) -> Problem | None:
    """Why `path` may not be opened as an input file, decided from stat alone, before anything opens it.

    A FIFO would block `open` for ever, a device can be endless, a symlink loop or a link out of the project
    reads what the author never meant to publish: each is refused here with what it is.
    """
    return _opened_target(path, shown_as, root, folders)[0]


def _opened_target(path: Path, shown_as: str, root: Path | None,
                   folders: Reading | None) -> tuple[Problem | None, str | None]:
    """file_problem, and the file that path leads to when there is none."""
    problem, target, info = _target(path, shown_as, root, "a readable file", "a regular file", stat.S_ISREG,
                                    folders)
    if problem:
        return problem, None
    if info.st_size > MAX_FILE_BYTES:
        return Problem(shown_as, None, None, f"a file of at most {MAX_FILE_BYTES // 1024} KiB",
                       f"{info.st_size // 1024} KiB"), None
    return None, target


def folder_problem(path: Path, shown_as: str, root: Path | None, what: str) -> Problem | None:
    """Why `path` may not be listed as a folder of inputs (the same rules as for files)."""
    return _target(path, shown_as, root, what, what, stat.S_ISDIR, None)[0]


class Reading(dict):
    """What one load of the inputs has worked out so far: the real paths of folders (and of the project), each
    worked out once for all their files, and the hash of every file's bytes as read (`fingerprint`).

    Resolving a path asks the system about each of its folders in turn: for ten thousand files in one folder
    that was a fifth of loading them. A file that is no symbolic link itself resolves to its folder's real
    path and its own name. Kept for one load only: a folder swapped for a link later is resolved again."""

    def __init__(self, parsed: ParsedFiles | None = None) -> None:
        super().__init__()
        self.digest = hashlib.sha256(b"inputs 1")
        self.parsed = parsed  # YAML files parsed by earlier loads, by their bytes' hash
        self.last: bytes = b""  # the hash of the bytes of the file read last
        # Each file's text as read, by its path as problems name it: the checks that read the files again for
        # other things (facts.InputFiles, glyphs) take it from here.
        self.texts: dict[str, str] = {}
        self.ahead: ReadAhead | None = None  # partner inputs read ahead by a second process (ahead.py)

    def read(self, shown_as: str, raw: bytes, key: bytes | None = None) -> None:
        """Count a file's bytes in the fingerprint; `key`: the hash of `raw`, when it was worked out already."""
        name = shown_as.encode("utf-8", "surrogateescape")
        # Lengths first, so that no two different sets of files run together into the same stream.
        self.digest.update(b"%d:%s%d:" % (len(name), name, len(raw)))
        self.digest.update(raw)
        if self.parsed is not None:
            self.last = key or hashlib.sha256(raw).digest()

    @property
    def fingerprint(self) -> str:
        return self.digest.hexdigest()

    def of(self, path: Path) -> str:
        """str(path.resolve(strict=True))."""
        text = os.fspath(path)
        folder, name = os.path.split(text)
        if not folder or name in ("", ".", "..") or stat.S_ISLNK(os.lstat(text).st_mode):
            return str(path.resolve(strict=True))
        return os.path.join(self.folder(folder), name)

    def folder(self, folder: str | Path, strict: bool = True) -> str:
        """str(Path(folder).resolve(strict=strict)), worked out once."""
        key = (os.fspath(folder), strict)
        if (real := self.get(key)) is None:
            real = self[key] = str(Path(folder).resolve(strict=strict))
        return real

    def inside(self, target: str, root: Path) -> bool:
        """Path(target).is_relative_to(root.resolve()), for a target this class resolved."""
        real_root = self.folder(root, strict=False)
        return target == real_root or target.startswith(real_root.rstrip(os.sep) + os.sep)


def _target(path: Path, shown_as: str, root: Path | None, reachable: str, kind: str, is_kind,
            folders: Reading | None) -> tuple[Problem | None, str | None, os.stat_result | None]:
    """What `path` leads to, from stat alone: unreachable, of another kind, or outside the project; else the
    path it leads to and its stat."""
    try:
        target = folders.of(path) if folders is not None else str(path.resolve(strict=True))
        info = os.stat(target)
    except (RuntimeError, OSError) as err:  # Python 3.11 raises RuntimeError for a symlink loop
        return Problem(shown_as, None, None, reachable, _why_unreachable(path, err)), None, None
    if not is_kind(info.st_mode):
        return Problem(shown_as, None, None, kind, _file_kind(info.st_mode)), None, None
    if root is not None and not (folders.inside(target, root) if folders is not None
                                 else Path(target).is_relative_to(root.resolve())):
        return (Problem(shown_as, None, None, f"{kind} inside the project", f"a symbolic link to {target}, outside it"),
                None, None)
    return None, target, info


def _why_unreachable(path: Path, err: BaseException) -> str:
    if isinstance(err, RuntimeError) or getattr(err, "errno", None) == errno.ELOOP:
        return "a loop of symbolic links"
    if isinstance(err, FileNotFoundError):
        return "a symbolic link to nothing" if path.is_symlink() else "nothing there"
    return getattr(err, "strerror", None) or str(err)


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISREG, "a regular file")):
        if test(mode):
            return kind
    return "a special file"


def read_bytes(path: Path, shown_as: str, root: Path | None = None,
               folders: Reading | None = None) -> tuple[bytes | None, list[Problem]]:
    """A file's bytes, checked with stat first and never read past MAX_FILE_BYTES. `folders`: the real paths
    of folders already resolved during this load, and the hash of what it read (Reading)."""
    problem, target = _opened_target(path, shown_as, root, folders)
    if problem:
        return None, [problem]
    # O_NONBLOCK and O_NOFOLLOW: if the file was swapped for a FIFO or a link since the check, open neither
    # blocks nor follows; fstat then sees what was opened.
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(target, flags)
    except (RuntimeError, OSError) as err:
        return None, [Problem(shown_as, None, None, "a readable file", _why_unreachable(path, err))]
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return None, [Problem(shown_as, None, None, "a regular file", _file_kind(info.st_mode))]
        raw = _read_at_most(descriptor, MAX_FILE_BYTES + 1, info.st_size)
    except OSError as err:
        return None, [Problem(shown_as, None, None, "a readable file", err.strerror or str(err))]
    finally:
        os.close(descriptor)
    if len(raw) > MAX_FILE_BYTES:
        return None, [Problem(shown_as, None, None, f"a file of at most {MAX_FILE_BYTES // 1024} KiB",
                              "a file that grew past it while it was read")]
    if folders is not None:
        folders.read(shown_as, raw)
    return raw, []


def _read_at_most(descriptor: int, limit: int, size: int) -> bytes:
    """Up to `limit` bytes of an open file, asked for as many as it holds (`size`) plus one: a buffered
    file's read would ask for `limit` bytes at once, two megabytes for a file of two kilobytes."""
    chunks, total = [], 0
    while total < limit:
        chunk = os.read(descriptor, min(limit - total, size + 1) if not chunks else limit - total)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def read_text(path: Path, shown_as: str, legacy_encoding: str | None = None,
              root: Path | None = None, folders: Reading | None = None) -> tuple[str | None, list[Problem]]:
    """A file's text, or the problem that stops it being read.

    UTF-8 (with or without BOM) and UTF-16 with a BOM are read; `legacy_encoding` (Windows-1252 for CSV,
    as Excel exports it) is tried when the bytes are not UTF-8. `root`, when given, is the project: a file
    that resolves outside it is refused.
    """
    raw, problems = read_bytes(path, shown_as, root, folders)
    if raw is None:
        return None, problems
    utf16 = raw.startswith((b"\xff\xfe", b"\xfe\xff"))
    if b"\x00" in raw[:8192] and not utf16:
        return None, [Problem(shown_as, None, None, "a text file", "binary content")]
    encoding = "utf-16" if utf16 else "utf-8-sig"
    try:
        text = raw.decode(encoding).replace("\r\n", "\n")
        if folders is not None and not utf16:
            folders.texts[shown_as] = text
        return text, []
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


def plain_text(raw: bytes) -> str | None:
    """The text read_text makes of a file's bytes when they are UTF-8 (with or without a BOM) and not binary;
    None for any other file, whose text (or problem) only read_text gives."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:8192]:
        return None
    try:
        return raw.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        return None


def read_yaml(path: Path, shown_as: str, root: Path | None = None, folders: Reading | None = None) -> SourceData:
    if folders is not None and folders.ahead is not None \
            and (answer := folders.ahead.take(path.name, shown_as)) is not None:
        return _read_ahead(shown_as, answer, folders)
    text, problems = read_text(path, shown_as, root=root, folders=folders)
    if text is None:
        return SourceData(shown_as, problems=problems)
    if folders is None or folders.parsed is None:
        return parse_yaml(text, shown_as, problems)
    key = folders.last
    if (kept := folders.parsed.get(key)) is not None:
        return SourceData(shown_as, data=kept[0], lines=kept[1])
    source = parse_yaml(text, shown_as, problems)
    folders.parsed.add(key, source)
    return source


def _read_ahead(shown_as: str, answer: tuple, folders: Reading) -> SourceData:
    """What read_yaml makes of a file that a second process read and parsed ahead (ahead.py): the same
    bytes counted, the same text kept, the same data and lines, kept as parsed when they would be."""
    _, raw, text, key, data, lines = answer
    folders.read(shown_as, raw, key)
    folders.texts[shown_as] = text
    if folders.parsed is not None and (kept := folders.parsed.get(key)) is not None:
        return SourceData(shown_as, data=kept[0], lines=kept[1])
    source = SourceData(shown_as, data=data, lines=lines) if data is not None else parse_yaml(text, shown_as)
    if folders.parsed is not None:
        folders.parsed.add(key, source)
    return source


class ParsedFiles:
    """Partner inputs as parsed by earlier loads (their data and the line of each value), by the hash of each
    file's bytes, kept in the work folder (.build/cache/inputs-parsed.pickle): parsing is most of loading ten
    thousand inputs, and between two checks few files change.

    Kept: only partner inputs read without a problem whose consent is named (what any build may show with its
    partner's name: neither a withheld input's text nor an anonymous input's attribution is copied out of
    inputs/), and only the files the last load read, so that a file edited or withheld since leaves nothing
    behind. Read back with nothing but plain data and dates
    allowed (a pickle can name any class); a damaged or foreign file is ignored and written anew."""

    FILE = "cache/inputs-parsed.pickle"

    def __init__(self, work: Path):
        self.path = work / self.FILE
        self.salt = _parser_version()
        self.stored: dict[bytes, tuple[Any, dict]] = self._read()
        self.used: dict[bytes, tuple[Any, dict]] = {}

    def _read(self) -> dict[bytes, tuple[Any, dict]]:
        try:
            with open(self.path, "rb") as file:
                salt, entries = _PlainUnpickler(file).load()
            return entries if salt == self.salt and isinstance(entries, dict) else {}
        except Exception:  # noqa: BLE001 - any damage: parse again, as without the file
            return {}

    def get(self, key: bytes) -> tuple[Any, dict] | None:
        if (kept := self.stored.get(key)) is not None:
            self.used[key] = kept
        return kept

    def add(self, key: bytes, source: SourceData) -> None:
        data = source.data
        if not source.problems and not source.refused and isinstance(data, dict) and isinstance(data.get("id"), str) \
                and data["id"].startswith("PI-") and data.get("consent") == "named":
            self.used[key] = (data, source.lines)

    def save(self) -> None:
        """Keep what this load used, when it differs from what was kept."""
        if self.used.keys() == self.stored.keys():
            return
        import pickle

        from ..files import replace_atomically

        try:
            replace_atomically(self.path, pickle.dumps((self.salt, self.used), protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass  # a load never fails for a cache it cannot write


def _parser_version() -> str:
    """What parsed the kept files: this module and the YAML library."""
    return hashlib.sha256(Path(__file__).read_bytes() + f"{yaml.__version__} {_WITH_LIBYAML}".encode()).hexdigest()


class _PlainUnpickler:
    """pickle.Unpickler that makes no object but plain data and dates."""

    def __new__(cls, file):
        import pickle

        class Plain(pickle.Unpickler):
            def find_class(self, module: str, name: str):
                if module == "datetime" and name in ("date", "datetime", "time", "timedelta", "timezone"):
                    return super().find_class(module, name)
                raise pickle.UnpicklingError(f"{module}.{name} is not plain data")

        return Plain(file)


def parse_yaml(text: str, shown_as: str, problems: list[Problem] | None = None) -> SourceData:
    """A YAML text's data with the line of each value, or the problems that stop it being read.

    libyaml composes the tree when it can be trusted to (_composed_in_c); any file it cannot compose cleanly
    (an error, an alias, deep nesting) is read again by the composer of this module, whose problems are the
    ones the author hears of, with the same lines and words as ever."""
    if _WITH_LIBYAML and _shallow(text):
        source = _composed_in_c(text, SourceData(shown_as, problems=list(problems or [])))
        if source is not None:
            return source
    return _composed_here(text, SourceData(shown_as, problems=list(problems or [])))


def _shallow(text: str) -> bool:
    """Whether libyaml's own composer, which recurses in C once a level, can be given this text.

    Every collection opens with one of these characters ("[", "{", a block sequence's "-", a mapping's ":" or
    "?"), so a text with at most MAX_C_NESTING of them nests no deeper, whatever it holds."""
    return sum(text.count(c) for c in "[{-:?") <= MAX_C_NESTING


class _NotForC(Exception):
    """libyaml composed a tree this module's composer would have refused: the file is read again by it."""


def _composed_in_c(text: str, source: SourceData) -> SourceData | None:
    """The text composed by libyaml and built into data; None when the file must be read by _composed_here,
    so that an error, an alias or a nesting too deep is reported as that composer reports it."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        # An alias makes libyaml put one node in two places; a text without "&" and "*" holds none.
        seen = set() if "&" in text and "*" in text else None
        source.data = _build(node, (), source, loader, 0, seen) if node is not None else None
        if source.refused:
            source.data = None
    except (yaml.YAMLError, _NotForC):
        return None
    finally:
        loader.dispose()
    return source


def _composed_here(text: str, source: SourceData) -> SourceData:
    """The text composed from the parser's events by _compose, then built into data."""
    loader = None
    try:
        loader = _Loader(text)  # PyYAML's own reader already refuses unprintable characters here
        node = _compose(loader, source.file)
        if isinstance(node, Problem):
            source.problems.append(node)
            return source
        source.data = _build(node, (), source, loader, 0) if node is not None else None
        if source.refused:  # a record with a hole would add "field required" noise to the real problem
            source.data = None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        found = str(err.problem or err.context)
        if err.context and err.context_mark and err.problem_mark and err.context_mark.line != mark.line:
            found += f" ({err.context} that starts on line {err.context_mark.line + 1})"
        source.problems.append(Problem(source.file, mark.line + 1 if mark else None, None, "valid YAML", found))
    except yaml.YAMLError as err:
        source.problems.append(Problem(source.file, None, None, "valid YAML", str(err).splitlines()[0]))
    finally:
        if loader is not None:
            loader.dispose()
    return source


def _compose(loader: yaml.SafeLoader, shown_as: str) -> yaml.Node | Problem | None:
    """The file's one document as a tree of nodes, composed from a single pass over the parser's events.

    The events come one at a time from a loop, not from recursion (libyaml's own composer recurses in C and
    crashes on a file of a hundred thousand opening brackets), and an alias or nesting deeper than MAX_DEPTH
    is refused at once, before a tree is built: a file of a million brackets costs a few dozen events. Tags
    are resolved and errors raised as PyYAML's composer does, so messages and lines are the same.
    """
    loader.get_event()  # the stream's start
    root: yaml.Node | None = None
    documents = 0
    # An error of the composer's own (a second document, an anchor named twice) is raised at the end: an alias
    # or a deep nesting anywhere in the file, or a syntax error, is what the author hears of first.
    composer_error: ComposerError | None = None
    anchors: dict[str, yaml.Mark] = {}
    # Open collections: the event that opened each, and its items so far (a mapping's as key, value, key, ...).
    open_: list[tuple[yaml.CollectionStartEvent, list[yaml.Node | None]]] = []
    while not loader.check_event(yaml.StreamEndEvent):
        event = loader.get_event()
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents == 2 and composer_error is None:
                composer_error = ComposerError("expected a single document in the stream", root.start_mark,
                                               "but found another document", event.start_mark)
            continue
        if isinstance(event, yaml.DocumentEndEvent):
            continue
        if isinstance(event, yaml.AliasEvent):
            return Problem(shown_as, event.start_mark.line + 1, None,
                           "no YAML aliases (*name): write the value out", f"alias *{event.anchor}")
        composing = documents == 1 and composer_error is None  # like PyYAML, only up to the first error
        if isinstance(event, yaml.CollectionEndEvent):
            start, items = open_.pop()
            node = _collection_node(loader, start, items, event) if composing else None
        else:
            if composing and event.anchor is not None:
                if event.anchor in anchors:
                    composer_error = ComposerError(_DUPLICATE_ANCHOR.format(anchor=event.anchor),
                                                   anchors[event.anchor], "second occurrence", event.start_mark)
                anchors[event.anchor] = event.start_mark
            if isinstance(event, yaml.CollectionStartEvent):
                if len(open_) >= MAX_DEPTH:
                    return Problem(shown_as, event.start_mark.line + 1, None,
                                   f"nesting of at most {MAX_DEPTH} levels", f"nesting deeper than {MAX_DEPTH} levels")
                open_.append((event, []))
                continue
            node = _scalar_node(loader, event) if composing else None
        if open_:
            open_[-1][1].append(node)
        elif documents == 1 and root is None:
            root = node
    loader.get_event()  # the stream's end
    if composer_error is not None:
        raise composer_error
    return root


# The message of the composer in use, word for word: libyaml's does not name the anchor.
_DUPLICATE_ANCHOR = ("found duplicate anchor; first occurrence" if getattr(yaml, "__with_libyaml__", False)
                     else "found duplicate anchor {anchor!r}; first occurrence")


def _scalar_node(loader: yaml.SafeLoader, event: yaml.ScalarEvent) -> yaml.ScalarNode:
    tag = event.tag
    if tag is None or tag == "!":
        tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    return yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)


def _collection_node(loader: yaml.SafeLoader, start: yaml.CollectionStartEvent, items: list[yaml.Node],
                     end: yaml.CollectionEndEvent) -> yaml.Node:
    kind = yaml.MappingNode if isinstance(start, yaml.MappingStartEvent) else yaml.SequenceNode
    tag = start.tag
    if tag is None or tag == "!":
        tag = loader.resolve(kind, None, start.implicit)
    value = list(zip(items[::2], items[1::2])) if kind is yaml.MappingNode else items
    return kind(tag, value, start.start_mark, end.end_mark, flow_style=start.flow_style)


def _build(node: yaml.Node, path: Path_, source: SourceData, loader: yaml.SafeLoader, depth: int,
           seen: set[int] | None = None) -> Any:
    """The data of a composed tree. `seen`, for a tree libyaml composed: the nodes met so far, when the text
    may hold an alias (one node met twice)."""
    source.lines.setdefault(path, node.start_mark.line + 1)
    if seen is not None:
        if id(node) in seen:
            raise _NotForC("an alias")
        seen.add(id(node))
    if depth >= MAX_DEPTH and isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        raise _NotForC("nesting deeper than _compose allows")  # only libyaml's tree can hold one
    if depth > MAX_DEPTH:
        raise yaml.MarkedYAMLError(problem=f"nesting deeper than {MAX_DEPTH} levels",
                                   problem_mark=node.start_mark)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_COLLECTIONS:
        # A tag such as !!python/object on a list would otherwise be dropped without a word.
        raise yaml.MarkedYAMLError(problem=f"the tag {node.tag}", problem_mark=node.start_mark)
    # Text, most of every file, is taken here as _scalar would take it, without a call a value.
    lines, text_at_once = source.lines, seen is None
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _STR and type(key_node) is yaml.ScalarNode:
                key = key_node.value
            else:
                key = _scalar(key_node, path, source, loader)
                if key is _REFUSED:
                    continue
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    source.problems.append(Problem(source.file, key_node.start_mark.line + 1,
                                                   dotted(path) or None, "a plain key", shown(key)))
                    continue
                key = str(key)
            key_path = path + (key,)
            if key in result:
                source.problems.append(Problem(source.file, key_node.start_mark.line + 1, dotted(key_path),
                                               "each key once in a mapping",
                                               f"a second '{key}' (first on line {lines[key_path]})"))
                continue
            lines[key_path] = key_node.start_mark.line + 1
            if text_at_once and value_node.tag == _STR and type(value_node) is yaml.ScalarNode:
                result[key] = value_node.value
                continue
            value = _build(value_node, key_path, source, loader, depth + 1, seen)
            if value is not _REFUSED:
                result[key] = value
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            if text_at_once and item.tag == _STR and type(item) is yaml.ScalarNode:
                lines.setdefault(path + (i,), item.start_mark.line + 1)
                items.append(item.value)
            else:
                items.append(_build(item, path + (i,), source, loader, depth + 1, seen))
        return items
    return _scalar(node, path, source, loader)


_PLAIN_COLLECTIONS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_STR = "tag:yaml.org,2002:str"
_REFUSED = object()  # a value that was reported as a problem: left out of the data


def _scalar(node: yaml.Node, path: Path_, source: SourceData, loader: yaml.SafeLoader) -> Any:
    """A scalar's value, or a problem naming its line and field when YAML cannot make one.

    PyYAML raises a bare ValueError for an impossible date (2025-02-30) and for an integer of more than 4,300
    digits; both are the author's to fix, not a crash.
    """
    if node.tag == _STR and isinstance(node, yaml.ScalarNode):
        return node.value  # what the constructor makes of most values, without its bookkeeping
    line, field_name = node.start_mark.line + 1, dotted(path) or None
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:int":
        digits = len(node.value.lstrip("+-").replace("_", ""))  # hexadecimal and octal count too
        if digits > MAX_INTEGER_DIGITS:
            source.problems.append(Problem(source.file, line, field_name,
                                           f"a whole number of at most {MAX_INTEGER_DIGITS} digits",
                                           f"a number of {digits:,} digits"))
            source.refused += 1
            return _REFUSED
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError, TypeError) as err:
        expected = {"tag:yaml.org,2002:timestamp": "a real calendar date (YYYY-MM-DD)",
                    "tag:yaml.org,2002:int": "a whole number"}.get(node.tag, "a value YAML can read")
        value = node.value if isinstance(node, yaml.ScalarNode) else node.tag
        source.problems.append(Problem(source.file, line, field_name, expected,
                                       f"{shown(value)} ({err})"))
        source.refused += 1
        return _REFUSED


def read_csv(path: Path, shown_as: str, columns: list[str], required: set[str],
             root: Path | None = None, folders: Reading | None = None) -> SourceData:
    """Rows as dicts of strings (empty cells dropped), with the line of each row."""
    source = SourceData(shown_as, data=[])
    text, source.problems = read_text(path, shown_as, legacy_encoding="cp1252", root=root, folders=folders)
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
        source.problems.append(Problem(shown_as, 1, None, f"the columns {', '.join(columns)}", shown(found)))
        return source
    # A column named twice would let the second silently overwrite the first in every row.
    if twice := sorted({h for h in header if header.count(h) > 1}):
        source.problems.append(Problem(shown_as, 1, None, "each column once in the header",
                                       ", ".join(f"'{h}' {header.count(h)} times" for h in twice)))
        return source
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                missing_or_extra = "missing" if len(row) < len(header) else "extra"
                source.problems.append(Problem(shown_as, line, None, f"{len(header)} cells as in the header",
                                               f"{len(row)} cells ({missing_or_extra} cells)"))
                continue
            index = len(source.data)
            source.lines[(index,)] = line
            for column in header:
                source.lines[(index, column)] = line
            source.data.append({k: v.strip() for k, v in zip(header, row) if v.strip() != ""})
    except csv.Error as err:
        source.problems.append(Problem(shown_as, reader.line_num, None, "well-formed CSV", str(err)))
    if not source.data and not source.problems:
        source.problems.append(Problem(shown_as, None, None, "at least one row under the header", "no rows"))
    return source


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out

