"""SIGTERM and SIGHUP unwind the command like Ctrl-C does, so that its clean-up code runs.

By default these signals end Python on the spot: no ``finally``, no
``except BaseException``, so a stopped `tonecls score` would leave its
temporary output behind. While a command runs they raise ``Stopped`` instead.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

UNWINDING = (signal.SIGTERM, signal.SIGHUP)


class Stopped(SystemExit):
    """The command was stopped by a signal; its exit code is 128 + the signal number, as a shell reports it."""

    def __init__(self, signum: int):
        super().__init__(128 + signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


@contextmanager
def unwind_on_signals(signums: tuple[int, ...] = UNWINDING) -> Iterator[None]:
    """Within the block, the signals raise ``Stopped`` in the main thread; the old handlers come back after.

    The first signal starts the unwinding and later ones are ignored until the
    block ends, so that a second SIGTERM (or the SIGHUP that often follows
    one) cannot cut the clean-up short. Outside the main thread this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in signums}

    def stop(signum: int, frame: object) -> None:
        for s in signums:
            signal.signal(s, signal.SIG_IGN)
        raise Stopped(signum)

    for s in signums:
        signal.signal(s, stop)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)


HELD = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextmanager
def held(signums: tuple[int, ...] = HELD) -> Iterator[None]:
    """Within the block, the signals are noted, not acted on; the first one is raised again when it ends.

    For the short steps that must not be cut in two, such as starting a worker
    process (its start-up data is written down a pipe: a worker that reads half
    of it dies printing a traceback). Blocking the signal in the main thread is
    not enough, since another thread may take it and Python then runs the
    handler in the main thread anyway. Outside the main thread this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []
    previous = {s: signal.signal(s, lambda signum, frame: noted.append(signum)) for s in signums}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        if noted:
            signal.raise_signal(noted[0])
