"""Edit a YAML stack file as text: set a key, remove a key; every byte outside the edit stays.

A round trip through a YAML library loses what it cannot model: ruamel.yaml keeps a comment
line with the key *before* it, so removing a key took with it the comment that introduces the
next key. These edits work on the lines instead, with positions read from ruamel.yaml's parse:

- a key's *block* is its own line and the lines of its value, up to the next key of its mapping
  (or the end of the mapping); blank lines and comments at or left of the key's column that end
  the block belong to what follows, not to it;
- removing a key removes its block and the comment lines right above it at its column (they
  describe it), then a mapping it leaves empty;
- setting a key whose plain value sits on its line rewrites only that value (the quote style
  written by the source, the key's end-of-line comment kept); a block value is rewritten as a
  block at the key's column; a key the mapping lacks goes at the end of the mapping (parents made
  as needed), indented like its siblings.

``EditError`` where the file's shape is not one these edits handle (a flow mapping in the path,
a non-mapping in the way); the caller refuses then, writing nothing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

Key = Any  # a mapping key as ruamel.yaml parsed it (the stack file's own spelling)
QUOTED = (DoubleQuotedScalarString, SingleQuotedScalarString)


class EditError(Exception):
    """The edit cannot be made as text; nothing should be written."""


@dataclass(frozen=True)
class Block:
    """Where one key's block lies: lines ``start`` to ``end`` (exclusive), its key at ``column``."""

    start: int
    end: int
    column: int


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _belongs_after(line: str, column: int) -> bool:
    """A blank line, or a comment at or left of ``column``: it ends a block and introduces what follows."""
    stripped = line.strip()
    return not stripped or (stripped.startswith("#") and _indent(line) <= column)


def _trimmed(lines: list[str], start: int, end: int, column: int) -> int:
    while end - 1 > start and _belongs_after(lines[end - 1], column):
        end -= 1
    return end


def _parse(text: str) -> Any:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    return yaml.load(text)


def _blocks(mapping: CommentedMap, lines: list[str], limit: int) -> dict[Key, Block]:
    """Each key's block in ``mapping``, whose own block ends at ``limit``."""
    keys = list(mapping)
    found = {}
    for i, key in enumerate(keys):
        line, column = mapping.lc.key(key)
        following = mapping.lc.key(keys[i + 1])[0] if i + 1 < len(keys) else limit
        found[key] = Block(line, _trimmed(lines, line, following, column), column)
    return found


def _walk(document: Any, lines: list[str], path: Sequence[Key]) -> list[tuple[CommentedMap, Block | None]]:
    """The mappings along ``path`` (the document's, then each key's value that exists and is a mapping),
    each with the block of the key that holds it (None for the document)."""
    if not isinstance(document, CommentedMap):
        raise EditError("the file is not a YAML mapping")
    chain: list[tuple[CommentedMap, Block | None]] = [(document, None)]
    limit = len(lines)
    for key in path[:-1]:
        mapping = chain[-1][0]
        if key not in mapping:
            break
        block = _blocks(mapping, lines, limit)[key]
        value = mapping[key]
        if value is None:
            break
        if not isinstance(value, CommentedMap) or value.fa.flow_style():
            raise EditError(f"{key} is not a block mapping here")
        chain.append((value, block))
        limit = block.end
    return chain


def _dump(value: Any, yaml: YAML) -> list[str]:
    out = io.StringIO()
    yaml.dump(value, out)
    return out.getvalue().splitlines(keepends=True)


def _scalar_end(line: str, start: int) -> int:
    """Where a plain or quoted scalar that begins at ``start`` ends on ``line`` (an end comment excluded)."""
    quote = line[start : start + 1]
    if quote == '"':
        found = re.compile(r'"(?:[^"\\]|\\.)*"').match(line, start)
        return found.end() if found else len(line.rstrip("\n"))
    if quote == "'":
        found = re.compile(r"'(?:[^']|'')*'").match(line, start)
        return found.end() if found else len(line.rstrip("\n"))
    comment = line.find(" #", start)
    end = comment if comment >= 0 else len(line.rstrip("\n"))
    return len(line[:end].rstrip())


def _is_plain(value: Any) -> bool:
    return not isinstance(value, dict | list)


def set_value(text: str, path: Sequence[Key], value: Any, yaml: YAML, step: int = 2) -> str:
    """``text`` with the key at ``path`` set to ``value`` (written with ``yaml``'s settings)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    document = _parse(text)
    chain = _walk(document, lines, path)
    mapping, holder = chain[-1]
    depth = len(chain) - 1  # keys of the path that exist as mappings
    if depth == len(path) - 1 and path[-1] in mapping:
        block = _blocks(mapping, lines, holder.end if holder else len(lines))[path[-1]]
        line_no, column = mapping.lc.value(path[-1])
        old = mapping[path[-1]]
        if _is_plain(value) and _is_plain(old) and line_no == block.start and old is not None:
            if type(value) is str and isinstance(old, QUOTED):  # the source wrote it plain: keep the quotes here
                value = type(old)(value)
            line = lines[line_no]
            rendered = "".join(_dump({"k": value}, yaml))[3:].rstrip("\n")
            if "\n" not in rendered:
                lines[line_no] = line[:column] + rendered + line[_scalar_end(line, column) :]
                return "".join(lines)
        new = _render({path[-1]: value}, yaml, block.column)
        return "".join([*lines[: block.start], *new, *lines[block.end :]])
    # the key is missing: add what is missing below the deepest mapping that exists, at its end
    missing: Any = value
    for key in reversed(path[depth + 1 :]):
        missing = {key: missing}
    keys = list(mapping)
    if depth < len(path) - 1 and path[depth] in mapping:  # the next key is there with no value (null)
        block = _blocks(mapping, lines, holder.end if holder else len(lines))[path[depth]]
        new = _render({path[depth]: missing}, yaml, block.column)
        return "".join([*lines[: block.start], *new, *lines[block.end :]])
    missing = {path[depth]: missing}
    if keys:
        column = mapping.lc.key(keys[0])[1]
        at = _blocks(mapping, lines, holder.end if holder else len(lines))[keys[-1]].end
    else:
        if holder is None:
            raise EditError("the file has no keys")
        column, at = holder.column + step, holder.end
    return "".join([*lines[:at], *_render(missing, yaml, column), *lines[at:]])


def _render(value: dict[Key, Any], yaml: YAML, column: int) -> list[str]:
    return [" " * column + line if line.strip() else line for line in _dump(value, yaml)]


def remove_key(text: str, path: Sequence[Key], keep: int = 1) -> str:
    """``text`` without the key at ``path`` (its block and the comment lines right above it at its column),
    then without each mapping this leaves empty, up to the first ``keep`` keys of the path."""
    lines = text.splitlines(keepends=True)
    document = _parse(text)
    chain = _walk(document, lines, path)
    if len(chain) < len(path) or path[-1] not in chain[-1][0]:
        return text  # nothing to remove
    mapping, holder = chain[-1]
    block = _blocks(mapping, lines, holder.end if holder else len(lines))[path[-1]]
    start = block.start
    while start > 0 and lines[start - 1].strip().startswith("#") and _indent(lines[start - 1]) == block.column:
        if holder is not None and start - 1 <= holder.start:
            break
        start -= 1
    text = "".join([*lines[:start], *lines[block.end :]])
    if len(path) > keep and len(mapping) == 1:  # it was the only key: its mapping goes too
        return remove_key(text, path[:-1], keep)
    return text
