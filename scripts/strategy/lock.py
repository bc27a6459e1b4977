"""One build at a time in a project folder: a lock on `.build/lock`.

`strategy build` and a standalone `mkdocs build` take it; the second waits for the first and says so. The
kernel releases an flock when its holder ends, however it ends, so a killed build never blocks the next.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .environment import environment_problem, seconds_from_environment
from .problems import Problem, ProblemsFound

# How long a build waits for another build in the same folder before it gives up.
LOCK_SECONDS = 1800
LOCK_SECONDS_VARIABLE = "STRATEGY_LOCK_SECONDS"


# The lock's file descriptor while this process holds it.
_held_lock: int | None = None


def held() -> int | None:
    """The descriptor of the lock this process holds, if any: a forked worker closes its inherited copy, so
    that a worker outliving a killed build cannot keep the next build waiting."""
    return _held_lock


@contextmanager
def build_lock(work: Path, say: Callable[[str], None]) -> Iterator[None]:
    """One build at a time in a project: the second waits for the first (and says so), up to
    $STRATEGY_LOCK_SECONDS (30 minutes by default), then stops with a problem. The kernel releases the lock
    when its holder ends, however it ends, so a killed build never blocks the next one."""
    global _held_lock
    limit = seconds_from_environment(LOCK_SECONDS_VARIABLE, LOCK_SECONDS)
    path = work / "lock"
    try:
        work.mkdir(exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")
    except OSError as err:
        raise ProblemsFound([environment_problem(err)]) from None
    with handle:
        if not _try_lock(handle):
            say(f"Waiting for another build in this folder to finish ({_holder(handle)})")
            deadline = time.monotonic() + limit
            while not _try_lock(handle):
                if time.monotonic() >= deadline:
                    raise ProblemsFound([Problem(".build/lock", None, None,
                                                 f"no other build running in this folder within {limit:g} s",
                                                 f"another build still running ({_holder(handle)})")])
                time.sleep(0.25)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        _held_lock = handle.fileno()
        try:
            yield
        finally:
            _held_lock = None
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _try_lock(handle) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(handle) -> str:
    handle.seek(0)
    pid = handle.read().strip()
    return f"process {pid}" if pid.isdigit() else "starting"
