"""Hydra composition: the schema registration and a compose() for code and tests."""

from __future__ import annotations

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


def compose(overrides: list[str] | None = None) -> tuple[RunConfig, str]:
    """Compose conf/config.yaml with `overrides` (Hydra syntax) outside of @hydra.main."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    register_schema()
    overrides = list(overrides or [])
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = hydra_compose(config_name="config", overrides=overrides)
    choice = next((o.split("=", 1)[1] for o in overrides if o.startswith("scenario=")), "demo")
    return to_run_config(cfg), scenario_origin(choice)
