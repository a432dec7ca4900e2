"""The roster: who takes a seat. A CSV or YAML file of 1 to 1,000 participants (pure: reads one file).

CSV: a header row naming the columns ``username`` (required), ``ssh_public_key`` and
``email`` (optional), then one participant per row. YAML: a list of mappings with
the same keys. Every problem names its row (CSV: the line of the file, the header
being row 1; YAML: the entry, counting from 1) and the fix; all problems are
reported at once (``RosterError``):

- user names: lowercase letters, digits, ``-`` and ``_``, starting with a letter, at
  most 32 characters (what ``useradd`` takes, and JupyterHub refuses capitals); not a
  name Azure reserves for admins (``azurefacts.accounts``), an Ubuntu system account,
  or the stack's admin; each once;
- an SSH public key, if given, must be an OpenSSH ed25519 or RSA (>= 2048 bits) key;
- an email, if given, must look like one (it only goes to the stack outputs);
- a participant without a key needs ``roster.passwords: true`` (then they sign in
  with their generated password).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from azurefacts.accounts import RESERVED_ADMIN_USERNAMES
from stacks.config.members import check_ssh_public_key

MAX_PARTICIPANTS = 1000
COLUMNS = ("username", "ssh_public_key", "email")
# Accounts every Ubuntu image has (base-passwd's passwd.master): a participant must not become one of them.
UBUNTU_SYSTEM_ACCOUNTS = frozenset({
    "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy", "www-data",
    "backup", "list", "irc", "gnats", "nobody", "syslog", "messagebus", "sshd",
})  # fmt: skip
_USERNAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[A-Za-z]{2,}$")
SHOWN_PROBLEMS = 20


@dataclass(frozen=True)
class Participant:
    """One seat: a user name on every instance, their key (or none: a password), their email."""

    username: str
    ssh_public_key: str | None
    email: str | None
    row: int


class RosterError(ValueError):
    """A roster that cannot be seated: each problem names its row and the fix."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:SHOWN_PROBLEMS]
        more = f"; and {len(problems) - SHOWN_PROBLEMS} more" if len(problems) > SHOWN_PROBLEMS else ""
        super().__init__("; ".join(shown) + more)


def _rows(path: Path) -> tuple[str, list[tuple[int, dict[str, Any]]]]:
    """The file's participants as (row number, fields), and what a row is called in messages."""
    text = path.read_text(encoding="utf-8-sig")
    if not text.strip():
        raise RosterError([
            "is empty; write the participants in it: a header row `username,ssh_public_key,email`, then one "
            "participant per row (YAML: a list of `- username: ...` entries)"
        ])  # fmt: skip
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text), skipinitialspace=True)
        header = [h.strip() for h in reader.fieldnames or []]
        unknown = [h for h in header if h not in COLUMNS]
        if "username" not in header or unknown:
            raise RosterError([
                "row 1 (the header) must name the columns username, ssh_public_key, email"
                + (f"; unknown column(s): {', '.join(unknown)}" if unknown else "; username is missing")
            ])  # fmt: skip
        rows = []
        for record in reader:
            fields = {k.strip(): (v or "").strip() for k, v in record.items() if k is not None}
            if any(fields.values()):  # blank lines are not participants
                rows.append((reader.line_num, fields))
        return "row", rows
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise RosterError([f"not valid YAML ({error}); write a list of `- username: ...` entries"]) from None
        if isinstance(data, dict) and "participants" in data:
            data = data["participants"]
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise RosterError(["expected a list of entries: `- username: ...` (optional ssh_public_key, email)"])
        return "entry", [(i + 1, {str(k): v for k, v in item.items()}) for i, item in enumerate(data)]
    raise RosterError([f"'{path.name}' is neither .csv nor .yaml: write the roster as CSV or YAML"])


def _problems_of(fields: dict[str, Any], passwords: bool, reserved: frozenset[str]) -> list[str]:
    found = []
    name = str(fields.get("username") or "").strip()
    unknown = sorted(set(fields) - set(COLUMNS))
    if unknown:
        found.append(f"unknown key(s) {', '.join(unknown)}; the keys are {', '.join(COLUMNS)}")
    if not name:
        found.append("no username; give each participant a user name (e.g. ada)")
    elif name != name.lower():
        found.append(f"'{name}' has upper case letters, which Linux user names and JupyterHub refuse: '{name.lower()}'")
    elif not _USERNAME.match(name):
        found.append(
            f"'{name}' is not a user name: start with a letter, then up to 31 lowercase letters, digits, '-' or '_'"
        )
    elif name in reserved:
        found.append(f"'{name}' is reserved (an Azure admin name, a system account or the stack's admin); pick another")
    key = str(fields.get("ssh_public_key") or "").strip() or None
    if key is not None:
        try:
            check_ssh_public_key(key)
        except ValueError as error:
            found.append(f"ssh_public_key: {error}")
    elif not passwords:
        found.append(
            f"'{name}' has no ssh_public_key and roster.passwords is false; add their key (~/.ssh/id_ed25519.pub), "
            "or set roster.passwords: true to give them a generated password"
        )
    email = str(fields.get("email") or "").strip() or None
    if email is not None and not _EMAIL.match(email):
        found.append(f"'{email}' is not an email address; write name@example.org, or leave it empty")
    return found


def read_roster(path: Path, passwords: bool, admin: str | None = None) -> tuple[Participant, ...]:
    """The participants of the roster at ``path``, or ``RosterError`` listing every bad row."""
    noun, rows = _rows(path)
    reserved = frozenset(RESERVED_ADMIN_USERNAMES | UBUNTU_SYSTEM_ACCOUNTS | ({admin} if admin else set()))
    problems: list[str] = []
    seen: dict[str, int] = {}
    participants = []
    for row, fields in rows:
        found = _problems_of(fields, passwords, reserved)
        name = str(fields.get("username") or "").strip()
        if name and name in seen:
            found.append(f"'{name}' appears twice (also {noun} {seen[name]}); each participant once")
        seen.setdefault(name, row)
        problems += [f"{noun} {row}: {p}" for p in found]
        if not found:
            key = str(fields.get("ssh_public_key") or "").strip() or None
            email = str(fields.get("email") or "").strip() or None
            participants.append(Participant(name, key, email, row))
    if not rows:
        problems.append("no participants; list at least one (username, optional ssh_public_key and email)")
    if len(rows) > MAX_PARTICIPANTS:
        problems.append(
            f"{len(rows)} participants; a scale_out stack seats at most {MAX_PARTICIPANTS}: split the roster "
            "into two stacks"
        )
    if problems:
        raise RosterError(problems)
    return tuple(participants)
