"""State locking (dsvmctl/state_lock.py): two writers never both change one saved state."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from azurefacts import clock
from dsvmctl.state import StateStore
from dsvmctl.state_lock import LockOwner, StateLocked, hold, lock_path, read_owner, unlock
from tests.helpers import Project


def plant_lock(project: Project, pid: int, host: str | None = None) -> Path:
    """A lock file as another dsvmctl would have left it."""
    path = lock_path(StateStore(project.state).path("dev"))
    path.parent.mkdir(parents=True, exist_ok=True)
    owner = {"user": "bob", "host": host or socket.gethostname(), "pid": pid, "command": "dsvmctl up --stack dev",
             "created": "2026-12-05T09:00:00+00:00"}  # fmt: skip
    path.write_text(json.dumps(owner))
    return path


def gone_pid() -> int:
    """The id of a process that has ended."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_a_second_writer_stops_naming_the_holder_and_changes_nothing(project: Project) -> None:
    before = (project.state / "dev.json").read_text()
    plant_lock(project, os.getpid())  # a live holder: this very process
    project.config["dsvm:members"][0]["vm_size"] = "Standard_D8s_v5"
    project.write()
    for command in (("up",), ("destroy",), ("state", "unprotect", "--all")):
        code, output = project.run(*command)
        assert code == 2, (command, output)
        assert "the state of stack dev is locked by `dsvmctl up --stack dev` by bob@" in output
        assert f"process {os.getpid()}, still running" in output and "dsvmctl state unlock --stack dev" in output
    assert (project.state / "dev.json").read_text() == before
    code, output = project.run("state", "show")
    assert code == 0 and "locked by `dsvmctl up --stack dev` by bob@" in output


def test_a_writer_waits_for_a_lock_that_is_released(project: Project) -> None:
    state_path = StateStore(project.state).path("dev")
    taken, release = threading.Event(), threading.Event()

    def other_writer() -> None:
        with hold(state_path, "dev", "dsvmctl up --stack dev"):
            taken.set()
            release.wait(10)

    thread = threading.Thread(target=other_writer)
    thread.start()
    taken.wait(10)
    threading.Timer(0.5, release.set).start()
    code, output = project.run("up", "--lock-wait", "30")
    thread.join()
    assert code == 0, output
    assert not lock_path(state_path).exists()


def test_a_stale_lock_is_named_stale_and_unlock_removes_it(project: Project) -> None:
    path = plant_lock(project, gone_pid())
    code, output = project.run("up")
    assert code == 2 and "no longer running: the lock is stale" in output
    code, output = project.run("state", "unlock")
    assert code == 0 and "removed the lock of stack dev held by `dsvmctl up --stack dev` by bob@" in output
    assert not path.exists()
    code, output = project.run("up")
    assert code == 0, output
    code, output = project.run("state", "unlock")
    assert code == 0 and "is not locked; nothing to do" in output


def test_unlock_refuses_a_live_or_unseen_holder_without_force(project: Project) -> None:
    path = plant_lock(project, os.getpid())
    code, output = project.run("state", "unlock")
    assert code == 2 and "that process still runs" in output and path.exists()
    plant_lock(project, 12345, host="another-laptop")
    code, output = project.run("state", "unlock")
    assert code == 2 and "may still run on its host" in output and path.exists()
    code, output = project.run("state", "unlock", "--force")
    assert code == 0 and not path.exists()


def test_a_lock_is_released_when_the_writer_fails(project: Project) -> None:
    project.config["dsvm:members"][0]["vm_size"] = "Standard_NC4as_T4_v3"  # no temp disk -> refused resize
    project.write()
    code, _ = project.run("up")
    assert code == 2
    assert not lock_path(StateStore(project.state).path("dev")).exists()


def test_hold_never_removes_a_lock_another_writer_took_after_a_forced_unlock(tmp_path: Path) -> None:
    state_path = tmp_path / "dev.json"
    other = LockOwner("x", "h", 1, "second", "2026-12-05T09:00:00+00:00")
    with hold(state_path, "dev", "first"):
        assert unlock(state_path, "dev", force=True) is not None
        with hold(state_path, "dev", "second") as second:
            assert second.command == "second"
        lock_path(state_path).write_text(json.dumps(asdict(other)))  # another writer holds it now
    assert read_owner(lock_path(state_path)) == other  # the first writer's exit left it alone
    with pytest.raises(StateLocked, match="locked by `second` by x@h"), hold(state_path, "dev", "third"):
        pass


def test_an_unreadable_lock_still_locks(tmp_path: Path) -> None:
    state_path = tmp_path / "dev.json"
    lock_path(state_path).write_text("{half a lo")
    with pytest.raises(StateLocked, match="unknown command"), hold(state_path, "dev", "up"):
        pass


def test_each_writer_writes_its_own_temporary_file(project: Project) -> None:
    (project.state / "dev.json.tmp").mkdir()  # the name every writer used to share
    code, output = project.run("up")
    assert code == 0, output
    assert sorted(p.name for p in project.state.iterdir()) == ["dev.json", "dev.json.tmp"]


def test_four_writers_at_once_apply_one_after_another(project: Project) -> None:
    (project.state / "dev.json").unlink()  # a fresh stack: each writer would create everything
    command = [sys.executable, "-m", "dsvmctl", "up", "--json", "--stack", "dev", "--project-dir", str(project.dir),
               "--state-dir", str(project.state), "--lock-wait", "300"]  # fmt: skip
    outputs = [project.dir.parent / f"writer-{n}.json" for n in range(4)]
    writers = []
    for path in outputs:
        with path.open("w") as out:  # files, not pipes: a full pipe would stall a writer holding nothing
            writers.append(subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE, text=True))
    results = [(w.wait(timeout=600), w.stderr.read()) for w in writers]  # type: ignore[union-attr]
    assert [code for code, _ in results] == [0, 0, 0, 0], [err for _, err in results]
    creates = sorted(json.loads(path.read_text())["changes"]["create"] for path in outputs)
    assert creates[:3] == [0, 0, 0] and creates[3] > 20  # one created the stack, three found it made
    assert json.loads((project.state / "dev.json").read_text())["stack"] == "dev"
    assert not [p for p in project.state.iterdir() if p.name != "dev.json"]


@pytest.mark.parametrize(("created", "age"), [
    ("2027-03-01T11:59:10+00:00", "50 s old"),
    ("2027-03-01T11:58:00+00:00", "2 min old"),
    ("2027-03-01T10:01:00+00:00", "119 min old"),
    ("2027-03-01T09:00:00+00:00", "3 h old"),
    ("2027-03-01T12:00:30+00:00", "0 s old"),  # another host's clock a little ahead
    ("yesterday", "of unknown age"),
])  # fmt: skip
def test_a_lock_says_how_old_it_is(monkeypatch: pytest.MonkeyPatch, created: str, age: str) -> None:
    monkeypatch.setattr(clock, "now", lambda: datetime(2027, 3, 1, 12, 0, tzinfo=UTC))
    assert LockOwner("bob", "laptop", 1, "dsvmctl up --stack dev", created).age() == age
