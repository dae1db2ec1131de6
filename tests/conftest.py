import sys
from functools import lru_cache
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sim.config import compose  # noqa: E402
from sim.world import build_world  # noqa: E402


@lru_cache(maxsize=16)
def _world(overrides: tuple[str, ...]):
    c = compose(list(overrides))
    return build_world(c.scenario, c.origin)


@pytest.fixture(scope="session")
def world_for():
    """world_for("scenario.x=1", ...) -> World of the composed demo scenario (cached)."""
    return lambda *overrides: _world(tuple(overrides))
