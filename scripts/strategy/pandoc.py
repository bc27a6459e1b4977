"""One way to run pandoc: in its sandbox, with a time and a memory limit, and a clear problem when it fails.

Both the Word version of the strategy (publish/docx.py) and the import of partners' Word submissions
(intake/submission.py) go through here. pandoc is the binary bundled with pypandoc_binary. Under
`--sandbox` it reads nothing but its standard input and writes only to its standard output; the kernel and
pandoc's own runtime bound its CPU time and memory, so that a hostile document cannot hang or exhaust the
machine.
"""

from __future__ import annotations

import math
import resource
import signal
import subprocess
from collections.abc import Sequence

import pypandoc

from .problems import Problem, ProblemsFound, shown

SECONDS = 120
SECONDS_VARIABLE = "STRATEGY_PANDOC_SECONDS"
# pandoc's Haskell runtime stops with "Heap exhausted" at its -M heap limit, a clear message; the kernel's
# address-space limit, set higher, is the backstop (the runtime reserves less when the kernel allows less).
HEAP_BYTES = 3 * 2**30
ADDRESS_SPACE_HEADROOM = 2**30


def run_pandoc(options: Sequence[str], stdin: bytes, *, file: str, expected: str, seconds: float,
               heap_bytes: int = HEAP_BYTES, source_date_epoch: int | None = None, makes: str = "output") -> bytes:
    """pandoc `options` in its sandbox, `stdin` in and its standard output back, within the limits.

    `file` and `expected` make the problem raised when pandoc fails, times out or cannot start: the file
    being converted (as the user knows it) and what was expected of it; `makes` names what pandoc makes
    ("no DOCX after 120 seconds").
    """
    command = [pypandoc.get_pandoc_path(),
               # The runtime's own heap limit: pandoc accepts runtime options from the command line.
               "+RTS", f"-M{heap_bytes // 2**20}m", "-RTS",
               "--sandbox", *options]
    # The CPU limit stops pandoc even if this process dies and its wall-clock timeout with it. RLIMIT_CPU
    # counts whole seconds (0 would mean none at all); a hard limit a second past the soft one makes the
    # kernel send SIGXCPU, which names the cause, before SIGKILL.
    cpu_seconds = max(1, math.ceil(seconds))
    address_space = heap_bytes + ADDRESS_SPACE_HEADROOM

    def limit() -> None:  # runs in the child, before pandoc starts
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    # No HOME and no PATH: nothing of the user's (data folder, reference.docx, rsvg-convert) can change
    # the output. SOURCE_DATE_EPOCH is honoured by pandoc outside its sandbox only; it is passed anyway.
    environment = {"LC_ALL": "C.UTF-8"}
    if source_date_epoch is not None:
        environment["SOURCE_DATE_EPOCH"] = str(source_date_epoch)
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, timeout=seconds, env=environment,
                              preexec_fn=limit, check=False)
    except subprocess.TimeoutExpired:
        raise ProblemsFound([Problem(file, None, None, expected,
                                     f"no {makes} after {seconds:g} seconds: pandoc was stopped")]) from None
    except OSError as err:
        raise ProblemsFound([Problem(file, None, None, expected,
                                     f"pandoc could not start: {err.strerror or err}")]) from None
    if done.returncode != 0 or not done.stdout:
        raise ProblemsFound([Problem(file, None, None, expected,
                                     failure(done.returncode, done.stderr, heap_bytes))])
    return done.stdout


def failure(returncode: int, stderr: bytes, heap_bytes: int) -> str:
    """What stopped pandoc, in one line: the limit it hit, or the last line it wrote."""
    text = stderr.decode("utf-8", "replace")
    if "Heap exhausted" in text:
        return f"pandoc's heap reached its limit of {heap_bytes // 2**20} MiB"
    if returncode < 0:
        name = signal.Signals(-returncode).name if -returncode in signal.valid_signals() else str(-returncode)
        why = {"SIGXCPU": " (its CPU-time limit)", "SIGSEGV": " (likely its address-space limit)"}.get(name, "")
        return f"pandoc stopped by {name}{why}"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return shown(lines[-1], 200) if lines else f"pandoc exited with status {returncode} and no message"
