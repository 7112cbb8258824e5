"""Memory that ended calls freed goes back to the operating system (glibc ``malloc_trim``), on a schedule."""

from __future__ import annotations

import subprocess
import sys
import time

from .conftest import ROOT, start_server
from .test_server_hardening import http_get
from .test_server_lifecycle import metric

# Allocate 200 MB in 100 kB blocks (below glibc's mmap threshold: they live in the heap arena), free every
# other one, and report the resident size before and after the trim: the freed holes stay resident until then.
FRAGMENT = """
from pathlib import Path
from service.ingress.memory import release_freed_memory
def rss_mb():
    line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024
blocks = [b"x" * 100_000 for _ in range(2000)]
del blocks[::2]
before = rss_mb()
print(release_freed_memory(), before, rss_mb())
"""


def test_freed_holes_in_the_heap_are_handed_back():
    out = subprocess.run([sys.executable, "-c", FRAGMENT], cwd=ROOT, capture_output=True, text=True, check=True)
    trimmed, before, after = out.stdout.split()
    assert trimmed == "True"  # this machine's C library is glibc
    assert float(before) - float(after) >= 50.0  # of the 100 MB freed in holes


def trims_after(served, seconds: float) -> float:
    time.sleep(seconds)
    return metric(http_get(served.http + "/metrics")[2], "callcoach_memory_trims_total")


def test_the_server_trims_on_its_schedule_and_not_when_off(tmp_path):
    for every, seconds, trimmed in ((0.2, 2.0, True), (0, 2.0, False)):
        served = start_server(tmp_path / f"trim-{every}", server={"memory_trim_every_s": every})
        try:
            assert (trims_after(served, seconds) >= 2) == trimmed
        finally:
            served.proc.terminate()
            served.proc.wait(timeout=60)
