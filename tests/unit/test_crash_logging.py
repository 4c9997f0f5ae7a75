"""The crash hooks (paybridge.adapters.logging.crash): a thread's uncaught exception, an exception Python
ignores, an uncaught one in the main thread and a crashed child process body are each one JSON record with
the exception's type, message and traceback; a KeyboardInterrupt keeps Python's own report. The processes
themselves are tested in tests/integration/test_crash_logging.py."""

from __future__ import annotations

import gc
import io
import json
import logging
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from paybridge.adapters.logging.crash import CRASH_LOGGER, EXIT_CRASHED, exit_on_crash, install_crash_hooks
from paybridge.adapters.logging.json_logging import exception_type, json_handler
from paybridge.application.context import RequestContext, enter_context, exit_context

SECRET = "configured-jwt-secret-0123456789"


class Boom(RuntimeError):
    pass


@pytest.fixture
def crash_log() -> Iterator[io.StringIO]:
    """The hooks installed on a JSON handler writing to a buffer; Python's own hooks restored afterwards."""
    saved = (sys.excepthook, threading.excepthook, sys.unraisablehook)
    crash = logging.getLogger(CRASH_LOGGER)
    saved_handlers, saved_propagate = list(crash.handlers), crash.propagate
    stream = io.StringIO()
    install_crash_hooks(json_handler(stream, secrets=[SECRET]))
    try:
        yield stream
    finally:
        sys.excepthook, threading.excepthook, sys.unraisablehook = saved
        crash.handlers[:] = saved_handlers
        crash.propagate = saved_propagate


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_an_uncaught_exception_in_a_thread_is_one_error_record(crash_log: io.StringIO) -> None:
    def fail() -> None:
        raise Boom(f"the worker thread failed with {SECRET}")

    thread = threading.Thread(target=fail, name="sweeper")
    thread.start()
    thread.join()
    (record,) = records(crash_log)
    assert (record["level"], record["logger"], record["msg"]) == (
        "ERROR",
        CRASH_LOGGER,
        "uncaught exception in a thread",
    )
    assert (record["thread_name"], record["pid"]) == ("sweeper", os.getpid())
    assert record["exc_type"] == f"{__name__}.Boom"
    assert record["exc_message"] == "the worker thread failed with [REDACTED]"  # scrubbed like any line
    assert "in fail" in record["exc_info"] and SECRET not in crash_log.getvalue()


def test_a_thread_ending_with_system_exit_is_not_a_crash(crash_log: io.StringIO) -> None:
    thread = threading.Thread(target=sys.exit)
    thread.start()
    thread.join()
    assert crash_log.getvalue() == ""


def test_an_exception_python_ignores_is_one_error_record(crash_log: io.StringIO) -> None:
    class Leaky:
        def __del__(self) -> None:
            raise Boom("cannot release")

    leaky = Leaky()
    del leaky
    gc.collect()
    (record,) = records(crash_log)
    assert record["level"] == "ERROR"
    assert record["msg"].startswith("Exception ignored in: <function ")
    assert "Leaky.__del__" in record["msg"]
    assert (record["exc_type"], record["exc_message"]) == (f"{__name__}.Boom", "cannot release")
    assert "in __del__" in record["exc_info"]


def test_an_uncaught_exception_is_one_critical_record_with_the_request_context(
    crash_log: io.StringIO,
) -> None:
    try:
        raise ValueError("bad state")
    except ValueError as error:
        token = enter_context(RequestContext("req-1", "corr-1", "user-1", None))
        try:
            sys.excepthook(type(error), error, error.__traceback__)
        finally:
            exit_context(token)
    (record,) = records(crash_log)
    assert (record["level"], record["msg"]) == ("CRITICAL", "uncaught exception")
    assert (record["exc_type"], record["exc_message"]) == ("ValueError", "bad state")
    assert record["exc_info"].endswith("ValueError: bad state")
    assert (record["correlation_id"], record["request_id"], record["user_id"]) == (
        "corr-1",
        "req-1",
        "user-1",
    )


def test_keyboard_interrupt_keeps_pythons_report(
    crash_log: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    error = KeyboardInterrupt()
    sys.excepthook(KeyboardInterrupt, error, None)
    assert crash_log.getvalue() == ""
    assert "KeyboardInterrupt" in capsys.readouterr().err


def test_a_crashed_process_body_is_logged_and_exits_1(crash_log: io.StringIO) -> None:
    with pytest.raises(SystemExit) as exited, exit_on_crash("worker crashed"):
        raise OSError(98, "Address already in use")
    assert exited.value.code == EXIT_CRASHED == 1
    assert exited.value.__suppress_context__  # nothing chained: multiprocessing prints no traceback
    (record,) = records(crash_log)
    assert (record["level"], record["msg"]) == ("CRITICAL", "worker crashed")
    assert (record["exc_type"], record["exc_message"]) == ("OSError", "[Errno 98] Address already in use")


def test_a_clean_process_body_and_system_exit_pass_through(crash_log: io.StringIO) -> None:
    with exit_on_crash():
        pass
    with pytest.raises(SystemExit) as exited, exit_on_crash():
        sys.exit(3)
    assert exited.value.code == 3
    assert crash_log.getvalue() == ""


def test_the_hooks_move_to_the_last_handler_installed(crash_log: io.StringIO) -> None:
    later = io.StringIO()
    install_crash_hooks(json_handler(later))
    sys.excepthook(Boom, Boom("late"), None)
    assert crash_log.getvalue() == ""
    assert [r["exc_message"] for r in records(later)] == ["late"]


def test_exception_type_names() -> None:
    assert exception_type(KeyError("k")) == "KeyError"
    assert exception_type(Boom()) == f"{__name__}.Boom"
    assert exception_type(json.JSONDecodeError("m", "d", 0)) == "json.decoder.JSONDecodeError"
