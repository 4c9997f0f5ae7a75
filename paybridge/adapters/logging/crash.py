"""Crashes as log records: an exception that ends a process or a thread, or that Python can only ignore, is
written as one record of logger `paybridge.crash` through the JSON handler — `exc_type`, `exc_message` and the
traceback in `exc_info`, with the process's `pid` — instead of Python's multi-line plain-text traceback on
stderr, which a pipeline reading one JSON object per line cannot parse.

Every way such a traceback reaches the output, and what takes it over here:

- the main thread (`paybridge` commands, the single in-process worker): `sys.excepthook`, CRITICAL;
- any other thread: `threading.excepthook` (threading prints "Exception in thread ..."), ERROR — the process
  goes on;
- an exception Python can only ignore (raised in `__del__`, a weakref callback, an atexit function):
  `sys.unraisablehook` ("Exception ignored in: ..."), ERROR;
- a multiprocessing child (the `paybridge serve` workers): `Process._bootstrap` prints what escapes the
  target itself and never calls `sys.excepthook`, so the target's body runs under `exit_on_crash()`, which
  logs it (CRITICAL) and exits 1 as `_bootstrap` would — the supervisor still sees a failed worker.

Already records without help: asyncio's (and uvloop's) default exception handler logs "Task exception was never
retrieved" and the like through logger `asyncio` with the traceback, and hypercorn writes through the stdlib
logger `hypercorn.error` that `paybridge serve` configures. A KeyboardInterrupt (Ctrl-C at a terminal) keeps
Python's default report: it is not a crash.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Iterator
from types import TracebackType
from typing import Any

CRASH_LOGGER = "paybridge.crash"
EXIT_CRASHED = 1  # what Python, and multiprocessing for a child, exit with after an uncaught exception

_logger = logging.getLogger(CRASH_LOGGER)


def install_crash_hooks(handler: logging.Handler) -> None:
    """Sends every crash path above to logger `paybridge.crash`, written by `handler` alone (it does not
    propagate, so a process whose root logger writes plain text still reports its crash as JSON). Calling it
    again moves the records to the new handler."""
    _logger.propagate = False
    _logger.setLevel(logging.ERROR)
    for existing in list(_logger.handlers):
        _logger.removeHandler(existing)
    _logger.addHandler(handler)
    sys.excepthook = _uncaught
    threading.excepthook = _uncaught_in_thread
    sys.unraisablehook = _unraisable


def log_crash(
    error: BaseException, msg: str = "uncaught exception", level: int = logging.CRITICAL, **fields: Any
) -> None:
    """One record for `error`, with its traceback, type and message (see the JSON formatter)."""
    _logger.log(
        level, msg, exc_info=(type(error), error, error.__traceback__), extra={"pid": os.getpid(), **fields}
    )


@contextlib.contextmanager
def exit_on_crash(msg: str = "process crashed") -> Iterator[None]:
    """For the body of a multiprocessing child's target: an exception escaping it is logged and the process
    exits with EXIT_CRASHED (as `Process._bootstrap` would after printing it as plain text)."""
    try:
        yield
    except Exception as error:
        log_crash(error, msg)
        raise SystemExit(EXIT_CRASHED) from None


def _uncaught(kind: type[BaseException], error: BaseException, traceback: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, traceback)
        return
    log_crash(error.with_traceback(traceback))


def _uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or issubclass(args.exc_type, SystemExit):
        return  # what threading's own hook ignores too
    thread = args.thread.name if args.thread is not None else None
    error = args.exc_value.with_traceback(args.exc_traceback)
    log_crash(error, "uncaught exception in a thread", logging.ERROR, thread_name=thread)


def _unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    error = unraisable.exc_value
    if error is None:
        return
    msg = unraisable.err_msg or "Exception ignored in"
    if unraisable.object is not None:
        msg = f"{msg}: {_describe(unraisable.object)}"
    log_crash(error.with_traceback(unraisable.exc_traceback), msg, logging.ERROR)


def _describe(thing: object) -> str:
    try:
        return repr(thing)
    except Exception:  # a broken __repr__ must not hide the report
        return f"<{type(thing).__qualname__} object>"
