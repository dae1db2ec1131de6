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


_UNIT = 1.0 / 2**53  # the top 53 bits of a 64-bit integer, plus a half, times this: a uniform in (0, 1)


def _hash64(blob: bytes) -> int:
    """The first 8 bytes of the blob's SHA-256, as an unsigned 64-bit integer."""
    return int.from_bytes(hashlib.sha256(blob).digest()[:8], "little")


def addressed_uniform(seed: int, address: str) -> float:
    """A uniform number in (0, 1) that is a pure function of (seed, address): the top 53 bits of
    the SHA-256 of both (`address_key`). Unlike a stream it is never consumed in processing
    order: the same decision of the same entity gets the same number whatever else happened in
    the run (common random numbers across defences). About a microsecond: cheap enough for a
    draw per encounter."""
    return ((address_key(seed, address) >> 11) + 0.5) * _UNIT


def addressed_uniforms(seed: int, address: str, n: int) -> np.ndarray:
    """`n` uniform numbers in [0, 1), a pure function of (seed, address) (Philox, as
    `addressed_generator`): number i belongs to item i of the decision, whatever the other items
    are."""
    return addressed_generator(seed, address).random(n)


def addressed_generator(seed: int, address: str) -> np.random.Generator:
    """A generator whose numbers are a pure function of (seed, address): the few draws of one
    entity's one decision (a group's tip), taken in a fixed order from it, whatever other
    entities drew before."""
    key = (
        int(seed) & 0xFFFFFFFFFFFFFFFF,
        _hash64(address.encode("utf-8")),
    )
    return np.random.Generator(np.random.Philox(key=np.array(key, dtype=np.uint64)))


_GOLDEN_INT, _MIX1_INT, _MIX2_INT = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB  # splitmix64
_GOLDEN, _MIX1, _MIX2 = np.uint64(_GOLDEN_INT), np.uint64(_MIX1_INT), np.uint64(_MIX2_INT)
_MASK = 0xFFFFFFFFFFFFFFFF
_FEW_ITEMS = 16  # up to this many items, `keyed_uniforms` works on Python integers


def address_key(seed: int, address: str) -> int:
    """A 64-bit key that is a pure function of (seed, address): the first argument of
    `keyed_uniforms` for one decision of one entity (e.g. a group's sensor thresholds on its
    n-th plan)."""
    return _hash64(int(seed).to_bytes(8, "little", signed=True) + address.encode("utf-8"))


def item_keys(names: list[str]) -> np.ndarray:
    """A stable 64-bit key per item name (a sensor's name): what an item's draws are addressed
    by, so that they do not depend on the item's position in any list."""
    return np.array([_hash64(n.encode("utf-8")) for n in names], dtype=np.uint64)


def keyed_uniforms(key: int, items: np.ndarray) -> np.ndarray:
    """One uniform number in (0, 1) per item key, a pure function of (key, item): a counter-based
    draw (the splitmix64 finaliser, applied twice, of the key and the item) that no other draw
    consumes or shifts. Item i's number does not depend on which other items are asked for, nor in
    what order: adding a sensor to a route changes no other sensor's threshold. A few items (a
    route passes a handful of sensors) are worked out on Python integers, the same operations
    modulo 2**64 and the same last float operations: NumPy's calls cost ten times more there."""
    if len(items) <= _FEW_ITEMS:
        return np.array([_keyed_uniform(key, int(x)) for x in items], dtype=np.float64)
    with np.errstate(over="ignore"):
        z = np.asarray(items, dtype=np.uint64) * _GOLDEN + np.uint64(key & _MASK)
        for _ in range(2):
            z = z + _GOLDEN
            z = (z ^ (z >> np.uint64(30))) * _MIX1
            z = (z ^ (z >> np.uint64(27))) * _MIX2
            z = z ^ (z >> np.uint64(31))
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * _UNIT


def _keyed_uniform(key: int, item: int) -> float:
    """`keyed_uniforms` of one item on Python integers (each product and sum taken modulo 2**64,
    as NumPy's uint64 arithmetic wraps)."""
    z = ((item & _MASK) * _GOLDEN_INT + (key & _MASK)) & _MASK
    for _ in range(2):
        z = (z + _GOLDEN_INT) & _MASK
        z = ((z ^ (z >> 30)) * _MIX1_INT) & _MASK
        z = ((z ^ (z >> 27)) * _MIX2_INT) & _MASK
        z ^= z >> 31
    return ((z >> 11) + 0.5) * _UNIT
