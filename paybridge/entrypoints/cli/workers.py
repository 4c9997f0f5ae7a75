"""Serving processes: one hypercorn worker in-process, or a supervisor that runs N worker processes on
shared listening sockets.

Shutdown, as Kubernetes expects it: on SIGTERM (or SIGINT) a worker marks itself draining at once — `/ready`
answers 503 — waits `drain_seconds` so load balancers stop routing to it, then stops accepting connections,
lets in-flight requests finish within hypercorn's graceful timeout, runs the app's lifespan shutdown (the
pool closes) and exits 0. A second signal skips the remaining drain delay. The supervisor forwards signals
to its workers, restarts a worker that dies unexpectedly after it served, stops every worker and exits 1 when
one dies before it ever listened (it cannot start at all: a bad certificate, an unreachable database), and
exits 0 when every worker stopped cleanly.

A worker process that crashes logs the exception as one JSON record (logger `paybridge.crash`, with `pid`)
and exits 1; multiprocessing would otherwise print it as a plain-text traceback.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from typing import Any

from hypercorn.app_wrappers import ASGIWrapper
from hypercorn.asyncio.run import worker_serve
from hypercorn.config import Config, Sockets

from paybridge.bootstrap import configure_crash_logging, exit_on_crash, mark_process_dead

logger = logging.getLogger("paybridge.serve")
SHUTDOWN_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def worker_process(config: Config, sockets: Sockets, drain_seconds: float, listening: Event) -> None:
    """Target of a worker process (spawned: a fresh interpreter): `run_worker`, setting `listening` once
    hypercorn listens. Crashes are JSON records from the first line on, and one that ends the worker is
    logged and exits 1 instead of multiprocessing's plain-text traceback."""
    configure_crash_logging()  # the app configures logging in full when it is built
    with exit_on_crash("worker crashed"):
        run_worker(config, sockets, drain_seconds, listening.set)


def run_worker(
    config: Config,
    sockets: Sockets | None,
    drain_seconds: float,
    on_listening: Callable[[], None] | None = None,
) -> None:
    """Serves until a shutdown signal (a worker process, or the single in-process worker); `on_listening` is
    called once hypercorn listens, after the app started."""
    try:
        import uvloop

        loop_factory: Any = uvloop.new_event_loop
    except ImportError:  # pragma: no cover - uvloop is a dependency on every supported platform but Windows
        loop_factory = None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(_serve(config, sockets, drain_seconds, on_listening))


async def _serve(
    config: Config,
    sockets: Sockets | None,
    drain_seconds: float,
    on_listening: Callable[[], None] | None,
) -> None:
    from paybridge.entrypoints.http.asgi import app  # built here, in the worker, from the environment

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def on_signal(signum: int) -> None:
        if app.state.draining:
            stop.set()
            return
        app.state.draining = True
        logger.info(
            "shutdown requested: draining",
            extra={"signal": signal.Signals(signum).name, "drain_seconds": drain_seconds, "pid": os.getpid()},
        )
        loop.call_later(drain_seconds, stop.set)

    async def until_stopped() -> None:  # hypercorn awaits this once its servers listen
        if on_listening is not None:
            on_listening()
        logger.info("worker listening", extra={"pid": os.getpid()})
        await stop.wait()

    for signum in SHUTDOWN_SIGNALS:
        loop.add_signal_handler(signum, on_signal, signum)
    await worker_serve(
        ASGIWrapper(app),  # type: ignore[arg-type]  # Starlette is an ASGI app; the stubs differ
        config,
        sockets=sockets,
        shutdown_trigger=until_stopped,
    )
    logger.info("worker stopped", extra={"pid": os.getpid()})


class Supervisor:
    def __init__(self, config: Config, workers: int, drain_seconds: float) -> None:
        self._config = config
        self._workers = workers
        self._drain_seconds = drain_seconds
        self._context = multiprocessing.get_context("spawn")
        self._processes: dict[int, tuple[BaseProcess, Event]] = {}  # pid -> (process, listening)
        self._stopping = False
        self._failed = False

    def run(self) -> int:
        sockets = self._config.create_sockets()
        try:
            for signum in SHUTDOWN_SIGNALS:
                signal.signal(signum, self._on_signal)
            for _ in range(self._workers):
                self._start(sockets)
            while self._processes:
                sentinels = {process.sentinel: pid for pid, (process, _) in self._processes.items()}
                for sentinel in wait(list(sentinels), timeout=1.0):
                    self._reap(sentinels[sentinel], sockets)  # type: ignore[index]
        finally:
            for sock in [*sockets.secure_sockets, *sockets.insecure_sockets, *sockets.quic_sockets]:
                sock.close()
        return 1 if self._failed else 0

    def _start(self, sockets: Sockets) -> None:
        listening = self._context.Event()
        process = self._context.Process(
            target=worker_process,
            args=(self._config, sockets, self._drain_seconds, listening),
            name="paybridge-worker",
        )
        process.start()
        assert process.pid is not None  # noqa: S101 - set by start()
        self._processes[process.pid] = (process, listening)
        logger.info("worker started", extra={"pid": process.pid})

    def _reap(self, pid: int, sockets: Sockets) -> None:
        process, listening = self._processes.pop(pid)
        process.join()
        code = process.exitcode
        mark_process_dead(pid)  # its live gauges (in-flight, pool) leave the multiprocess totals
        if self._stopping:
            if code != 0:
                self._failed = True
                logger.error("worker exited uncleanly during shutdown", extra={"pid": pid, "exitcode": code})
            return
        if not listening.is_set():  # it never served: a replacement would fail the same way
            logger.error("worker could not start; stopping", extra={"pid": pid, "exitcode": code})
            self._failed = True
            self._on_signal(signal.SIGTERM, None)
            return
        logger.error("worker died; starting a replacement", extra={"pid": pid, "exitcode": code})
        self._start(sockets)

    def _on_signal(self, signum: int, frame: object) -> None:
        self._stopping = True
        for process, _ in self._processes.values():
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signum)
