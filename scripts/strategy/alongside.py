"""Steps of a check run alongside, in a forked second process, while this process runs the others.

`strategy check` of a large project runs its checks across the inputs one after the other on one core, on a
machine with two. `Alongside.start(steps)` forks a worker that runs `steps` (functions of no arguments, each
returning a list) in their order and sends back what each returned and what each logged; `results()` gives
the answers in that order and passes the log records to this process's handlers, as if the steps had run
here. A step that raises in the worker, and every step after it, is run here instead, so an error is raised
as it would be without the worker; a worker that dies is the same as one that raised at its first step.

What the steps write to disk (the check's caches) they write from the worker, as they would from here. What
they return travels through a pipe between the two processes and is never written anywhere. Only where a
process may fork safely: on POSIX, from a process with no other thread (a fork copies only the calling
thread); and only for `strategy check` (project.check's `alongside`): a build checks in one process, its
second core drawing the charts meanwhile.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


def forked(work: Callable[[int], None]) -> tuple[int, int] | None:
    """A forked process running `work(pipe)`, writing its answers to the pipe: (its pid, the pipe's read end),
    or None when it cannot be forked. The worker never returns: it ends with `os._exit` (no atexit handler, no
    flush of the parent's buffers: they are not its), with status 1 if `work` raised (the parent then does
    what was not answered itself)."""
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:
        os.close(read_end)
        status = 1
        try:
            work(write_end)
            status = 0
        except BaseException:  # noqa: BLE001 - the parent does what was not answered
            pass
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def can_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1


class Alongside(Generic[T]):
    """A worker running some steps; their answers taken back in order."""

    def __init__(self, steps: Sequence[Callable[[], list[T]]], pid: int, pipe: int):
        self.steps = steps
        self.pid = pid
        self.pipe = pipe

    @classmethod
    def start(cls, steps: Sequence[Callable[[], list[T]]]) -> Alongside[T] | None:
        """A worker running `steps`, or None where none may be forked (run them here)."""
        if not can_fork() or (worker := forked(lambda pipe: _work(steps, pipe))) is None:
            return None
        return cls(steps, *worker)

    def results(self) -> list[T]:
        """Every step's answer, concatenated in the steps' order, as running them here one by one gives."""
        answers, records = self._receive()
        found: list[T] = []
        for index, step in enumerate(self.steps):
            if index < len(answers):
                for name, record in records[index]:
                    logging.getLogger(name).callHandlers(record)
                found += answers[index]
            else:  # the worker raised here (or died): this step and those after it run here
                found += step()
        return found

    def _receive(self) -> tuple[list[list[T]], list[list[tuple[str, logging.LogRecord]]]]:
        chunks = []
        try:
            while chunk := os.read(self.pipe, 1 << 20):
                chunks.append(chunk)
        finally:
            self.stop()
        try:
            answers, records = pickle.loads(b"".join(chunks))
        except Exception:  # noqa: BLE001 - nothing or a part came: the worker died before it had answered
            return [], []
        return answers, records

    def stop(self) -> None:
        """Close the pipe and wait for the worker (its CPU time then counts as this process's children's)."""
        if self.pipe < 0:
            return
        os.close(self.pipe)
        self.pipe = -1
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def _work(steps: Sequence[Callable[[], list[T]]], pipe: int) -> None:
    """The worker: each step in turn until one raises, with what it logged; then everything in one message."""
    answers: list[list[T]] = []
    records: list[list[tuple[str, logging.LogRecord]]] = []
    logged: list[tuple[str, logging.LogRecord]] = []

    def keep(logger: logging.Logger, record: logging.LogRecord) -> None:
        # What the logger passed on to its handlers (level and filters already applied), made picklable.
        record.msg, record.args = record.getMessage(), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
        logged.append((logger.name, record))

    logging.Logger.callHandlers = keep  # type: ignore[method-assign,assignment]  # this process only
    for step in steps:
        try:
            answer = step()
        except BaseException:  # noqa: BLE001 - the parent runs it again, and raises there
            break
        answers.append(answer)
        records.append(logged[:])
        logged.clear()
    message = memoryview(pickle.dumps((answers, records), protocol=pickle.HIGHEST_PROTOCOL))
    while message:
        message = message[os.write(pipe, message):]
