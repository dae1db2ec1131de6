"""Run a list of sweep points through a Hydra launcher profile (conf/hydra/launcher/: local,
ray_cluster, slurm, slurm_local), as `python -m sim.run --multirun` runs a grid.

Designed experiments (sim.design) and optimisation studies choose their points themselves, so
they are not a grid that Hydra's sweeper could expand; they hand their points to the same
launcher, which runs each one with the same task function (sim.run.sweep_job) on whatever it
manages: local processes, Ray tasks, SLURM jobs. A point's results are therefore the same
files, whichever launcher ran it.
"""

from __future__ import annotations

from collections.abc import Sequence

from hydra import initialize_config_dir
from hydra._internal.callbacks import Callbacks
from hydra.core.global_hydra import GlobalHydra
from hydra.core.plugins import Plugins
from hydra.types import HydraContext, RunMode, TaskFunction

from sim.config import CONF_DIR, register_schema


def launch(points: Sequence[Sequence[str]], hydra_overrides: Sequence[str], task: TaskFunction, job_name: str) -> None:
    """Run `task` once per point (its overrides, each with its own `hydra.sweep.subdir=...`)
    through the launcher that `hydra_overrides` choose (`hydra/launcher=NAME`,
    `hydra.launcher.*`, `hydra.sweep.dir=...`); wait for all of them. A point that failed
    raises its error here, after the others have run."""
    if not points:
        return
    register_schema()
    with initialize_config_dir(config_dir=str(CONF_DIR), job_name=job_name, version_base="1.3"):
        hydra = GlobalHydra.instance().hydra
        assert hydra is not None
        cfg = hydra.compose_config("config", list(hydra_overrides), run_mode=RunMode.MULTIRUN)
        context = HydraContext(config_loader=hydra.config_loader, callbacks=Callbacks(cfg))
        launcher = Plugins.instance().instantiate_launcher(hydra_context=context, task_function=task, config=cfg)
        results = launcher.launch([list(p) for p in points], initial_job_idx=0)
    for r in results:
        _ = r.return_value  # re-raises the point's own error
