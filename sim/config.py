"""Hydra composition, once: conf/config.yaml + a scenario file + overrides -> the typed run keys
and the typed, checked scenario, or one clear message (file, key, allowed values).

Hydra composes YAML and applies overrides; it types only the run keys (the schema registered as
`run_schema`, built from `sim.scenario.RunKeys`). The scenario is data: it is parsed and checked
against the declared parameters (sim/params.py, sim/validation.py), and a scenario file may not
use OmegaConf interpolations (`${oc.env:...}`, `${now:...}`): they would leak the environment or
the clock into results.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, ListConfig, OmegaConf

from sim.params import Problems, check_tree, parse
from sim.plugins import PLUGINS
from sim.scenario import RunKeys, ScenarioSpec, safe_name
from sim.validation import ScenarioError, parse_scenario

ROOT = Path(__file__).resolve().parent.parent
CONF_DIR = ROOT / "conf"
SCENARIO_DIR = ROOT / "scenarios"
RUN_KEYS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(RunKeys))
INPUT_KEYS = ("scenario", "scenario_file")  # choose the scenario; not keys of it


def _run_schema() -> type:
    """The Hydra schema: the run keys typed (from RunKeys, the one list of them) and the
    scenario as untyped data (checked by sim.validation instead)."""
    fields = [(f.name, f.type, dataclasses.field(default=f.default)) for f in dataclasses.fields(RunKeys)]
    # the scenario node is not in struct mode: any scenario key may be set from the command line,
    # and the scenario parser names the unknown ones with the keys allowed there
    scenario = dataclasses.field(default_factory=lambda: OmegaConf.create({}, flags={"struct": False}))
    return dataclasses.make_dataclass("RunSchema", [("scenario", Any, scenario), *fields])


def register_schema() -> None:
    """Make the schema known to Hydra as `run_schema` (idempotent; a schema named `config`
    next to config.yaml would recurse)."""
    ConfigStore.instance().store(name="run_schema", node=_run_schema())


def scenario_origin(choice: str | None) -> str:
    """The file a scenario came from, for error messages."""
    return f"scenarios/{choice}.yaml" if choice else "the composed scenario"


class ConfigError(ValueError):
    """A config that cannot be composed: unknown key, wrong type, missing scenario, bad run key."""


@dataclass(frozen=True)
class Composed:
    """One composed configuration: what to run (scenario), how (run keys), where it came from."""

    scenario: ScenarioSpec
    run: RunKeys
    origin: str  # the scenario file, for messages
    raw: dict  # the composed config as plain data (written to config.yaml)
    overrides: tuple[str, ...]

    def value(self, key: str) -> Any:
        """The composed value of a dotted key (a swept key's value for the results table)."""
        node: Any = self.raw
        for part in key.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        return node


def check_launcher(overrides: Sequence[str]) -> None:
    """Refuse (ConfigError, one line) a launcher that does not exist (`hydra/launcher=NAME`) or a
    `hydra.launcher.*` key or value it does not take, before a sweep writes anything: Hydra's own
    report of either is many lines and exit code 1."""
    own = [o for o in overrides if o.lstrip("+~").startswith(("hydra/launcher=", "hydra.launcher."))]
    if not own:
        return
    register_schema()
    choice = [o for o in own if o.lstrip("+~").startswith("hydra/launcher=")][-1:]
    ours = sorted(p.stem for p in (CONF_DIR / "hydra" / "launcher").glob("*.yaml"))
    name = choice[0].split("=", 1)[1] if choice else "basic"
    try:  # one of ours, or one a Hydra plug-in installs (joblib, ...)
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            launcher = hydra_compose(config_name="config", overrides=choice, return_hydra_config=True).hydra.launcher
    except Exception as exc:  # noqa: BLE001  (Hydra's MissingConfigException and its kin)
        if name in ours:  # our profile, its launcher package not installed (an optional extra)
            cause = str(exc.__cause__ or exc).splitlines()[0]
            raise ConfigError(
                f"command-line override '{choice[0]}': the profile's launcher is not installed ({cause}); "
                "allowed: install its extra (.venv/bin/pip install -e '.[ray]' or '.[slurm]', README: Run a "
                "sweep), or another launcher"
            ) from exc
        raise ConfigError(
            f"command-line override '{choice[0]}': no such launcher; allowed: basic (the default: one process), "
            f"{', '.join(ours)} (conf/hydra/launcher/)"
        ) from exc
    keys = sorted(k for k in launcher if k != "_target_")
    for o in own:
        if o.lstrip("+~").startswith("hydra/launcher="):  # the last one holds, as in Hydra
            continue
        key = o.lstrip("+~").split("=", 1)[0].removeprefix("hydra.launcher.").split(".")[0]
        if key not in keys:
            raise ConfigError(
                f"command-line override '{o}': the {name} launcher has no key {key!r}; allowed: "
                f"{', '.join(keys) or 'none'}"
            )
        try:
            with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
                hydra_compose(config_name="config", overrides=[*choice, o], return_hydra_config=True)
        except Exception as exc:  # noqa: BLE001  (a value of the wrong type)
            cause = exc.__cause__ or exc
            raise ConfigError(f"command-line override '{o}': {str(cause).splitlines()[0]}") from exc


def compose(overrides: Sequence[str] = ()) -> Composed:
    """Compose conf/config.yaml with `overrides` (Hydra syntax; `hydra.*` keys other than
    `hydra.searchpath` are the launcher's) and check everything. `scenario=NAME` takes
    scenarios/NAME.yaml; `scenario_file=PATH` a scenario file anywhere else (it may build on a
    shipped scenario or a file in its folder with `defaults: [NAME, _self_]`). Raises ConfigError
    (composition, run keys) or ScenarioError (content)."""
    register_schema()
    overrides = tuple(overrides)
    own = [
        o for o in overrides if not o.lstrip("+~").startswith(("hydra.", "hydra/")) or o.startswith("hydra.searchpath=")
    ]
    file = next((o.split("=", 1)[1] for o in own if o.lstrip("+").startswith("scenario_file=")), None)
    choice = next((o.split("=", 1)[1] for o in own if o.lstrip("+").startswith("scenario=")), "demo")
    if file is None and (not safe_name(choice) or choice.lower() in ("null", "none")):  # (null: Hydra's None)
        names = ", ".join(shipped_scenarios())
        raise ConfigError(
            f"command-line override 'scenario={choice}': a scenario is a name in scenarios/; "
            f"allowed: {names}; a file elsewhere is loaded with scenario_file=PATH"
        )
    with tempfile.TemporaryDirectory(prefix="border-sim-scenario-") as tmp:
        if file is not None:
            own = [o for o in own if not o.lstrip("+").startswith(("scenario_file=", "scenario="))]
            own += _scenario_file(Path(file), Path(tmp))
        try:
            with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
                cfg = hydra_compose(config_name="config", overrides=own)
        except Exception as exc:  # Hydra and OmegaConf raise several unrelated types
            if type(exc).__module__.split(".")[0] not in ("hydra", "omegaconf", "yaml"):
                raise
            raise ConfigError(explain(exc, own, file)) from exc
    origin = file if file is not None else scenario_origin(choice)
    return from_config(cfg, origin, [o for o in overrides if not o.lstrip("+").startswith("scenario_file=")])


def jobs_of_scenario_file(overrides: list[str], folder: Path) -> list[str]:
    """`overrides` with scenario_file=PATH (or +scenario_file=) made something the jobs of a sweep
    or a design load: the file linked in `folder` (see `linked_scenario_file`) and scenario=_file.
    Unchanged without one; one file only (ConfigError otherwise: a sweep over files is one command
    per file)."""
    given = [o for o in overrides if o.lstrip("+").startswith("scenario_file=")]
    if not given:
        return list(overrides)
    value = given[0].lstrip("+").split("=", 1)[1].strip("'\"")
    if len(given) > 1 or "," in value or not value:
        raise ConfigError(
            f"command-line override '{given[0]}': allowed: one scenario file per sweep "
            "(run one sweep per file, each with its own name)"
        )
    links = linked_scenario_file(Path(value).resolve(), folder)
    return [o for o in overrides if o not in given and not o.lstrip("+").startswith("scenario=")] + links


def linked_scenario_file(path: Path, folder: Path) -> list[str]:
    """For a --multirun sweep of the scenario file `path`: its links (and its neighbours', which
    its `defaults:` may name) in `folder`, kept for the sweep's jobs (a launcher runs them after
    this process has moved on, or elsewhere), replacing any earlier links there; returns the
    overrides that make each job load it (see `_scenario_file`)."""
    if folder.is_dir():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return _scenario_file(path, folder)


def file_origin(search_path: Sequence[str]) -> str | None:
    """The scenario file a job linked by `linked_scenario_file` loads (for its messages and
    manifest), from the job's hydra.searchpath; None if none is linked."""
    for entry in search_path:
        link = Path(str(entry).removeprefix("file://")) / "scenario" / "_file.yaml"
        if link.is_symlink():
            return str(link.resolve())
    return None


def _scenario_file(path: Path, tmp: Path) -> list[str]:
    """Overrides that make Hydra load the scenario file at `path` (through a search path entry
    holding only a link to it, so that scenario=NAME keeps meaning scenarios/NAME.yaml)."""
    if not path.is_file():
        raise ConfigError(f"scenario_file={path}: no such file")
    if path.suffix not in (".yaml", ".yml"):
        raise ConfigError(f"scenario_file={path}: allowed: a .yaml file")
    listed = _shape_problems(path)
    beside = neighbours(path)
    cycle = _defaults_cycle(path, beside)
    if cycle:
        listed.append(f"defaults: {' -> '.join(cycle)} builds on itself; allowed: a chain that ends at a scenario")
    for built_on in _built_on(path, beside):  # the files beside it that its `defaults:` chain names
        listed += [f"in {built_on} (which {path.name} builds on): {p}" for p in _shape_problems(built_on)]
    if listed:
        raise ConfigError(f"invalid scenario {path}:" + "".join(f"\n  - {p}" for p in listed))
    group = tmp / "scenario"
    group.mkdir()
    (group / "_file.yaml").symlink_to(path.resolve())
    for name, neighbour in neighbours(path).items():  # what its `defaults:` may build on
        (group / f"{name}.yaml").symlink_to(neighbour.resolve())
    return [f"hydra.searchpath=[file://{tmp}]", "scenario=_file"]


def shipped_scenarios() -> list[str]:
    """The names of the scenarios in scenarios/, sorted."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def neighbours(path: Path) -> dict[str, Path]:
    """The other scenario files in the folder of the scenario file `path`, by name (a shipped
    scenario of the same name is the one `defaults:` finds, as Hydra searches scenarios/ first)."""
    shipped = set(shipped_scenarios())
    found = sorted(p for p in path.parent.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return {
        p.stem: p
        for p in found
        if p.resolve() != path.resolve() and p.stem not in shipped and p.stem != "_file" and safe_name(p.stem)
    }


def key_sources(origin: str) -> dict[str, str]:
    """For the scenario file `origin` (as messages name it) and the files its `defaults:` chain
    builds on: which file sets each key (dotted, under `scenario.`) in the composed scenario, the
    later in the chain winning as in Hydra's merge (`_self_` last unless the list places it).
    Names resolve as Hydra resolves them here: a shipped scenario first, else a file beside the
    top file. Unreadable files are skipped (Hydra reports them); {} if `origin` is no file."""
    path = Path(origin)
    if not path.is_file() and origin.startswith("scenarios/"):  # a shipped one, named from anywhere
        path = SCENARIO_DIR / path.name
    if not path.is_file():
        return {}
    top = path.parent
    beside = neighbours(path) if path.resolve().parent != SCENARIO_DIR.resolve() else {}
    sources: dict[str, str] = {}

    def resolve(name: str) -> Path | None:
        shipped = SCENARIO_DIR / f"{name}.yaml"
        return shipped if shipped.is_file() else beside.get(name)

    def load(file: Path, shown: str, seen: frozenset[Path]) -> None:
        try:
            raw = yaml.safe_load(file.read_text())
        except (OSError, ValueError, yaml.YAMLError):  # (a file that is not UTF-8: _shape_problems says so)
            return
        if not isinstance(raw, Mapping) or file.resolve() in seen:
            return
        seen = seen | {file.resolve()}
        chain = raw.get("defaults")
        chain = list(chain) if isinstance(chain, list) else []
        if "_self_" not in chain:
            chain.append("_self_")
        for entry in chain:
            if entry == "_self_":
                _note_keys({k: v for k, v in raw.items() if k != "defaults"}, "scenario", shown, sources)
            elif isinstance(entry, str) and (found := resolve(entry.removeprefix("/scenario/"))) is not None:
                load(found, _shown(found, top), seen)

    load(path, origin, frozenset())
    return sources


def _shown(file: Path, top: Path) -> str:
    """A file as messages name it: scenarios/NAME.yaml for a shipped one, else its path as found."""
    if file.resolve().parent == SCENARIO_DIR.resolve():
        return f"scenarios/{file.name}"
    return str(top / file.name)


def _note_keys(node: Any, key: str, file: str, sources: dict[str, str]) -> None:
    """Record `file` as the source of `key` and of every key below it (a list is one value:
    Hydra replaces lists whole)."""
    sources[key] = file
    if isinstance(node, Mapping):
        for k, v in node.items():
            _note_keys(v, f"{key}.{k}", file, sources)


def _defaults_of(file: Path) -> list[str]:
    """The names in a scenario file's `defaults:` list ([] if it has none or cannot be read: a
    file that is not YAML or not UTF-8 is reported by _shape_problems and Hydra)."""
    try:
        raw = yaml.safe_load(file.read_text())
    except (OSError, ValueError, yaml.YAMLError):
        return []
    chain = raw.get("defaults") if isinstance(raw, Mapping) else None
    return [str(n) for n in chain] if isinstance(chain, list) else []


def _defaults_cycle(path: Path, beside: dict[str, Path]) -> list[str]:
    """The names of a `defaults:` chain that comes back to a file on it (the file itself, or files
    beside it naming each other), first to last; [] if there is none (Hydra then said 'no
    scenario NAME' of a file that is there)."""
    shipped = set(shipped_scenarios())  # a name of one is that scenario, whatever the file is called

    def walk(file: Path, trail: list[str]) -> list[str]:
        for name in _defaults_of(file):
            if name in shipped:
                continue
            if name == file.stem or name in trail:
                return [*trail, name]
            if name in beside:
                found = walk(beside[name], [*trail, name])
                if found:
                    return found
        return []

    return walk(path, [path.stem])


def _built_on(path: Path, beside: dict[str, Path]) -> list[Path]:
    """The files of `beside` (`neighbours`: a shipped scenario of the same name, which Hydra finds
    first, is not among them) that the `defaults:` list of `path` names, and theirs in turn, once."""
    out: dict[str, Path] = {}
    todo = [path]
    while todo:
        for name in _defaults_of(todo.pop()):
            if name in beside and name not in out:
                out[name] = beside[name]
                todo.append(beside[name])
    return list(out.values())


def _shape_problems(path: Path) -> list[str]:
    """A scenario file that is not a mapping of sections (a number, a list, a line of text), and
    sections written as a list where the scenario has a mapping of named entries: Hydra would
    refuse them naming no key (or not at all: a line of text read as one unknown key, twice)."""
    try:
        raw = yaml.safe_load(path.read_text())
    except UnicodeDecodeError as exc:  # Hydra's reader raises it as it is, naming no file
        return [f"scenario: byte {exc.start} is not UTF-8 text ({exc.reason}); allowed: a YAML file in UTF-8"]
    except (OSError, yaml.YAMLError):
        return []  # Hydra reports these, with the line
    if raw is None:
        return []  # an empty file: refused as an empty scenario, naming what it needs
    if isinstance(raw, Mapping) and "defaults" in raw and not isinstance(raw["defaults"], list):
        return [f"defaults: got {raw['defaults']!r}; allowed: a list of scenario names, e.g. [demo, _self_]"]
    if not isinstance(raw, Mapping):
        shown = repr(raw) if len(repr(raw)) <= 60 else repr(raw)[:57] + "..."
        sections = ", ".join(f.name for f in dataclasses.fields(ScenarioSpec))
        kind = {bool: "a truth value", int: "a number", float: "a number", str: "a line of text", list: "a list"}
        held = kind.get(type(raw), f"a {type(raw).__name__}")
        return [f"scenario: the file holds {held} ({shown}); allowed: a mapping of sections ({sections})"]
    mappings = {f.name for f in dataclasses.fields(ScenarioSpec) if str(f.type).startswith("dict[")}
    return [
        f"scenario.{k}: expected a mapping of named entries, got {v}"
        for k, v in raw.items()
        if k in mappings and isinstance(v, list)
    ]


def from_config(cfg: DictConfig, origin: str, overrides: Sequence[str] = ()) -> Composed:
    """A config Hydra composed (here, or for a --multirun job) -> Composed, checked."""
    interpolated = [k for k in _interpolations(cfg.scenario, "scenario")]
    if interpolated:
        raise ScenarioError(
            origin,
            [
                f"{k}: a scenario file is data: interpolations (${{...}}) are not allowed; write the value itself"
                for k in interpolated
            ],
            overrides,
        )
    raw = OmegaConf.to_container(cfg, resolve=False)
    assert isinstance(raw, dict)
    problems = Problems()
    for k in raw:  # a key added with +KEY=VALUE: Hydra takes it, nothing reads it
        if k not in RUN_KEYS and k not in ("scenario", "hydra"):
            problems.add(str(k), f"unknown key; allowed run keys: {', '.join(RUN_KEYS)} (and scenario.*)")
    run = parse(RunKeys, {k: raw[k] for k in RUN_KEYS if k in raw}, "", PLUGINS, problems)
    if not problems:
        problems.extend(check_tree(run, ""))
    if problems:
        raise ConfigError("; ".join(_attribute_run(p, overrides) for p in problems))
    try:
        scenario = parse_scenario(raw.get("scenario"), origin, overrides)
    except ScenarioError as exc:
        sources = key_sources(origin)
        if any(source != origin for source in sources.values()):  # it builds on other files: name the one
            raise ScenarioError(origin, exc.raw_problems, overrides, sources) from None
        raise
    return Composed(scenario, run, origin, raw, tuple(overrides))


def check_output_dir(key: str, value: str) -> Path:
    """An output folder given on the command line (hydra.run.dir, hydra.sweep.dir): an absolute
    path is taken as given, on purpose; a relative one must stay inside the current folder."""
    path = Path(value)
    if not value.strip():
        raise ConfigError(f"command-line override '{key}={value}': an empty path; allowed: a folder")
    if not path.is_absolute() and not (Path.cwd() / path).resolve().is_relative_to(Path.cwd().resolve()):
        raise ConfigError(
            f"command-line override '{key}={value}': a relative output folder must stay inside the "
            f"current folder ({Path.cwd()}); allowed: a path below it, or an absolute path"
        )
    if path.exists() and not path.is_dir():
        raise ConfigError(f"command-line override '{key}={value}': a file, not a folder; allowed: a folder")
    return path


def _attribute_run(problem: str, overrides: Sequence[str]) -> str:
    key = problem.split(":", 1)[0]
    o = next((o for o in reversed(overrides) if o.lstrip("+~").partition("=")[0] == key), None)  # the last holds
    return f"command-line override '{o}': {problem}" if o else f"conf/config.yaml: {problem}"


def _interpolations(node: Any, key: str):
    """Keys under `node` whose value is an OmegaConf interpolation."""
    if isinstance(node, DictConfig):
        for k in node.keys():
            sub = f"{key}.{k}"
            if OmegaConf.is_interpolation(node, k):
                yield sub
            else:
                yield from _interpolations(node._get_node(k), sub)
    elif isinstance(node, ListConfig):
        for i in range(len(node)):
            if OmegaConf.is_interpolation(node, i):
                yield f"{key}[{i}]"
            else:
                yield from _interpolations(node._get_node(i), f"{key}[{i}]")


# --- messages for composition errors -----------------------------------------------------------
_VALUE_WORDS = {"bool": "true or false", "int": "an integer", "float": "a number", "str": "a text value"}


def _allowed_run_value(key: str) -> str:
    """'; allowed: ...' for a run key Hydra refused a value of (its type in words), else ''."""
    field = next((f for f in dataclasses.fields(RunKeys) if f.name == key), None)
    words = _VALUE_WORDS.get(str(field.type)) if field is not None else None
    return f"; allowed: {words}" if words else ""


def explain(exc: Exception, overrides: Sequence[str], file: str | None = None) -> str:
    """One message naming where the bad value came from, the key and what is allowed."""
    cause: BaseException = exc
    while getattr(cause, "full_key", None) is None and (cause.__cause__ or cause.__context__) is not None:
        cause = cause.__cause__ or cause.__context__  # Hydra wraps the OmegaConf error 1-2 levels deep
    text = str(exc)
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:  # YAML syntax problem: file, line, what
        where = Path(mark.name).relative_to(ROOT) if mark.name.startswith(str(ROOT)) else mark.name
        where = file if file is not None and str(where).endswith("_file.yaml") else where
        return f"{where}, line {mark.line + 1}: YAML error: {getattr(exc, 'problem', text)}"
    full_key = getattr(cause, "full_key", None)
    m = re.match(r"In '([^']+)'", text)
    last_first = list(reversed(overrides))  # of two overrides of one key, the last holds (Hydra's rule)
    override = next((o for o in last_first if full_key and o.lstrip("+~").startswith(full_key + "=")), None)
    if override is None and full_key:  # a struct error names the first missing part of the key
        override = next((o for o in last_first if o.lstrip("+~").startswith(full_key + ".")), None)
    if override is not None:
        where = f"command-line override '{override}'"
    elif file is not None and (m is None or m.group(1) == "scenario/_file" or "_file.yaml" in text):
        where = file
    elif m and m.group(1).startswith("scenario/"):
        name = m.group(1).split("/", 1)[1]
        beside = neighbours(Path(file)).get(name) if file is not None else None
        where = str(beside) if beside is not None else f"scenarios/{name}.yaml"
    elif m:
        where = f"conf/{m.group(1)}.yaml"
    else:
        where = "the composed config"
    first = str(cause).splitlines()[0]
    if full_key and ("not in" in first or "is not in struct" in first):
        return f"{where}: unknown key '{full_key}'; allowed run keys: {', '.join(RUN_KEYS)} (and scenario.*)"
    if full_key:
        return f"{where}: bad value for '{full_key}': {first}{_allowed_run_value(full_key)}"
    missing = re.search(r"Could not load 'scenario/([^']+)'", text)
    if missing and file is not None:
        local = ", ".join(neighbours(Path(file))) or "none"
        shipped = ", ".join(shipped_scenarios())
        return (
            f"{where}: defaults: no scenario '{missing.group(1)}'; allowed: a .yaml file beside "
            f"{Path(file).name} ({local}) or a shipped scenario ({shipped})"
        )
    if "LexerNoViableAltException" in text or "mismatched input" in text:  # Hydra's override grammar
        bad = next((o for o in overrides if any(ord(c) > 127 or c in " ;" for c in o)), None)
        shown = f"command-line override '{bad}'" if bad else "a command-line override"
        return (
            f"{shown}: cannot be read as KEY=VALUE; allowed: quote a value with spaces or letters beyond "
            "ASCII, e.g. \"scenario.description='Zoë 2'\""
        )
    if "Could not find" in text:
        options = shipped_scenarios()
        wanted = re.search(r"Could not find '(?:scenario/)?([^']+)'", text)
        name = wanted.group(1) if wanted else "?"
        chosen = next((o for o in overrides if o.lstrip("+").startswith("scenario=")), None)
        where = f"command-line override '{chosen}'" if chosen else where
        return f"{where}: no scenario file for '{name}'; allowed: {', '.join(options)} (files in scenarios/)"
    return f"{where}: {text.strip()}"
