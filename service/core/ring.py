"""A fixed-size ring of recent int16 samples addressed by absolute sample index.

The session needs the audio of the utterance that just closed, never the whole
call: a ring bounds memory per call whatever the call's length.
"""

from __future__ import annotations

import numpy as np

__all__ = ["AudioRing"]


class AudioRing:
    def __init__(self, capacity: int) -> None:
        self._buf = np.zeros(capacity, dtype=np.int16)
        self._capacity = capacity
        self.written = 0  # total samples ever written (absolute index of the next sample)

    def write(self, samples: np.ndarray) -> None:
        n = samples.size
        if n >= self._capacity:
            samples = samples[-self._capacity :]
            self.written += n - self._capacity
            n = self._capacity
        pos = self.written % self._capacity
        first = min(n, self._capacity - pos)
        self._buf[pos : pos + first] = samples[:first]
        self._buf[: n - first] = samples[first:]
        self.written += n

    def read(self, start: int, end: int) -> np.ndarray:
        """Samples ``[start, end)`` clipped to what is still held."""
        start = max(start, self.written - self._capacity, 0)
        end = min(end, self.written)
        if end <= start:
            return np.zeros(0, dtype=np.int16)
        idx = np.arange(start, end) % self._capacity
        return self._buf[idx]
