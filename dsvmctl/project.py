"""Read a Pulumi project and its stack files the way the Pulumi CLI would (offline).

How Pulumi reads a stack file's config keys (pulumi/pulumi, read at commit 1b59498):

- ``sdk/go/common/workspace/loaders.go``, ``LoadProjectStackBytes`` ->
  ``stackConfigNamespacedWithProject``: a key without ``:`` is rewritten to
  ``<project name>:<key>`` before the file is decoded ("rewrite config values to make
  them namespaced"), so ``vm_size:`` in ``Pulumi.dev.yaml`` *is* ``dsvm:vm_size``. The
  project name is Pulumi.yaml's ``name``. Two keys that become the same key are merged
  into a Go map, so which value wins is not defined: refused here.
- ``sdk/go/common/resource/config/key.go``, ``ParseKey`` (called by ``Map.UnmarshalYAML``
  in ``config/map.go``): ``<namespace>:<name>`` is the key; ``<namespace>:config:<name>``
  is the old spelling of the same key; any other key with colons fails the whole file
  with "could not parse K as a configuration key (configuration keys should be of the
  form `<namespace>:<name>`)". A namespace is never checked against the providers in use:
  ``dvsm:vm_size`` is a valid key Pulumi passes on and the program never reads. That
  silence is what ``stacks.config.loader.from_namespaced`` refuses, for both paths.
- ``checkForEmptyConfig``: a key with no value is a warning and the value ``""``.
- The file is decoded with gopkg.in/yaml.v3 (``sdk/go/common/encoding/marshal.go``),
  which refuses a mapping key written twice ("mapping key "K" already defined at line
  N"); PyYAML keeps the last one silently, so ``_Loader`` refuses it as yaml.v3 does.
- ``workspace/paths.go``, ``ProjectStackPath``: the file is ``Pulumi.<stack>.yaml`` next to
  Pulumi.yaml, or in its ``stackConfigDir``. ``tokens/stack_name.go``, ``ParseStackName``
  and ``tokens/project.go``, ``ValidateProjectName``: the name rules and messages below.

The program's side (the Python SDK, ``pulumi/config.py``): ``Config(name=None)`` takes
the project's name (``get_project()``) and ``Config.full_key`` reads ``<name>:<key>``;
``pulumi/runtime/config.py``, ``get_config(k)``, looks ``k`` up verbatim in the engine's
map (or ``PULUMI_CONFIG``). The engine has already namespaced every key, so a program
never sees a bare key: reading the file here yields the map the engine would pass.

Secrets in stack files (``secure: v1:...``) are Pulumi ciphertext that only the
Pulumi CLI's secrets provider can decrypt: here they stay opaque, presented to
the program as ``"[secret]"`` and listed in ``secret_keys``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SECRET_PLACEHOLDER = "[secret]"
# ProjectStack's fields (sdk/go/common/workspace/project.go).
STACK_FILE_KEYS = ("config", "environment", "secretsprovider", "encryptedkey", "encryptionsalt")
_NAME = re.compile(r"[A-Za-z0-9_.-]*")


class ProjectError(Exception):
    """The project or stack file is missing, unreadable, or refused as Pulumi would refuse it."""


@dataclass(frozen=True)
class StackFile:
    """A stack's config as the engine hands it to a program: namespaced keys, string values."""

    name: str
    path: Path
    config: dict[str, str]
    secret_keys: list[str] = field(default_factory=list)


def find_project_dir(start: Path | None = None) -> Path:
    """The directory holding Pulumi.yaml: the current one or a parent, else this package's parent."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "Pulumi.yaml").is_file():
            return candidate
    return Path(__file__).resolve().parent.parent


def check_stack_name(stack: str) -> str:
    """``stack`` if Pulumi accepts it as a stack name (``ParseStackName``), else ``ProjectError``."""
    problem = None
    if stack == "":
        problem = "a stack name may not be empty"
    elif len(stack) > 100:
        problem = "a stack name cannot exceed 100 characters"
    else:
        match = _NAME.match(stack)
        end = match.end() if match else 0
        if end != len(stack):
            problem = (
                "a stack name may only contain alphanumeric, hyphens, underscores, or periods: "
                f"invalid character {stack[end]!r} at position {end}"
            )
            if "/" in stack:
                problem += (
                    f"; a qualified name org/project/stack keeps its config in Pulumi.<stack>.yaml, "
                    f"so pass the stack's own name: --stack {stack.rsplit('/', 1)[-1] or '<stack>'}"
                )
    if problem:
        raise ProjectError(f"stack {stack!r}: {problem}")
    return stack


def read_project(project_dir: Path) -> dict[str, Any]:
    """Pulumi.yaml as a mapping, its ``name`` checked as Pulumi checks it."""
    if not project_dir.is_dir():
        raise ProjectError(f"project directory {project_dir} does not exist; pass --project-dir <dir with Pulumi.yaml>")
    path = project_dir / "Pulumi.yaml"
    if not path.is_file():
        raise ProjectError(
            f"no Pulumi.yaml in {project_dir}: not a Pulumi project; run from the project directory "
            "or pass --project-dir <dir with Pulumi.yaml>"
        )
    data = _read_yaml(path)
    if data is None or not isinstance(data, dict):
        raise ProjectError(f"{path.name}: must be a YAML mapping (name:, runtime:, ...)")
    name = data.get("name")
    if not name:
        raise ProjectError(f"{path.name}: project is missing a 'name' attribute")
    text = str(name)
    if len(text) > 100:
        raise ProjectError(f"{path.name}: project names are limited to 100 characters")
    if _NAME.fullmatch(text) is None:
        raise ProjectError(
            f"{path.name}: project names may only contain alphanumerics, hyphens, underscores, and periods"
        )
    return data


def project_name(project_dir: Path) -> str:
    """Pulumi.yaml's ``name``: the namespace Pulumi gives a stack file's un-namespaced keys."""
    return str(read_project(project_dir)["name"])


def stack_dir(project_dir: Path, project: dict[str, Any] | None = None) -> Path:
    """Where the stack files are: Pulumi.yaml's ``stackConfigDir``, else next to it."""
    config_dir = (project if project is not None else read_project(project_dir)).get("stackConfigDir")
    return project_dir / str(config_dir) if config_dir else project_dir


def stack_names(project_dir: Path) -> list[str]:
    """The stacks that have a stack file."""
    directory = stack_dir(project_dir) if (project_dir / "Pulumi.yaml").is_file() else project_dir
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in directory.glob("Pulumi.*.yaml"))


def stack_path(project_dir: Path, stack: str) -> Path:
    """Where ``Pulumi.<stack>.yaml`` is; ``ProjectError`` when there is no such stack file."""
    check_stack_name(stack)
    path = stack_dir(project_dir) / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        known = ", ".join(stack_names(project_dir)) or "none"
        raise ProjectError(f"no stack file {path.name} in {path.parent}; known stacks: {known}")
    return path


def read_stack(project_dir: Path, stack: str, text: str | None = None) -> StackFile:
    """Load ``Pulumi.<stack>.yaml`` into engine-style config (namespaced keys, objects as JSON text);
    ``text``: read this instead of the file (what the file would hold after an edit)."""
    check_stack_name(stack)
    project = read_project(project_dir)
    path = stack_path(project_dir, stack)
    data = _read_yaml(path) if text is None else _parse_yaml(path, text)
    if data is None:
        data = {}  # Pulumi: an empty stack file is a stack with no config
    if not isinstance(data, dict):
        raise ProjectError(f"{path.name}: must be a YAML mapping with a 'config:' section")
    _check_top_level(path, data)
    raw = data.get("config") or {}
    if not isinstance(raw, dict):
        raise ProjectError(f"{path.name}: 'config' must be a mapping of keys to values")
    config: dict[str, str] = {}
    secrets: list[str] = []
    written_as: dict[str, str] = {}
    for written, value in raw.items():
        key = parse_key(str(written), str(project["name"]), path)
        if key in written_as:
            why = "`<ns>:config:<name>` is the old spelling of `<ns>:<name>`"
            if ":" not in str(written) or ":" not in written_as[key]:
                why = f"a key without a namespace is the project's ({project['name']}, from Pulumi.yaml)"
            raise ProjectError(
                f"{path.name}: {written_as[key]} and {written} are the same key {key} to Pulumi ({why}), "
                "and which of the two values wins is not defined; keep one"
            )
        written_as[key] = str(written)
        value, secret = _mask_secrets(value)
        if secret:
            secrets.append(key)
        if value is None:
            config[key] = ""  # Pulumi: "No value for configuration key ... treated as an empty string"
        elif isinstance(value, str):
            config[key] = value
        else:
            config[key] = json.dumps(value)
    _check_program_namespace(path, str(project["name"]), written_as)
    return StackFile(stack, path, config, secrets)


def _mask_secrets(value: Any) -> tuple[Any, bool]:
    """``value`` with every ``{secure: ...}`` (at the top or nested in an object, as Pulumi allows)
    replaced by the placeholder, and whether there was one (the key is then a secret)."""
    if isinstance(value, dict) and set(value) == {"secure"}:
        return SECRET_PLACEHOLDER, True
    if isinstance(value, dict):
        items = {k: _mask_secrets(v) for k, v in value.items()}
        return {k: v for k, (v, _) in items.items()}, any(s for _, s in items.values())
    if isinstance(value, list):
        masked = [_mask_secrets(v) for v in value]
        return [v for v, _ in masked], any(s for _, s in masked)
    return value, False


def parse_key(key: str, project: str, path: Path) -> str:
    """A stack file's key as Pulumi reads it (``stackConfigNamespacedWithProject`` + ``ParseKey``)."""
    if ":" not in key:
        return f"{project}:{key}"
    parts = key.split(":")
    if len(parts) == 2:
        return key
    if len(parts) == 3 and parts[1] == "config":
        return f"{parts[0]}:{parts[2]}"
    raise ProjectError(
        f"{path.name}: could not parse {key} as a configuration key "
        "(configuration keys should be of the form `<namespace>:<name>`)"
    )


def _check_top_level(path: Path, data: dict[Any, Any]) -> None:
    """Refuse what Pulumi would ignore silently (an unknown top-level key) or what cannot be read offline."""
    import difflib

    for key in data:
        if str(key) not in STACK_FILE_KEYS:
            near = difflib.get_close_matches(str(key), STACK_FILE_KEYS, n=1)
            hint = f"did you mean {near[0]}?" if near else f"a stack file holds only {', '.join(STACK_FILE_KEYS)}"
            raise ProjectError(
                f"{path.name}: unknown top-level key {key!r}, which Pulumi ignores, so nothing under it "
                f"reaches the program; {hint}"
            )
    if data.get("environment"):
        raise ProjectError(
            f"{path.name}: imports Pulumi ESC environment(s) {data['environment']!r}, whose config only the "
            "Pulumi CLI can resolve; an offline plan would silently miss those keys. Copy the values the "
            "stack needs into 'config:' to plan offline, or use `pulumi preview`"
        )


def _check_program_namespace(path: Path, project: str, written_as: dict[str, str]) -> None:
    """Refuse keys Pulumi gives to a project whose namespace the program does not read."""
    from stacks.config import PROJECT

    if project == PROJECT:
        return
    lost = [written for key, written in written_as.items() if key.startswith(f"{project}:")]
    if lost:
        raise ProjectError(
            f"{path.name}: Pulumi gives {', '.join(lost)} to the project's namespace '{project}' (Pulumi.yaml "
            f"name), but the program reads its config as {PROJECT}:<key>; write {PROJECT}:<key>, or name the "
            f"project {PROJECT}"
        )


_V3_SCALARS = {  # the plain scalars gopkg.in/yaml.v3 resolves (resolve.go), other than null and merge
    "tag:yaml.org,2002:bool": (re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")),
    "tag:yaml.org,2002:int": (
        re.compile(r"^[-+]?(?:0b[01_]+|0o[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*)$"), list("-+0123456789"),
    ),
    "tag:yaml.org,2002:float": (
        re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
        list("-+0123456789."),
    ),
}


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader made to read plain scalars as gopkg.in/yaml.v3 (Pulumi's decoder) gives them to
    a config map (``interface{}``), and to refuse a mapping key written twice, as yaml.v3 does.

    yaml.v3's ``decode.go`` keeps a timestamp-looking scalar as the string written when the target is an
    interface ("for backward compatibility reasons we set it as a string"): ``expires_on: 2027-01-31``
    reaches the program as ``"2027-01-31"``, not a date (PyYAML's date broke the JSON the engine passes
    objects as). Its ``resolve.go`` has no YAML 1.1 sexagesimals (``19:00`` stays a string, PyYAML read
    1140), booleans only as true/false (``yes``, ``on`` are strings), and integers as Go's
    ``strconv.ParseInt(s, 0, 64)`` reads them once ``_`` is dropped: ``0x``, ``0o``, ``0b``, and a leading
    ``0`` for octal (``0720`` is 464).
    """

    yaml_implicit_resolvers = {  # noqa: RUF012 - PyYAML's own class attribute, copied per loader class
        first: [(tag, regexp) for tag, regexp in resolvers if tag.rsplit(":", 1)[-1] in ("null", "merge")]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_v3_int(self, node: yaml.ScalarNode) -> int | float:
        text = str(self.construct_scalar(node)).replace("_", "")
        sign, digits = (-1, text[1:]) if text.startswith("-") else (1, text.lstrip("+"))
        if len(digits) > 1 and digits[0] == "0" and digits[1].isdigit():
            try:
                return sign * int(digits, 8)  # a leading 0: octal, as Go reads it
            except ValueError:
                return sign * float(digits)  # not octal (09): yaml.v3 falls through to a float
        return sign * int(digits, 0)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                first = seen.setdefault(key, line)
            except TypeError:
                continue  # an unhashable key: PyYAML's own error follows
            if first != line:
                raise yaml.constructor.ConstructorError(
                    None, None, f'mapping key "{key}" already defined at line {first}; keep one', key_node.start_mark
                )
        return super().construct_mapping(node, deep=deep)


for _tag, (_regexp, _first) in _V3_SCALARS.items():
    _Loader.add_implicit_resolver(_tag, _regexp, _first)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_v3_int)


def _read_yaml(path: Path) -> Any:
    """The YAML document in ``path`` (a leading UTF-8 BOM is dropped, as Pulumi does); errors name the place."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ProjectError(f"{path} not found") from exc
    except UnicodeDecodeError as exc:
        raise ProjectError(f"{path.name}: not UTF-8 text (byte {exc.start}: {exc.reason})") from exc
    except OSError as exc:
        raise ProjectError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return _parse_yaml(path, text)


def _parse_yaml(path: Path, text: str) -> Any:
    """The YAML document ``text`` (the contents of ``path``); errors name the place."""
    try:
        return yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ProjectError(f"{path.name}{where}: {exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise ProjectError(f"{path.name} is not valid YAML: {exc}") from exc
