"""Named registries of plug-ins: one per family (sensor types, patrol / routing / reaction
policies, coordination policies, injects).

A plug-in is a class with a `name` (what scenario files write) and a `Params` frozen dataclass
(its declared parameters, sim/params.py). A family's registry is built from an explicit list of
its classes in the family package's `__init__.py`: adding a plug-in is one new file plus its
line in that list. Scenario files name registered things; they never name Python callables, so
a scenario from another agency cannot run code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Mapping[str, T], Generic[T]):
    """A closed set of named plug-in classes of one family (read like a dict: name -> class)."""

    def __init__(self, family: str, classes: list[T]) -> None:
        self.family = family
        self._items: dict[str, T] = {}
        for cls in classes:
            self._add(cls)

    def _add(self, cls: T) -> None:
        name = getattr(cls, "name", None)
        if not isinstance(name, str) or not name:
            raise ValueError(f"{self.family} plug-in {cls!r} has no `name`")
        if not hasattr(cls, "Params"):
            raise ValueError(f"{self.family} {name!r} declares no `Params` dataclass")
        if name in self._items:
            raise ValueError(f"{self.family} {name!r} is registered twice")
        self._items[name] = cls

    @contextmanager
    def added(self, *classes: T) -> Iterator[None]:
        """Register `classes` for the duration of a block (a plug-in defined outside sim/, e.g.
        in a test or a notebook), then remove them."""
        for cls in classes:
            self._add(cls)
        try:
            yield
        finally:
            for cls in classes:
                self._items.pop(cls.name, None)  # type: ignore[attr-defined]

    def names(self) -> list[str]:
        return sorted(self._items)

    def __getitem__(self, name: str) -> T:
        return self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def get(self, name: str) -> T:  # type: ignore[override]
        """The class registered as `name`; an unknown name names the allowed ones."""
        try:
            return self._items[name]
        except KeyError:
            raise KeyError(f"unknown {self.family} {name!r}; allowed: {', '.join(self.names())}") from None
