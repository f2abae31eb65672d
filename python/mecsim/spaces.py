"""Minimal Box, Discrete and MultiDiscrete spaces, used when gymnasium is not installed.

They carry what an agent reads (shape, dtype, bounds, n, nvec) and sample, honouring an
action mask as gymnasium's spaces do; they are not a replacement for gymnasium.spaces.
"""

import numpy as np


class Space:
    def __init__(self, shape, dtype, seed=None):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.np_random = np.random.default_rng(seed)

    def seed(self, seed=None):
        self.np_random = np.random.default_rng(seed)
        return [seed]


class Box(Space):
    def __init__(self, low, high, shape, dtype=np.float32, seed=None):
        super().__init__(shape, dtype, seed)
        self.low = np.full(self.shape, low, dtype=self.dtype)
        self.high = np.full(self.shape, high, dtype=self.dtype)

    def contains(self, x):
        x = np.asarray(x)
        return x.shape == self.shape and bool(np.all(x >= self.low) and np.all(x <= self.high))

    def sample(self):
        lo = np.where(np.isfinite(self.low), self.low, -1.0)
        hi = np.where(np.isfinite(self.high), self.high, 1.0)
        return self.np_random.uniform(lo, hi).astype(self.dtype)

    def __repr__(self):
        return f"Box({self.low.min()}, {self.high.max()}, {self.shape}, {self.dtype})"


class Discrete(Space):
    def __init__(self, n, seed=None):
        super().__init__((), np.int64, seed)
        self.n = int(n)
        self.start = 0

    def contains(self, x):
        return np.ndim(x) == 0 and int(x) == x and 0 <= int(x) < self.n

    def sample(self, mask=None):
        if mask is None:
            return int(self.np_random.integers(self.n))
        allowed = np.flatnonzero(np.asarray(mask))
        return int(self.np_random.choice(allowed)) if len(allowed) else 0

    def __repr__(self):
        return f"Discrete({self.n})"


class MultiDiscrete(Space):
    def __init__(self, nvec, seed=None):
        nvec = np.asarray(nvec, dtype=np.int64)
        super().__init__(nvec.shape, np.int64, seed)
        self.nvec = nvec

    def contains(self, x):
        x = np.asarray(x)
        return x.shape == self.shape and bool(np.all(x >= 0) and np.all(x < self.nvec))

    def sample(self, mask=None):
        if mask is None:
            return (self.np_random.random(self.shape) * self.nvec).astype(np.int64)
        return np.array([_pick(self.np_random, m) for m in mask], dtype=np.int64)

    def __repr__(self):
        return f"MultiDiscrete({self.nvec})"


def _pick(rng, mask):
    allowed = np.flatnonzero(np.asarray(mask))
    return int(rng.choice(allowed)) if len(allowed) else 0
