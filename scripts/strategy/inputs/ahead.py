"""Partner inputs read and parsed ahead by a second process, while the loader reads them in order.

The first check of a large project (nothing kept in .build/cache yet) spends most of its time reading and
parsing ten thousand YAML files one after the other, on one core. `ReadAhead.start` forks a worker that
reads and parses the same files from the last one backwards, with the same code as the loader
(`read_bytes`'s checks, the same decoding, `parse_yaml`), and sends back what it made of each file it read
without a problem. The loader takes that answer when it reaches the file and reads every other file itself:
one whose answer has not come yet, one the worker left (a problem of any kind, a file not UTF-8), one it
never reached. The two meet where they meet: the loader's position is shared with the worker, which stops at
the first file the loader has reached, so the loader never waits and no file is left out.

Only what `read_yaml` would have made of the file goes back: its bytes and text (for the fingerprint and the
checks that read the texts), the hash under which the parsed inputs are kept, and its data with the line of
each value. The answers travel through a pipe between the two processes and are never written anywhere.

Used only when the loader's caller asks for it (`strategy check`: a build's second core has charts to draw
meanwhile), where a process may fork safely (on POSIX, from a process with no other thread: a fork copies
only the calling thread) and where it pays (at least MIN_FILES files). Once it has read the files, the worker
may run one job more for the caller (AfterReading: the facts check's reading of the files).
"""

from __future__ import annotations

import hashlib
import mmap
import os
import pickle
import signal
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Below this many files a second process saves nothing (measured: 250 files, as long either way; 600, a
# sixth less), and costs CPU time (the fork, the answers sent).
MIN_FILES = 500
# Files sent back at a time: few enough that the loader meets an answer soon, enough to pay for a message.
BATCH = 32
_POSITION = struct.Struct("<q")
_LENGTH = struct.Struct("<I")

Answer = tuple[str, bytes, str, bytes, Any, dict]  # the file as shown, raw bytes, text, their hash, data, lines


class ReadAhead:
    """The loader's side: the worker's answers, by file name, as they come."""

    def __init__(self, pid: int, pipe: int, position: mmap.mmap, order: dict[str, int]):
        self.pid = pid
        self.pipe = pipe
        self.position = position
        self.order = order  # each file's place (by its name) in the list the worker reads backwards
        self.answers: dict[str, Answer] = {}
        self.buffer = bytearray()
        self.taken = 0  # answers the loader used (tests count them)
        self.reading = True  # until the loader has read every file
        self.lowest = len(order)  # the first file (in the loader's order) the worker has answered so far
        self.asked = 0
        self.then: tuple[bool, Any] = (False, None)  # the answer of the job after reading, once it has come

    @classmethod
    def start(cls, folder: Path, names: list[str], shown: Callable[[Path], str], root: Path | None,
              reading: Any, then: AfterReading | None = None) -> ReadAhead | None:
        """A worker reading the files `names` of `folder` (in the order the loader reads them) from the last
        one; None where none is started (see the module's docstring). `reading` is the loader's Reading: the
        worker reads with its own copy. `then`: a job the worker runs once it stops reading."""
        from ..alongside import can_fork, forked

        if len(names) < MIN_FILES or not can_fork():
            return None
        position = mmap.mmap(-1, _POSITION.size)  # anonymous and shared: the loader writes, the worker reads
        _POSITION.pack_into(position, 0, -1)
        worker = forked(lambda pipe: _work(folder, names, shown, position, pipe, root, reading, then))
        if worker is None:
            return None
        pid, read_end = worker
        os.set_blocking(read_end, False)
        return cls(pid, read_end, position, {name: index for index, name in enumerate(names)})

    def take(self, name: str, shown_as: str) -> Answer | None:
        """The worker's answer for the file `name` (shown as `shown_as`), if it has come; the worker stops at
        this file from now on."""
        index = self.order.get(name)
        if index is None:
            return None
        _POSITION.pack_into(self.position, 0, index)
        # Far from what the worker has answered, the pipe is emptied now and then (the worker waits when it is
        # full); near it, for every file.
        self.asked += 1
        if name not in self.answers and (index + 2 * BATCH >= self.lowest or self.asked % (BATCH // 2) == 0):
            self._receive()
        answer = self.answers.pop(name, None)
        if answer is None or answer[0] != shown_as:
            return None
        self.taken += 1
        return answer

    def _receive(self) -> None:
        """Whatever the worker has sent so far, without waiting."""
        while True:
            try:
                chunk = os.read(self.pipe, 1 << 20)
            except BlockingIOError:
                break
            if not chunk:
                break
            self.buffer += chunk
        self._unpack()

    def _unpack(self) -> None:
        """The whole messages received: a file's answers (while the loader reads), the job's answer."""
        while len(self.buffer) >= _LENGTH.size:
            (length,) = _LENGTH.unpack_from(self.buffer)
            end = _LENGTH.size + length
            if len(self.buffer) < end:
                break
            kind, payload = pickle.loads(memoryview(self.buffer)[_LENGTH.size:end])
            del self.buffer[:end]
            if kind == "then":
                self.then = (True, payload)
            elif self.reading:
                self.answers.update(payload)
                self.lowest = min(self.lowest, *(self.order[name] for name in payload))

    def stop_reading(self) -> None:
        """The loader has read every file: the worker stops reading and runs its job after reading, if any."""
        _POSITION.pack_into(self.position, 0, len(self.order))
        self.reading = False
        self.answers.clear()

    def after_reading(self) -> tuple[bool, Any]:
        """(True, the answer of the job after reading), waiting for it; (False, None) when none came (the
        worker had none, or failed). The worker has ended after it."""
        if self.pipe >= 0:
            os.set_blocking(self.pipe, True)
            while chunk := os.read(self.pipe, 1 << 20):
                self.buffer += chunk
            self._unpack()
            self.stop()
        return self.then

    def stop(self) -> None:
        """Stop the worker and wait for it (its CPU time then counts as this process's children's)."""
        if self.pipe < 0:
            return
        self.stop_reading()
        os.close(self.pipe)
        self.pipe = -1
        try:  # whatever it is doing (a file, the job after reading) is not wanted any more
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        self.position.close()


class AfterReading:
    """A job for the worker that reads the partner inputs ahead, run once it has stopped reading and given the
    texts it read (by the files' paths as problems name them), and what it answered, for the loader's caller.

    The answer must be what the job gives wherever it runs (it may read the files the worker did not); it is
    None when no worker ran it (too few files, no fork), or when it failed: the caller then works it out."""

    def __init__(self, job: Callable[[dict[str, str]], Any]):
        self.job = job
        self.worker: ReadAhead | None = None

    def answer(self) -> Any | None:
        if self.worker is None:
            return None
        answered, value = self.worker.after_reading()
        self.worker = None
        return value if answered else None

    def close(self) -> None:
        """Stop the worker if its answer was not taken (the check stopped before it needed it)."""
        if self.worker is not None:
            self.worker.stop()
            self.worker = None


def _work(folder: Path, names: list[str], shown: Callable[[Path], str], position: mmap.mmap, pipe: int,
          root: Path | None, reading: Any, then: AfterReading | None) -> None:
    """The worker: each file from the last, as read_yaml reads it, until the loader's position; then the job
    after reading, given the texts the worker read and those the loader had read before it started."""
    from .sources import parse_yaml, plain_text, read_bytes

    kept = reading.parsed.stored if reading.parsed is not None else {}  # the loader takes these from the cache
    reading.parsed = None  # this copy of the loader's Reading only resolves folders: no hashing twice
    _pipe_size(pipe)
    batch: dict[str, Answer] = {}
    for index in range(len(names) - 1, -1, -1):
        if index <= _POSITION.unpack_from(position)[0]:
            break
        path = folder / names[index]
        shown_as = shown(path)
        raw, problems = read_bytes(path, shown_as, root, reading)
        text = plain_text(raw) if raw is not None else None
        if text is None:
            continue  # the loader reads it and names the problem
        reading.texts[shown_as] = text
        key = hashlib.sha256(raw).digest()
        if key in kept:
            batch[names[index]] = (shown_as, raw, text, key, None, {})
        else:
            source = parse_yaml(text, shown_as)
            if source.problems or source.refused:
                continue
            batch[names[index]] = (shown_as, raw, text, key, source.data, source.lines)
        if len(batch) == BATCH:
            _send(pipe, ("files", batch))
            batch = {}
    if batch:
        _send(pipe, ("files", batch))
    if then is not None:
        _send(pipe, ("then", then.job(reading.texts)))


def _pipe_size(pipe: int) -> None:
    """A pipe of a megabyte where Linux allows it (64 KiB by default, two or three files): the worker then
    waits less for the loader to empty it."""
    try:
        import fcntl

        fcntl.fcntl(pipe, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass


def _send(pipe: int, message: tuple[str, Any]) -> None:
    message = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_LENGTH.pack(len(message)) + message)
    while view:
        view = view[os.write(pipe, view):]
