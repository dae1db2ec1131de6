"""Named random streams derived from one base seed.

Every consumer asks for a stream by a stable name ("arrivals:cartel_a", "patrol:3", ...). The
stream's seed is derived from the base seed and the name only, so adding a patrol never changes
the smugglers' draws (common random numbers across configurations).
"""

from __future__ import annotations

import hashlib

import numpy as np


def _name_key(name: str) -> list[int]:
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]


class Streams:
    """Factory of independent, reproducible numpy Generators keyed by name."""

    def __init__(self, base_seed: int) -> None:
        self.base_seed = int(base_seed)
        self._cache: dict[str, np.random.Generator] = {}

    def get(self, name: str) -> np.random.Generator:
        """The generator for `name` (created on first use, then reused)."""
        gen = self._cache.get(name)
        if gen is None:
            seq = np.random.SeedSequence(entropy=[self.base_seed, *_name_key(name)])
            gen = np.random.Generator(np.random.PCG64(seq))
            self._cache[name] = gen
        return gen


def addressed_uniform(seed: int, address: str) -> float:
    """A uniform number in [0, 1) that is a pure function of (seed, address), drawn from a
    counter-based generator (Philox keyed by the seed and a hash of the address). Unlike a
    stream it is never consumed in processing order: the same decision of the same entity gets
    the same number whatever else happened in the run (common random numbers across defences)."""
    return float(_addressed(seed, address).random())


def addressed_uniforms(seed: int, address: str, n: int) -> np.ndarray:
    """`n` uniform numbers in [0, 1), a pure function of (seed, address) as `addressed_uniform`
    (whose number is the first of them): number i belongs to item i of the decision, whatever
    the other items are."""
    return _addressed(seed, address).random(n)


def _addressed(seed: int, address: str) -> np.random.Generator:
    key = (
        int(seed) & 0xFFFFFFFFFFFFFFFF,
        int.from_bytes(hashlib.sha256(address.encode("utf-8")).digest()[:8], "little"),
    )
    return np.random.Generator(np.random.Philox(key=np.array(key, dtype=np.uint64)))
