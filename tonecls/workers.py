"""Worker processes that end with their parent, and an ordered map over them.

A parallel run that is killed (even with SIGKILL, which no clean-up code
sees) must not leave worker processes running for minutes, holding memory
and cores. Each worker asks the kernel to send it SIGTERM when its parent
dies (Linux), or watches its parent from a thread (elsewhere).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from tonecls.errors import ToneclsError
from tonecls.interrupt import held

T = TypeVar("T")
R = TypeVar("R")
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
PARENT_POLL_SECONDS = 0.5


def die_with_parent(parent_pid: int) -> None:
    """End this process soon after ``parent_pid`` ends, however the parent ended."""
    if sys.platform.startswith("linux") and _set_parent_death_signal():
        if os.getppid() != parent_pid:  # the parent died before the kernel was asked
            os._exit(1)
        return
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="watch-parent", daemon=True).start()


def _set_parent_death_signal() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


class _ArmedOnArrival:
    """Unpickled in a new worker before the initializer (whose module may take seconds to import).

    Unpickling it calls ``die_with_parent`` at once, so a worker still
    starting up also ends with its parent.
    """

    def __init__(self, parent_pid: int):
        self.parent_pid = parent_pid

    def __reduce__(self):
        return die_with_parent, (self.parent_pid,)


def _start_worker(armed: _ArmedOnArrival | None, initializer: Callable[..., None] | None, initargs: tuple) -> None:
    if isinstance(armed, _ArmedOnArrival):  # not unpickled (a forked worker): arm now
        die_with_parent(armed.parent_pid)
    # Ctrl-C reaches the whole process group: the parent unwinds and shuts the pool down, workers just finish.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(*initargs)


def ordered_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    ahead: int | None = None,
) -> Iterator[R]:
    """``fn(item)`` for each item, computed in ``workers`` fresh processes, yielded in input order.

    At most ``ahead`` items (default: two per worker) are in flight, so memory
    stays flat however long ``items`` is. ``fn`` and ``initializer`` must be
    importable top-level functions; each worker runs ``initializer(*initargs)`` once.
    """
    ahead = ahead or 2 * workers
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),  # no fork of a process that may run threads
        initializer=_start_worker,
        initargs=(_ArmedOnArrival(os.getpid()), initializer, initargs),
    )
    pending: deque = deque()
    try:
        for item in items:
            with held():  # submit may start a worker: a signal half-way through its start-up data kills it noisily
                pending.append(pool.submit(fn, item))
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except BrokenProcessPool:
        raise ToneclsError("a worker process ended unexpectedly (killed, or out of memory?)") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
