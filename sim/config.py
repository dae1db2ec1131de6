"""Hydra composition: the schema registration, a compose() for code and tests, and one clear
message for every composition error (file, key, allowed values)."""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from sim.scenario import RunConfig

ROOT = Path(__file__).resolve().parent.parent
CONF_DIR = ROOT / "conf"
SCENARIO_DIR = ROOT / "scenarios"


def register_schema() -> None:
    """Make the typed schema known to Hydra as `run_schema` (idempotent)."""
    ConfigStore.instance().store(name="run_schema", node=RunConfig)


def to_run_config(cfg: DictConfig) -> RunConfig:
    """Composed DictConfig -> typed dataclasses (types were already checked by OmegaConf)."""
    return OmegaConf.to_object(cfg)  # type: ignore[return-value]


def scenario_origin(choice: str | None) -> str:
    """The file a scenario came from, for error messages."""
    return f"scenarios/{choice}.yaml" if choice else "the composed scenario"


class ConfigError(ValueError):
    """A config that cannot be composed: unknown key, wrong type, missing scenario."""


def _allowed_keys(object_type: object) -> str:
    if dataclasses.is_dataclass(object_type):
        return ", ".join(f.name for f in dataclasses.fields(object_type))
    return "(see docs/scenario-reference.md)"


def _type_name(object_type: object, key: str) -> str:
    if dataclasses.is_dataclass(object_type):
        hints = typing.get_type_hints(object_type)
        if key in hints:
            t = hints[key]
            return getattr(t, "__name__", str(t))
    return "?"


def explain(exc: Exception, overrides: list[str]) -> str:
    """One message naming where the bad value came from, the key and what is allowed."""
    cause: BaseException = exc
    while getattr(cause, "full_key", None) is None and (cause.__cause__ or cause.__context__) is not None:
        cause = cause.__cause__ or cause.__context__  # Hydra wraps the OmegaConf error 1-2 levels deep
    text = str(exc)
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:  # YAML syntax problem: file, line, what
        where = Path(mark.name).relative_to(ROOT) if mark.name.startswith(str(ROOT)) else mark.name
        return f"{where}, line {mark.line + 1}: YAML error: {getattr(exc, 'problem', text)}"
    full_key = getattr(cause, "full_key", None)
    m = re.match(r"In '([^']+)'", text)
    if m and m.group(1).startswith("scenario/"):
        where = f"scenarios/{m.group(1).split('/', 1)[1]}.yaml"
    elif m:
        where = f"conf/{m.group(1)}.yaml"
    elif full_key and any(o.lstrip("+~").startswith(full_key + "=") for o in overrides):
        where = f"command-line override '{next(o for o in overrides if o.lstrip('+~').startswith(full_key + '='))}'"
    else:
        where = "the composed config"
    obj, key = getattr(cause, "object_type", None), getattr(cause, "key", None)
    if full_key and "not in" in str(cause).splitlines()[0]:
        return f"{where}: unknown key '{full_key}'; allowed keys there: {_allowed_keys(obj)}"
    if full_key and key is not None:
        first = str(cause).splitlines()[0]
        return f"{where}: bad value for '{full_key}' (expected {_type_name(obj, str(key))}): {first}"
    if "Could not find" in text:
        options = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
        wanted = re.search(r"Could not find '([^']+)'", text)
        name = wanted.group(1) if wanted else "?"
        return f"{where}: no scenario file for '{name}'; allowed: {', '.join(options)} (files in scenarios/)"
    return f"{where}: {text.strip()}"


def compose(overrides: list[str] | None = None) -> tuple[RunConfig, str]:
    """Compose conf/config.yaml with `overrides` (Hydra syntax) outside of @hydra.main.
    Raises ConfigError with one clear message on any composition problem."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    register_schema()
    overrides = list(overrides or [])
    try:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            cfg = hydra_compose(config_name="config", overrides=overrides)
        run_cfg = to_run_config(cfg)
    except Exception as exc:  # Hydra and OmegaConf raise several unrelated types
        if type(exc).__module__.split(".")[0] not in ("hydra", "omegaconf", "yaml"):
            raise
        raise ConfigError(explain(exc, overrides)) from exc
    choice = next((o.split("=", 1)[1] for o in overrides if o.startswith("scenario=")), "demo")
    return run_cfg, scenario_origin(choice)
