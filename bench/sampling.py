"""CPU and memory of groups of processes over a measurement window, from /proc (Linux).

A `Meter` takes a snapshot of each group's processes when the window opens and when it closes; a group's
share is the CPU seconds its processes spent in between divided by the window's length, i.e. in *cores*
(1.0 = one core busy all the time). Processes that appear during the window count from zero; one that
exits during it loses its last moments (the bench keeps its processes alive across windows). The machine
line (/proc/stat) shows how busy the whole box was, the other engineers' test suites included.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PidSource = Callable[[], list[int]]


def proc_cpu(pid: int) -> float | None:
    """User + system CPU seconds of one process (all its threads), or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, PermissionError):
            continue
        children.setdefault(ppid, []).append(int(proc.name))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children.get(pid, []))
    return found


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


@dataclass
class Window:
    seconds: float
    cores: dict[str, float]  # group -> cores used on average
    per_pid: dict[str, dict[int, float]]  # group -> pid -> cores
    machine_cores: float  # the whole box (all processes), in cores


@dataclass
class Meter:
    groups: dict[str, PidSource]
    _started: float = 0.0
    _before: dict[str, dict[int, float]] = field(default_factory=dict)
    _machine: tuple[int, int] = (0, 0)

    def _snapshot(self) -> dict[str, dict[int, float]]:
        snapshot: dict[str, dict[int, float]] = {}
        for name, source in self.groups.items():
            taken: dict[int, float] = {}
            for pid in source():
                cpu = proc_cpu(pid)
                if cpu is not None:
                    taken[pid] = cpu
            snapshot[name] = taken
        return snapshot

    def start(self) -> None:
        self._before = self._snapshot()
        self._machine = machine_jiffies()
        self._started = time.monotonic()

    def stop(self) -> Window:
        after = self._snapshot()
        seconds = max(time.monotonic() - self._started, 1e-9)
        busy, total = machine_jiffies()
        machine = (busy - self._machine[0]) / max(total - self._machine[1], 1) * (os.cpu_count() or 1)
        per_pid: dict[str, dict[int, float]] = {}
        for name, now in after.items():
            before = self._before.get(name, {})
            per_pid[name] = {pid: (cpu - before.get(pid, 0.0)) / seconds for pid, cpu in now.items()}
        cores = {name: sum(values.values()) for name, values in per_pid.items()}
        return Window(seconds, cores, per_pid, machine)


def worker_split(per_pid: dict[int, float], workers: int) -> list[float]:
    """The `workers` busiest processes' shares of their total CPU (hypercorn may favour one worker)."""
    busiest = sorted(per_pid.values(), reverse=True)[:workers]
    total = sum(busiest) or 1.0
    return [round(value / total, 3) for value in busiest]
