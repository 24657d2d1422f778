"""Worker processes for `cube serve --workers N`, each listening on its own socket.

uvicorn's workers share one listening socket and the kernel gives each new connection
to whichever process is waiting first. Touchpoint systems hold keep-alive connections,
so that first split is the split for good: measured, 24 of 32 connections landed on
one of two workers, which saturated at 1,000 req/s while the other sat at 20% CPU.
Here every worker binds the port itself with SO_REUSEPORT, and the kernel spreads
connections over the workers by hash.

The parent restarts a worker that dies, gives up (exit 1) when workers die right after
starting (a port in use, a stale schema), and stops them all on SIGINT or SIGTERM.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
import socket
import threading
import time
from typing import Any

from cube.cli.output import err

SUPPORTED = hasattr(socket, "SO_REUSEPORT")
# A worker that exits sooner than this after its start did not start at all.
_EARLY_EXIT_S = 10.0
_STOP_GRACE_S = 30.0


def listening_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket that other processes may bind to the same port too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def run_worker(options: dict[str, Any]) -> None:
    """One worker: its own socket, one uvicorn server (a spawn target, so module level)."""
    import uvicorn

    config = uvicorn.Config(**options)
    sock = listening_socket(config.host, config.port)
    uvicorn.Server(config).run(sockets=[sock])


def supervise(workers: int, options: dict[str, Any]) -> int:
    """Run `workers` workers until a signal; the exit code of `cube serve`."""
    context = mp.get_context("spawn")
    stop = threading.Event()

    def start() -> tuple[Any, float]:
        proc = context.Process(target=run_worker, args=(options,), daemon=False)
        proc.start()
        return proc, time.monotonic()

    def on_signal(signum: int, _: Any) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    running = [start() for _ in range(workers)]
    code = 0
    try:
        while not stop.wait(0.5):
            for i, (proc, started) in enumerate(running):
                if proc.is_alive():
                    continue
                if time.monotonic() - started < _EARLY_EXIT_S:
                    err.print(f"a worker exited with {proc.exitcode} while starting; stopping")
                    code = 1
                    stop.set()
                    break
                err.print(f"a worker exited with {proc.exitcode}; starting another")
                running[i] = start()
    finally:
        _stop(proc for proc, _ in running)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return code


def _stop(procs: Any) -> None:
    """SIGTERM (uvicorn drains and shuts down gracefully), then SIGKILL after a grace."""
    procs = list(procs)
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    deadline = time.monotonic() + _STOP_GRACE_S
    for proc in procs:
        proc.join(max(0.0, deadline - time.monotonic()))
        if proc.is_alive():
            proc.kill()
            proc.join()
