"""Memory diagnostic for `coach serve` under scripts/bench_soak.py --trace-memory (never loaded otherwise).

Why a sitecustomize: the soak benchmark runs the real `coach serve` in a child
process, and what grows in it can only be seen from inside. The benchmark puts
this folder on the child's PYTHONPATH and names an output file in
CALLCOACH_SOAK_MEMTRACE; Python then imports this module at start-up and a
daemon thread writes one JSON line every CALLCOACH_SOAK_MEMTRACE_S seconds:

* ``rss_mb``: what the kernel charges the process (VmRSS);
* ``py_traced_mb``: the Python heap as tracemalloc sees it (every object and
  numpy buffer allocated through Python), so ``rss - py_traced`` is native
  memory (CTranslate2, glibc arenas, thread stacks);
* ``malloc_*_mb``: glibc's mallinfo2 (in use, free but kept in arenas, mmapped),
  to tell a leak from arena fragmentation;
* ``threads`` and counts of the call objects the collector tracks (more
  pipelines or sessions than runners means ended calls are kept: that is
  how the reference cycle of issue 13 showed), with ``gc_collections`` per
  generation (a full collection is rare in a server with a large heap);
* ``top``: the allocation sites that grew most since the first sample past
  CALLCOACH_SOAK_MEMTRACE_WARMUP_S (tracemalloc, grouped by file and line).

tracemalloc slows Python and costs memory of its own: the benchmark's figures
of a traced run are for diagnosis, never for the README.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import threading
import time
import tracemalloc
from pathlib import Path

_OUT = os.environ.get("CALLCOACH_SOAK_MEMTRACE")
_EVERY_S = float(os.environ.get("CALLCOACH_SOAK_MEMTRACE_S", "15"))
_WARMUP_S = float(os.environ.get("CALLCOACH_SOAK_MEMTRACE_WARMUP_S", "45"))
_FRAMES = int(os.environ.get("CALLCOACH_SOAK_MEMTRACE_FRAMES", "1"))  # 0: no tracemalloc
_TOP = 12
_WATCHED = ("CallPipeline", "CallSession", "CallRunner", "DecodeJob", "TranscriptionRequest")
MB = 1024 * 1024


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def _mallinfo() -> dict[str, float]:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return {}
    return {"malloc_in_use_mb": info.uordblks / MB, "malloc_free_mb": info.fordblks / MB,
            "malloc_mmapped_mb": info.hblkhd / MB, "malloc_arena_mb": info.arena / MB}


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _alive() -> dict[str, float]:
    counts = dict.fromkeys(_WATCHED, 0)
    for obj in gc.get_objects():
        name = type(obj).__name__
        if name in counts:
            counts[name] += 1
    return counts


def _sample(t0: float, baseline: tracemalloc.Snapshot | None) -> tuple[dict, tracemalloc.Snapshot | None]:
    t = time.monotonic() - t0
    line = {"t_s": round(t, 1), "rss_mb": round(_rss_mb(), 1), "threads": threading.active_count(),
            **{k: round(v, 1) for k, v in _mallinfo().items()}, **_alive(),
            "gc_collections": [g["collections"] for g in gc.get_stats()]}
    if tracemalloc.is_tracing():
        line["py_traced_mb"] = round(tracemalloc.get_traced_memory()[0] / MB, 1)
        if t >= _WARMUP_S:
            snapshot = tracemalloc.take_snapshot().filter_traces((tracemalloc.Filter(False, tracemalloc.__file__),))
            if baseline is None:
                baseline = snapshot
            else:
                line["top"] = [f"{s.size_diff / MB:+.1f} MB {s.count_diff:+d} {s.traceback}"
                               for s in snapshot.compare_to(baseline, "lineno")[:_TOP]]
    return line, baseline


def _run() -> None:
    t0 = time.monotonic()
    baseline = None
    with open(_OUT, "a", encoding="utf-8") as out:
        while True:
            line, baseline = _sample(t0, baseline)
            out.write(json.dumps(line) + "\n")
            out.flush()
            time.sleep(_EVERY_S)


if _OUT:
    if _FRAMES:
        tracemalloc.start(_FRAMES)
    threading.Thread(target=_run, name="soak-memtrace", daemon=True).start()
