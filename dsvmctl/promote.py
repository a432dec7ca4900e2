"""`dsvmctl promote SRC DST`: copy the promotable keys of one stack file into the next (dev -> staging -> prod).

Which keys are promotable is declared on the config models (``stacks.config.base.PROMOTED`` in
a ``Field``'s ``json_schema_extra``; nested models key by key: ``dsvm:image.version``), never
listed here: image version, VM sizes, schedule and idle-stop defaults travel; location, network,
access, people, names, owner, tags and budgets stay with their environment. A key the source
leaves to its default is removed from the target, so both get the same value.

The target file is edited in place, line by line (``dsvmctl.yaml_edit``): every byte outside the
changed values stays, comments included (a removed key takes only its own block and the comment
lines right above it; the comment that introduces the next key stays with that key). Secrets (``secure:``) are never
copied. Before anything is written the edited file is validated as the program would validate
it (``stacks.load_config``) and planned against the target's saved state (or an empty one);
the diff is printed as ``dsvmctl diff`` prints it. ``--check`` writes nothing and exits 1 when
the target is behind.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, get_args

import typer
from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from dsvmctl.options import (
    EXIT_BAD_INPUT,
    EXIT_BEHIND,
    ProjectOption,
    QuotaOption,
    StateOption,
    console_out,
    fail,
    handled,
    stack_name,
    store_at,
)
from dsvmctl.project import StackFile, parse_key, project_name, read_stack, stack_path
from dsvmctl.yaml_edit import EditError, remove_key, set_value
from stacks.config import PROJECT, BaseStackConfig, ConfigError, load_config
from stacks.config.base import is_promoted

ABSENT: Any = object()  # a key the stack file does not write (its default applies)


class PromoteError(Exception):
    """The promotion cannot be made; nothing was written."""


@dataclass(frozen=True)
class Change:
    """One promotable key that differs: the target's value, the source's, and what to write."""

    path: tuple[str, ...]
    before: Any
    after: Any
    written: Any  # the source's stack-file value, or ABSENT: remove the key from the target

    @property
    def key(self) -> str:
        return f"{PROJECT}:{'.'.join(self.path)}"

    def text(self) -> str:
        return f"{self.key}: {_show(self.before)} -> {_show(self.after)}"


def _show(value: Any) -> str:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    return value if isinstance(value, str) else json.dumps(value, default=str)


def promotable_paths(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The field paths of ``model`` marked promotable, descending into nested models (not into lists)."""
    for name, field in model.model_fields.items():
        if is_promoted(field):
            yield (*prefix, name)
            continue
        for nested in (field.annotation, *get_args(field.annotation)):
            if isinstance(nested, type) and issubclass(nested, BaseModel):
                yield from promotable_paths(nested, (*prefix, name))


def value_at(config: BaseModel, path: tuple[str, ...]) -> Any:
    node: Any = config
    for part in path:
        node = getattr(node, part, None) if node is not None else None
    return node


def _top_key(config: Any, name: str, project: str, where: Path) -> Any:
    """The stack file's key that Pulumi reads as ``dsvm:<name>`` (``dsvm:x``, bare ``x``, ``dsvm:config:x``)."""
    wanted = f"{PROJECT}:{name}"
    return next((k for k in config if parse_key(str(k), project, where) == wanted), None)


def raw_at(config: Any, path: tuple[str, ...], project: str, where: Path) -> Any:
    """What the stack file writes at ``path`` (ABSENT where it writes nothing)."""
    key = _top_key(config, path[0], project, where) if isinstance(config, dict) else None
    node = config[key] if key is not None else ABSENT
    for part in path[1:]:
        node = node[part] if isinstance(node, dict) and part in node else ABSENT
    return node


def is_secret(value: Any) -> bool:
    """Whether a stack-file value is, or holds, a Pulumi secret (``{secure: ...}``)."""
    if isinstance(value, dict):
        return "secure" in value or any(is_secret(v) for v in value.values())
    return isinstance(value, list) and any(is_secret(v) for v in value)


@dataclass
class Promotion:
    """What promoting ``source`` onto ``target`` changes, and the keys left alone because they are secret."""

    source: str
    target: str
    kind: str
    changes: list[Change]
    secrets: list[str]
    compared: int
    notes: list[str] = dataclasses.field(default_factory=list)  # what the reader should know of a change (time zones)


def check_time_zones(found: Promotion, source: BaseModel, target: BaseModel, target_sets_zone: bool) -> list[str]:
    """A promoted shutdown time is a time of day in its stack's time zone (``auto_shutdown.time_zone``,
    which stays with each environment). Into a target that sets no zone of its own (so UTC) from a source
    in another zone, the same digits would mean another hour: refused, with the way out. Between two
    stacks that each set their zone, the time stays local to each, and the note says so."""
    if not any(c.path == ("auto_shutdown", "time") for c in found.changes):
        return []
    zone = ("auto_shutdown", "time_zone")
    src_zone, dst_zone = value_at(source, zone), value_at(target, zone)
    time = value_at(source, ("auto_shutdown", "time"))
    if src_zone == dst_zone:
        return []
    if not target_sets_zone:
        raise PromoteError(
            f"{PROJECT}:auto_shutdown.time {time} is a time in {found.source}'s time zone ({src_zone}), and "
            f"Pulumi.{found.target}.yaml sets no {PROJECT}:auto_shutdown.time_zone, so {found.target}'s VMs would "
            f"shut down at {time} {dst_zone} instead. Set {PROJECT}:auto_shutdown.time_zone in "
            f"Pulumi.{found.target}.yaml (each environment keeps its own), then promote again; nothing was written"
        )
    return [f"{PROJECT}:auto_shutdown.time {time} is local time in each stack: {src_zone} in {found.source}, "
            f"{dst_zone} in {found.target}"]  # fmt: skip


def plan_promotion(
    model: type[BaseModel], source: BaseModel, source_raw: Any, target: BaseModel, target_raw: Any, project: str,
    where: Path,
) -> tuple[list[Change], list[str]]:  # fmt: skip
    """The promotable keys of ``model`` whose values differ between two validated configs (``*_raw``: their
    stack files' ``config`` maps), and the keys skipped because either file holds a secret there."""
    changes, secrets = [], []
    for path in promotable_paths(model):
        written, present = raw_at(source_raw, path, project, where), raw_at(target_raw, path, project, where)
        if is_secret(written) or is_secret(present):
            secrets.append(f"{PROJECT}:{'.'.join(path)}")
            continue
        before, after = value_at(target, path), value_at(source, path)
        if before != after:
            changes.append(Change(path, before, after, written))
    return changes, secrets


def apply(config: CommentedMap, changes: list[Change], project: str, where: Path) -> None:
    """Write the changes into the target's round-trip ``config`` map (new keys go last)."""
    for change in changes:
        top = _top_key(config, change.path[0], project, where) or f"{PROJECT}:{change.path[0]}"
        keys = [top, *change.path[1:]]
        if change.written is ABSENT:
            _remove(config, keys)
            continue
        holder = config
        for key in keys[:-1]:
            if not isinstance(holder.get(key), dict):
                holder[key] = CommentedMap()
            holder = holder[key]
        holder[keys[-1]] = copy.deepcopy(change.written)


def _remove(config: CommentedMap, keys: list[Any]) -> None:
    """Delete the key at ``keys``, then the mappings its removal left empty."""
    chain = [config]
    for key in keys[:-1]:
        if not isinstance(chain[-1].get(key), dict):
            return
        chain.append(chain[-1][key])
    chain[-1].pop(keys[-1], None)
    for holder, key in zip(reversed(chain[:-1]), reversed(keys[:-1]), strict=True):
        if holder[key] == {}:
            del holder[key]


def edit_text(text: str, document: Any, changes: list[Change], project: str, where: Path, yaml: YAML) -> str:
    """``text`` (the target file, parsed as ``document``) with the changes made line by line
    (``dsvmctl.yaml_edit``: every other byte, comments included, stays), checked against the same
    changes made on the parsed document: a file whose shape the text edits do not handle is refused."""
    expected = copy.deepcopy(document) if isinstance(document, dict) else CommentedMap()
    if not isinstance(expected.get("config"), dict):
        expected["config"] = CommentedMap()
    apply(expected["config"], changes, project, where)
    if not isinstance(document, dict):
        text = "config:\n"
    elif "config" not in document:
        text += "" if text.endswith("\n") or not text else "\n"
        text += "config:\n"
    try:
        for change in changes:
            config = YAML(typ="rt").load(text)["config"] or {}
            top = _top_key(config, change.path[0], project, where) or f"{PROJECT}:{change.path[0]}"
            keys = ["config", top, *change.path[1:]]
            text = remove_key(text, keys) if change.written is ABSENT else set_value(text, keys, change.written, yaml)
    except EditError as error:
        raise PromoteError(f"{where.name} cannot be edited in place ({error}); nothing was written") from None
    if _plain(YAML(typ="rt").load(text)) != _plain(expected):
        raise PromoteError(f"{where.name}: editing it in place did not give the promoted values; nothing was written")
    return text


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _yaml(text: str) -> YAML:
    """A round-trip YAML that writes the file back as it was written: quotes, widths, indentation."""
    from ruamel.yaml.util import load_yaml_guess_indent

    _, sequence, offset = load_yaml_guess_indent(text)
    nested = [len(m.group(1)) for m in re.finditer(r"^( +)[^\s#-]", text, re.MULTILINE)]
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold the long ssh key lines
    yaml.indent(mapping=min(nested, default=2), sequence=sequence or 2, offset=offset or 0)
    return yaml


def promote_text(project_dir: Path, source: str, target: str) -> tuple[Promotion, str | None, StackFile | None]:
    """The promotion, the target file's new text and its config (None, None when there is nothing to do).

    ``PromoteError`` (nothing written) for the same stack twice, different kinds, a source that is not
    valid, or a target that the promoted keys would make invalid; ``ProjectError`` for a stack file that
    does not exist or is not YAML Pulumi would read."""
    if source == target:
        raise PromoteError(f"cannot promote {source} onto itself; name the next stack, e.g. staging")
    project = project_name(project_dir)
    configs: list[BaseStackConfig] = []
    for stack in (source, target):
        try:
            configs.append(load_config(read_stack(project_dir, stack).config, project_dir=project_dir))
        except ConfigError as error:
            raise PromoteError(f"Pulumi.{stack}.yaml is not a valid stack: {error}") from None
    src_config, dst_config = configs
    if src_config.kind != dst_config.kind:
        raise PromoteError(
            f"{source} is a {src_config.kind} stack and {target} a {dst_config.kind} one: their keys do not "
            "correspond; promote between stacks of one kind"
        )
    src_path, dst_path = stack_path(project_dir, source), stack_path(project_dir, target)
    src_doc, dst_text = _load(src_path), dst_path.read_text(encoding="utf-8-sig")
    yaml = _yaml(dst_text)
    try:
        dst_doc = yaml.load(dst_text)
    except YAMLError as error:
        raise PromoteError(f"{dst_path.name} cannot be edited: {error}") from None
    model = type(src_config)
    changes, secrets = plan_promotion(
        model, src_config, (src_doc or {}).get("config") or {}, dst_config, (dst_doc or {}).get("config") or {},
        project, dst_path,
    )  # fmt: skip
    found = Promotion(source, target, src_config.kind, changes, secrets, len(list(promotable_paths(model))))
    if not changes:
        return found, None, None
    found.notes = check_time_zones(found, src_config, dst_config, raw_at(
        (dst_doc or {}).get("config") or {}, ("auto_shutdown", "time_zone"), project, dst_path) is not ABSENT)
    text = edit_text(dst_text, dst_doc, changes, project, dst_path, yaml)
    stack_file = read_stack(project_dir, target, text)
    try:
        load_config(stack_file.config, project_dir=project_dir)
    except ConfigError as error:
        keys = ", ".join(c.key for c in changes)
        raise PromoteError(
            f"promoting {keys} from {source} would make Pulumi.{target}.yaml invalid, so nothing was written: {error}"
        ) from None
    return found, text, stack_file


def _load(path: Path) -> Any:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True  # a value copied keeps the quotes the source wrote
    try:
        return yaml.load(path.read_text(encoding="utf-8-sig"))
    except YAMLError as error:
        raise PromoteError(f"{path.name} cannot be read: {error}") from None


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (a leading BOM kept), never leaving half a file."""
    bom = "\ufeff" if path.read_text(encoding="utf-8").startswith("\ufeff") else ""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(bom + text)
    os.chmod(tmp, path.stat().st_mode & 0o777)
    os.replace(tmp, path)


def promote(
    source: Annotated[str, typer.Argument(help="The stack to promote from (e.g. dev).", callback=stack_name)],
    target: Annotated[str, typer.Argument(help="The stack to promote to (e.g. staging).", callback=stack_name)],
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 when TARGET is behind SOURCE, 0 when level.")
    ] = False,
    source_deployed: Annotated[
        str | None,
        typer.Option("--source-deployed", metavar="COMMIT", help="Refuse unless SOURCE's promotable keys are what it "
                     "deployed at COMMIT (its last successful deployment; `none`: it has none)."),
    ] = None,
    quota_profile: QuotaOption = None,
    project_dir: ProjectOption = None,
    state_dir: StateOption = None,
) -> None:
    """Copy SOURCE's promotable keys (image version, VM sizes, schedule and idle-stop defaults) into TARGET's
    stack file, keeping its comments, then show TARGET's diff."""
    from dsvmctl.diff_view import print_diff
    from dsvmctl.lifecycle import plan_against
    from dsvmctl.project import find_project_dir

    directory = project_dir or find_project_dir()
    console = console_out()
    with handled(target):
        try:
            if source_deployed is not None:  # dsvmctl/promote_source.py: only what SOURCE runs travels
                from dsvmctl.promote_source import check_source_deployed

                check_source_deployed(directory, source, source_deployed)
            found, text, stack_file = promote_text(directory, source, target)
        except PromoteError as error:
            raise fail(EXIT_BAD_INPUT, str(error)) from None
        for key in found.secrets:
            console.print(f"{key}: a secret, not copied (set it in Pulumi.{target}.yaml yourself)", highlight=False)
        if not found.changes:
            console.print(f"{target} is level with {source}: {found.compared} promotable key(s) compared, none differs")
            return
        console.print(f"{target} is behind {source} ({found.kind}) on {len(found.changes)} promotable key(s):")
        for change in found.changes:
            console.print(f"  {change.text()}", highlight=False, markup=False)
        for note in found.notes:
            console.print(f"  note: {note}", highlight=False, markup=False)
        if check:
            console.print(f"run `dsvmctl promote {source} {target}` to bring it level")
            raise typer.Exit(EXIT_BEHIND)
        assert text is not None and stack_file is not None
        saved = store_at(directory, state_dir).load(target)
        document = plan_against(directory, target, saved, quota_profile, stack_file=stack_file)[2]
        if document["errors"]:
            print_diff(console, document)
            raise fail(EXIT_BAD_INPUT, f"the promoted {target} would be refused (above), so nothing was written")
        write_atomically(stack_file.path, text)
        against = "its saved state" if saved else "an empty subscription (no saved state)"
        console.print(f"wrote {stack_file.path.name}; what {target} would change now, against {against}:")
        print_diff(console, document)
