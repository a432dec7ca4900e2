"""A lock on a stack's saved state, as Pulumi's self-managed backends lock a stack during an update.

Pulumi's file and blob backends (``pulumi login --local`` / ``azblob://``) write a lock file per
update under ``.pulumi/locks/<project>/<stack>/`` holding the pid, user name, host and time, and a
second ``pulumi up`` on the stack stops with "the stack is currently locked by 1 lock(s). Either
wait for the other process(es) to end or delete the lock file" (pulumi/pulumi
``pkg/backend/diy/lock.go``). ``dsvmctl`` does the same for its saved states.

A writer (``up``, ``destroy``, ``state unprotect``, ``state reset``) holds ``<stack>.json.lock``
from before it reads the state until after it has written it, so two writers can never both read
the old state and the last one silently win. The file is created exclusively (``O_CREAT |
O_EXCL``: atomic on local file systems) and holds its owner: user, host, process id, command and
the time it was taken. A second writer waits up to ``wait`` seconds (``--lock-wait``), then stops
(exit 2) naming the holder, its age and the way out: wait, or ``dsvmctl state unlock`` when the
holder is gone. ``unlock`` refuses while the holder's process still runs on this host, and for a
holder on another host (whose process cannot be seen from here), unless ``--force``.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from azurefacts import clock

POLL_SECONDS = 0.1


class StateLockError(Exception):
    """The stack's state cannot be locked; the message names the path and the way out."""


class StateLocked(StateLockError):  # noqa: N818 - reads as what happened
    """Another writer holds the stack's state lock; the message names it and the way out."""


@dataclass(frozen=True)
class LockOwner:
    """Who holds a state lock (the lock file's content)."""

    user: str
    host: str
    pid: int
    command: str
    created: str  # ISO 8601, UTC

    @classmethod
    def me(cls, command: str) -> LockOwner:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry (some containers)
            user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
        return cls(user, socket.gethostname(), os.getpid(), command, clock.now().isoformat(timespec="seconds"))

    def age(self) -> str:
        try:
            seconds = int((clock.now() - datetime.fromisoformat(self.created)).total_seconds())
        except ValueError:
            return "of unknown age"
        if seconds < 120:
            return f"{max(seconds, 0)} s old"
        return f"{seconds // 60} min old" if seconds < 7200 else f"{seconds // 3600} h old"

    def alive(self) -> bool | None:
        """Whether the holder's process still runs: None when it is on another host (cannot be seen)."""
        if self.host != socket.gethostname():
            return None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # it exists, owned by someone else
            return True
        return True

    def text(self) -> str:
        state = {True: "still running", False: "no longer running: the lock is stale", None: "on another host"}
        return (f"`{self.command}` by {self.user}@{self.host} (process {self.pid}, {state[self.alive()]}), "
                f"taken {self.created}, {self.age()}")  # fmt: skip


def lock_path(state_path: Path) -> Path:
    """The lock file of a state file: ``<stack>.json.lock`` beside it."""
    return state_path.with_name(f"{state_path.name}.lock")


def read_owner(path: Path) -> LockOwner | None:
    """The owner recorded in lock file ``path``; None when there is no lock. A lock file that cannot be
    read (a writer killed while writing it) still locks: its owner is shown as unknown."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return LockOwner(str(data["user"]), str(data["host"]), int(data["pid"]), str(data["command"]),
                         str(data["created"]))  # fmt: skip
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return LockOwner("unknown", "unknown host", 0, "unknown command", "unknown time")


def _try_create(path: Path, owner: LockOwner) -> bool:
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(asdict(owner), indent=1) + "\n")
    return True


def _create_or_fail(path: Path, owner: LockOwner, stack: str) -> bool:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return _try_create(path, owner)
    except OSError as error:
        raise StateLockError(
            f"cannot lock the state of {stack} in {path.parent} (lock file {path.name}): "
            f"{error.strerror or error}; choose a writable --state-dir"
        ) from None


@contextmanager
def hold(state_path: Path, stack: str, command: str, wait: float = 0.0) -> Iterator[LockOwner]:
    """Hold the lock of ``state_path`` for the block; ``StateLocked`` when another writer keeps it
    longer than ``wait`` seconds. The directory is made if needed (a first ``up``)."""
    path = lock_path(state_path)
    owner = LockOwner.me(command)
    deadline = time.monotonic() + max(wait, 0.0)
    while not _create_or_fail(path, owner, stack):
        holder = read_owner(path)
        if holder is None:  # released between our attempt and the read: try again at once
            continue
        if time.monotonic() >= deadline:
            waited = f" after waiting {wait:g} s" if wait > 0 else ""
            raise StateLocked(
                f"the state of stack {stack} is locked{waited} by {holder.text()} ({path}). Way out: wait for it to "
                f"finish (or pass --lock-wait SECONDS), or, if that process is gone, `dsvmctl state unlock --stack "
                f"{stack}`; nothing was changed"
            )
        time.sleep(POLL_SECONDS)
    try:
        yield owner
    finally:
        if read_owner(path) == owner:  # never remove a lock someone else took after a forced unlock
            path.unlink(missing_ok=True)


def unlock(state_path: Path, stack: str, force: bool = False) -> LockOwner | None:
    """Remove the lock of ``state_path``; returns its owner (None: there was none). Refused while the
    owner's process runs on this host or runs elsewhere (unknown), unless ``force``."""
    path = lock_path(state_path)
    owner = read_owner(path)
    if owner is None:
        return None
    alive = owner.alive()
    if alive is not False and not force and owner.pid != 0:
        where = "still runs" if alive else "may still run on its host"
        raise StateLocked(
            f"the state of stack {stack} is locked by {owner.text()}; that process {where}, and removing the lock "
            "would let two writers change the state at once. Wait for it, or pass --force if you know it is gone"
        )
    path.unlink(missing_ok=True)
    return owner

