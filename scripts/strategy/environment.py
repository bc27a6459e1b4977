"""Errors of the machine rather than of the inputs or of our code: a full disk, a read-only or unwritable
folder. Each becomes one problem naming the path the system refused and why, so the author can free space
or fix a permission; the CLI and the build lock both report them this way."""

from __future__ import annotations

import errno
import io
import math
import os
import re
from pathlib import Path

from .problems import Problem, ProblemsFound, display_path, shown

ENVIRONMENT_ERRORS = {errno.ENOSPC: "free space on the disk", errno.EDQUOT: "free space in the disk quota",
                      errno.EFBIG: "room to write a file of this size", errno.EROFS: "a file system that can be written",
                      errno.EACCES: "permission to read or write here", errno.EPERM: "permission to read or write here",
                      errno.ENOTDIR: "a folder here", errno.EISDIR: "a file here, not a folder",
                      errno.EEXIST: "a folder (or nothing yet) here, not a file",
                      errno.EIO: "a disk that can be read and written"}

_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}


def environment_problem(failed: OSError) -> Problem:
    """One line naming the path the system refused and why: the author can free space or fix a permission."""
    path = _path_of(failed)
    if path:  # a file written beside its target and renamed into place: name the target
        path = re.sub(r"/\.([^/]+)\.new-\d+$", r"/\1", path)
    where = display_path(Path(path), Path.cwd()) if path else "a file of the build"
    return Problem(where, None, None, ENVIRONMENT_ERRORS.get(failed.errno, "a file system that works"),
                   f"{failed.strerror or failed} ({errno.errorcode.get(failed.errno, failed.errno)})")


def _path_of(failed: OSError) -> str | None:
    """The path an OSError is about. A failed write() carries no file name (a full disk is found only then),
    so look in the frames that raised it, innermost first, for the file being written or the Path written to."""
    if failed.filename2 is not None and failed.errno in _WRITE_ERRORS:
        return os.fsdecode(failed.filename2)  # shutil's copies name the source first, the destination second
    if failed.filename is not None:
        return os.fsdecode(failed.filename)
    frames = []
    trace = failed.__traceback__
    while trace is not None:
        frames.append(trace.tb_frame)
        trace = trace.tb_next
    for frame in reversed(frames):
        for value in frame.f_locals.values():
            if isinstance(value, io.IOBase) and isinstance(getattr(value, "name", None), str) and _writable(value):
                return value.name
            if isinstance(value, Path) and frame.f_code.co_name.startswith("write"):
                return str(value)
    return None


def _writable(file: io.IOBase) -> bool:
    try:
        return file.writable()
    except ValueError:  # closed by the time the error arrived here: its mode still says
        return any(flag in getattr(file, "mode", "") for flag in "wax+")


def seconds_from_environment(variable: str, default: float) -> float:
    """A time limit the user may set in the environment (0 or more seconds); a problem naming the variable
    if it holds anything else."""
    value = os.environ.get(variable)
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= 0):
        raise ProblemsFound([Problem("environment", None, variable, "a number of seconds (0 or more)",
                                     shown(value))])
    return seconds
