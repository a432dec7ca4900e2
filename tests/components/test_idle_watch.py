"""The idle watcher offline: its decisions, its probes, its IMDS and ARM calls (a local fake), its installation.

The script ships to the VM as one file, so it is loaded by path, as the VM runs it.
"""

from __future__ import annotations

import ast
import base64
import configparser
import gzip
import json
import os
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from components import idle_units
from tests.helpers import load_idle_watcher

SCRIPT = idle_units.SCRIPT_SOURCE


watch: Any = load_idle_watcher()
VM_ID = "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/rg-dsvm/providers/Microsoft.Compute/virtualMachines/alice-vm"  # noqa: E501
BOOT = 1_700_000_000.0
MINUTE = 60.0
SIGNALS = ("sessions", "jupyter", "cpu", "gpu")


def user_data(document: Any = None, **idle_stop: Any) -> str:
    """A userData value: base64 of ``document``, or of ``{"idle_stop": idle_stop}``."""
    text = document if isinstance(document, str) else json.dumps(document or {"idle_stop": idle_stop})
    return base64.b64encode(text.encode()).decode()


class FakeServer:
    """A local HTTP server: a canned (status, body) per path, every request recorded (method, path, headers)."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str]] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.bodies: list[Any] = []  # the JSON body of each request that had one
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                fake.requests.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
                size = int(self.headers.get("Content-Length") or 0)
                if size:
                    fake.bodies.append(json.loads(self.rfile.read(size)))
                status, body = fake.routes.get(urlsplit(self.path).path, (404, '{"error": "no such path"}'))
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = answer  # noqa: N815 (http.server names)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def calls(self, path: str) -> list[tuple[str, str, dict[str, str]]]:
        return [r for r in self.requests if urlsplit(r[1]).path == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def servers() -> Iterator[Callable[[], FakeServer]]:
    started: list[FakeServer] = []

    def start() -> FakeServer:
        started.append(FakeServer())
        return started[-1]

    yield start
    for server in started:
        server.close()


def refused_url() -> str:
    """A loopback URL nobody listens on (network down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class Box:
    """One VM: IMDS and ARM fakes, a clock, the users' messages, and four signals the test switches."""

    def __init__(self, tmp_path: Path, imds: FakeServer, arm: FakeServer) -> None:
        self.tmp_path, self.imds, self.arm = tmp_path, imds, arm
        self.now, self.boot = BOOT + 10 * MINUTE, BOOT
        self.notes: list[str] = []
        self.busy: dict[str, str | None] = dict.fromkeys(SIGNALS)
        self.state_path = tmp_path / "var" / "state.json"
        self.arm_url = arm.url
        imds.routes.update({
            "/metadata/instance/compute/userData": (200, user_data(idle_minutes=60, warn_minutes=10)),
            "/metadata/identity/oauth2/token": (200, json.dumps({"access_token": "tok-123", "token_type": "Bearer"})),
            "/metadata/instance": (200, json.dumps({"compute": {"resourceId": VM_ID, "name": "alice-vm"}})),
        })  # fmt: skip
        arm.routes[VM_ID + "/deallocate"] = (202, "")

    def env(self, **overrides: Any) -> Any:
        probes = {name: (lambda settings, env, name=name: self.busy[name]) for name in SIGNALS}
        values: dict[str, Any] = {
            "imds": self.imds.url, "arm": self.arm_url, "state_path": str(self.state_path),
            "hub_token_path": str(self.tmp_path / "no-token"), "clock": lambda: self.now, "sleep": lambda s: None,
            "runtime_files": (str(self.tmp_path / "no-runtime" / "jpserver-*.json"),),
            "boot_time": lambda: self.boot, "notify": self.notes.append, "probes": probes,
        }  # fmt: skip
        return watch.Env(**{**values, **overrides})

    def run(self, minutes: float = 0, **overrides: Any) -> int:
        """Advance the clock, then one check."""
        self.now += minutes * MINUTE
        return int(watch.run(self.env(**overrides)))

    def state(self) -> dict[str, Any]:
        return dict(json.loads(self.state_path.read_text()))

    def without_warning(self) -> None:
        self.imds.routes["/metadata/instance/compute/userData"] = (200, user_data(warn_minutes=0))

    def deallocations(self) -> list[tuple[str, str, dict[str, str]]]:
        return self.arm.calls(VM_ID + "/deallocate")

    def token_requests(self) -> list[tuple[str, str, dict[str, str]]]:
        return self.imds.calls("/metadata/identity/oauth2/token")


@pytest.fixture
def box(tmp_path: Path, servers: Callable[[], FakeServer], monkeypatch: pytest.MonkeyPatch) -> Box:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return Box(tmp_path, servers(), servers())


# Decisions


def test_quiet_for_less_than_idle_minutes_does_not_stop(box: Box, capsys: pytest.CaptureFixture[str]) -> None:
    box.busy["sessions"] = "sessions: alice"
    assert box.run() == 0
    box.busy["sessions"] = None
    assert box.run(minutes=45) == 0
    assert box.deallocations() == [] and box.notes == []
    out = capsys.readouterr().out
    assert "quiet (sessions, jupyter, cpu, gpu) for 45 min" in out and "last busy: sessions: alice" in out


def test_quiet_long_enough_warns_once_then_stops(box: Box, capsys: pytest.CaptureFixture[str]) -> None:
    assert box.run() == 0  # first check: the idle clock starts now
    assert box.run(minutes=51) == 0  # 9 minutes left: the warning
    assert len(box.notes) == 1 and "deallocated (stopped) in 10 minutes" in box.notes[0]
    assert box.run(minutes=4) == 0 and box.run(minutes=5) == 0  # 60 min idle, but warned 9 min ago
    assert len(box.notes) == 1 and box.deallocations() == []
    assert box.run(minutes=1) == 0  # 10 minutes after the warning
    assert len(box.deallocations()) == 1 and len(box.notes) == 1
    assert f"deallocating {VM_ID}" in capsys.readouterr().out
    assert box.run(minutes=5) == 0  # the VM is going down: no second request
    assert len(box.deallocations()) == 1


def test_without_a_warning_it_stops_at_idle_minutes(box: Box) -> None:
    box.imds.routes["/metadata/instance/compute/userData"] = (200, user_data(idle_minutes=30, warn_minutes=0))
    box.run()
    assert box.run(minutes=29) == 0 and box.deallocations() == []
    assert box.run(minutes=1) == 0 and len(box.deallocations()) == 1 and box.notes == []


def test_work_after_the_warning_cancels_the_stop(box: Box) -> None:
    box.run()
    box.run(minutes=52)
    assert len(box.notes) == 1
    box.busy["cpu"] = "cpu 90%"
    box.run(minutes=3)
    box.busy["cpu"] = None
    assert box.run(minutes=20) == 0 and box.deallocations() == []
    assert box.state()["warned_at"] is None


def test_the_state_file_survives_across_runs(box: Box) -> None:
    box.busy["gpu"] = "gpu 99%"
    box.run()
    busy_at = box.now
    box.busy["gpu"] = None
    box.run(minutes=30)
    state = box.state()
    assert state == {**state, "boot": BOOT, "last_busy": busy_at, "reason": "gpu 99%"}
    box.run(minutes=30)  # a fresh Env, the same file: the idle clock kept running
    assert box.notes and box.state()["warned_at"] == box.now


def test_a_new_boot_restarts_the_idle_clock(box: Box) -> None:
    box.run()
    box.now += 3 * 24 * 60 * MINUTE  # deallocated for three days, then started
    box.boot = box.now - 10 * MINUTE
    assert box.run() == 0
    assert box.state()["last_busy"] == box.boot and box.notes == [] and box.deallocations() == []


@pytest.mark.parametrize(
    "document",
    [{"idle_stop": {"enabled": False, "idle_minutes": 15}}, {"v": 1, "seats": []}, ""],
    ids=["disabled", "no-idle-stop", "no-user-data"],
)
def test_off_never_stops(box: Box, document: Any, capsys: pytest.CaptureFixture[str]) -> None:
    box.imds.routes["/metadata/instance/compute/userData"] = (200, user_data(document) if document else "")
    for _ in range(30):
        assert box.run(minutes=10) == 0
    assert box.deallocations() == [] and box.token_requests() == [] and box.notes == []
    assert not box.state_path.exists()
    assert "idle stop is off" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("this is not base64!", "not base64 of JSON"),
        (user_data("{not json"), "not base64 of JSON"),
        (user_data("[1, 2]"), "not a JSON object"),
        (user_data(idle_minutes="sixty"), "idle_stop.idle_minutes cannot be 'sixty'"),
        (user_data(enabled="yes"), "idle_stop.enabled cannot be 'yes'"),
        (user_data(idle_minutes=float("nan")), "idle_stop.idle_minutes cannot be nan"),
        (user_data(idle_minutes=10, warn_minutes=10), "warn_minutes < idle_minutes"),
        (user_data(cpu_percent=150), "percentages <= 100"),
        (user_data({"idle_stop": 60}), "not a JSON object"),
    ],
)  # fmt: skip
def test_unreadable_user_data_never_stops(box: Box, value: str, why: str, capsys: pytest.CaptureFixture[str]) -> None:
    box.imds.routes["/metadata/instance/compute/userData"] = (200, value)
    for _ in range(30):
        assert box.run(minutes=10) == 2
    assert box.deallocations() == [] and box.token_requests() == [] and box.notes == []
    out = capsys.readouterr().out
    assert "userData is unreadable" in out and why in out and "not stopping" in out


def test_user_data_without_imds_never_stops(box: Box, capsys: pytest.CaptureFixture[str]) -> None:
    assert box.run(minutes=600, imds=refused_url()) == 1
    assert "cannot read the settings (network: no answer from 127.0.0.1" in capsys.readouterr().out


def test_settings_take_defaults_ignore_unknown_keys_and_may_be_gzipped(capsys: pytest.CaptureFixture[str]) -> None:
    raw = json.dumps({"v": 1, "seats": [], "idle_stop": {"idle_minutes": 90, "colour": "blue"}}).encode()
    settings = watch.parse_settings(base64.b64encode(gzip.compress(raw, mtime=0)).decode())
    assert settings == {**watch.DEFAULTS, "idle_minutes": 90}
    assert "ignoring unknown setting idle_stop.colour" in capsys.readouterr().out
    assert watch.parse_settings(user_data(idle_minutes=1, warn_minutes=0))["idle_minutes"] == 1


def test_a_probe_that_fails_keeps_the_vm_up(box: Box, capsys: pytest.CaptureFixture[str]) -> None:
    """A probe that cannot tell counts as busy in the decision itself: with no warning period in between, a VM
    quiet for two hours stays up only because of it, and its idle clock starts again."""

    def broken(settings: Any, env: Any) -> str | None:
        raise RuntimeError("nvidia-smi exited 9: NVIDIA-SMI has failed")

    def idle(settings: Any, env: Any) -> str | None:
        return None

    box.without_warning()
    box.run()
    assert box.run(minutes=120, probes={"gpu": broken}) == 0
    assert box.deallocations() == [] and box.notes == []
    assert ("busy: gpu probe failed (RuntimeError: nvidia-smi exited 9: NVIDIA-SMI has failed): counted as busy"
            in capsys.readouterr().out)  # fmt: skip
    assert box.state()["last_busy"] == box.now
    # The probe answers again (the GPU is idle): a full idle period from the failed check, then the stop.
    assert box.run(minutes=59, probes={"gpu": idle}) == 0 and box.deallocations() == []
    assert box.run(minutes=1, probes={"gpu": idle}) == 0 and len(box.deallocations()) == 1


def test_dry_run_says_what_it_would_do(box: Box, capsys: pytest.CaptureFixture[str]) -> None:
    box.without_warning()
    box.run()
    assert box.run(minutes=61, dry_run=True) == 0 and box.deallocations() == []
    assert "dry run: would deallocate now" in capsys.readouterr().out


# IMDS and ARM, on a local fake


def test_the_token_and_the_deallocate_call(box: Box) -> None:
    box.imds.routes["/metadata/instance/compute/userData"] = (200, user_data(warn_minutes=0, client_id="cid-1"))
    box.run()
    assert box.run(minutes=60) == 0
    for method, _, headers in box.imds.requests:
        assert method == "GET" and headers["metadata"] == "true"
    (_, token_path, _), = box.token_requests()  # fmt: skip
    query = parse_qs(urlsplit(token_path).query)
    assert query == {"api-version": ["2018-02-01"], "resource": ["https://management.azure.com/"],
                     "client_id": ["cid-1"]}  # fmt: skip
    (_, instance_path, _), = box.imds.calls("/metadata/instance")  # fmt: skip
    assert parse_qs(urlsplit(instance_path).query) == {"api-version": ["2021-02-01"]}
    user_data_query = parse_qs(urlsplit(box.imds.calls("/metadata/instance/compute/userData")[0][1]).query)
    assert user_data_query == {"api-version": ["2021-01-01"], "format": ["text"]}
    ((method, path, headers),) = box.deallocations()
    assert method == "POST" and headers["authorization"] == "Bearer tok-123" and headers["content-length"] == "0"
    assert parse_qs(urlsplit(path).query) == {"api-version": [watch.COMPUTE_API_VERSION]}
    assert box.state()["stop_requested_at"] == box.now and box.state()["failures"] == 0


def test_no_identity_logs_backs_off_and_does_not_call_again(box: Box, capsys: pytest.CaptureFixture[str]) -> None:
    body = json.dumps({"error": "invalid_request", "error_description": "Identity not found"})
    box.imds.routes["/metadata/identity/oauth2/token"] = (400, body)
    box.without_warning()
    box.run()
    assert box.run(minutes=70) == 1
    out = capsys.readouterr().out
    assert "no managed identity: IMDS answered 400" in out and "Identity not found" in out
    assert "system-assigned identity" in out and "next attempt after" in out
    assert box.run(minutes=5) == 1  # within the backoff: no call at all
    assert len(box.token_requests()) == 1 and box.deallocations() == []
    assert "no new attempt before" in capsys.readouterr().out
    assert box.run(minutes=6) == 1  # 11 minutes later: one more try, then a longer backoff
    assert len(box.token_requests()) == 2
    assert box.state()["failures"] == 2 and box.state()["backoff_until"] == box.now + 20 * MINUTE


def test_arm_403_names_the_missing_action(box: Box, capsys: pytest.CaptureFixture[str]) -> None:
    message = f"The client 'x' does not have authorization to perform action '{watch.DEALLOCATE_ACTION}'"
    box.arm.routes[VM_ID + "/deallocate"] = (403, json.dumps({"error": {"code": "AuthorizationFailed",
                                                                         "message": message}}))  # fmt: skip
    box.without_warning()
    box.run()
    assert box.run(minutes=70) == 1
    out = capsys.readouterr().out
    assert "ARM refused the deallocation (403 AuthorizationFailed" in out
    assert f"needs {watch.DEALLOCATE_ACTION} on {VM_ID}" in out
    assert box.run(minutes=5) == 1 and len(box.deallocations()) == 1 and len(box.token_requests()) == 1


def test_network_down_logs_backs_off_and_does_not_call_again(box: Box, capsys: pytest.CaptureFixture[str]) -> None:
    box.arm_url = refused_url()
    box.without_warning()
    box.run()
    assert box.run(minutes=70) == 1
    out = capsys.readouterr().out
    assert "could not deallocate: network: no answer from 127.0.0.1" in out
    assert box.run(minutes=5) == 1
    assert len(box.token_requests()) == 1
    assert "refused" in box.state()["last_error"].lower()


def test_the_cli_reads_user_data_from_the_given_imds(box: Box, capsys: pytest.CaptureFixture[str]) -> None:
    box.imds.routes["/metadata/instance/compute/userData"] = (200, user_data({"other": 1}))
    assert watch.main(["--imds", box.imds.url, "--state", str(box.state_path), "--dry-run"]) == 0
    assert "idle stop is off" in capsys.readouterr().out


# Probes, with fake commands


@pytest.fixture
def machine(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Fake commands for the probes: logind sessions (show-session properties), nvidia-smi output, CPU load."""
    fake: dict[str, Any] = {"sessions": [], "gpu": None, "cpu": 0.0, "commands": []}

    def run_command(command: list[str], empty_ok: bool = False) -> str:
        fake["commands"].append(command)
        if command[:2] == ["loginctl", "list-sessions"]:
            return "".join(f"{i} 1000 user\n" for i in range(len(fake["sessions"])))
        if command[:2] == ["loginctl", "show-session"]:
            return "\n".join("".join(f"{k}={v}\n" for k, v in s.items()) for s in fake["sessions"])
        if command[0] == "nvidia-smi":
            return str(fake["gpu"])
        raise AssertionError(command)

    ticks = iter(range(10**6))

    def cpu_times() -> tuple[float, float]:
        n = next(ticks)
        return n * 1000.0 * fake["cpu"], n * 1000.0

    monkeypatch.setattr(watch, "run_command", run_command)
    monkeypatch.setattr(watch, "cpu_times", cpu_times)
    monkeypatch.setattr(watch.shutil, "which", lambda name: f"/usr/bin/{name}" if name != "nvidia-smi" or fake["gpu"]
                        is not None else None)  # fmt: skip
    return fake


SETTINGS = dict(watch.DEFAULTS)


def session(**props: str) -> dict[str, str]:
    base = {"Name": "alice", "Class": "user", "State": "active", "TTY": "", "Display": "", "Remote": "no",
            "Service": "sshd"}  # fmt: skip
    return {**base, **props}


@pytest.mark.parametrize(
    ("signal", "reason"),
    [(None, None), ("ssh", "sessions: alice (sshd pts/0)"), ("kernel", "jupyter: alice's kernel python3 busy"),
     ("cpu", "cpu 40% = "), ("gpu", "gpu 80% (busy from 5%)")],
)  # fmt: skip
def test_each_signal_keeps_the_vm_up(box: Box, machine: dict[str, Any], servers: Callable[[], FakeServer],
                                     tmp_path: Path, signal: str | None, reason: str | None) -> None:  # fmt: skip
    """The real probes on fake commands and a fake hub: 2 hours quiet stops the VM, unless one signal is on."""
    hub, token = servers(), tmp_path / "hub.token"
    token.write_text("s3cret")
    kernel = {"name": "python3", "execution_state": "busy" if signal == "kernel" else "idle"}
    hub.routes["/hub/api/users"] = (200, json.dumps([{"name": "alice", "servers": {"": {"url": "/user/alice/"}}}]))
    hub.routes["/user/alice/api/kernels"] = (200, json.dumps([kernel]))
    box.imds.routes["/metadata/instance/compute/userData"] = (200, user_data(warn_minutes=0, jupyterhub_url=hub.url))
    machine["sessions"] = [session(TTY="pts/0", Remote="yes")] if signal == "ssh" else []
    machine["cpu"] = 0.4 if signal == "cpu" else 0.0
    machine["gpu"] = "80" if signal == "gpu" else "0"
    env = {"probes": dict(watch.PROBES), "hub_token_path": str(token)}
    assert box.run(**env) == 0
    assert box.run(minutes=120, **env) == 0
    if reason is None:
        assert len(box.deallocations()) == 1
    else:
        assert box.deallocations() == [] and box.state()["last_busy"] == box.now
        assert box.state()["reason"].startswith(reason)


def test_sessions_count_ssh_with_or_without_a_pty_and_the_console(machine: dict[str, Any], box: Box) -> None:
    env = box.env()
    assert watch.probe_sessions(SETTINGS, env) is None
    machine["sessions"] = [session(TTY="pts/0", Remote="yes"), session(Name="bob", Remote="yes"),
                           session(Name="carol", TTY="tty1", Service="login")]  # fmt: skip
    assert watch.probe_sessions(SETTINGS, env) == "sessions: alice (sshd pts/0), bob (sshd remote), carol (login tty1)"
    machine["sessions"] = [session(TTY="pts/0", State="closing"), session(Class="manager", TTY="pts/1"),
                           session(Name="jupyter", Service="login")]  # fmt: skip
    assert watch.probe_sessions(SETTINGS, env) is None  # leftovers, the user manager, a session with no terminal


def test_sessions_fall_back_to_utmp_when_logind_does_not_answer(monkeypatch: pytest.MonkeyPatch, box: Box) -> None:
    """loginctl present but logind silent (no D-Bus): utmp still tells, instead of "probe failed" (busy) forever."""

    def run_command(command: list[str], empty_ok: bool = False) -> str:
        if command[0] == "loginctl":
            raise RuntimeError("loginctl exited 1: Failed to connect to bus: No such file or directory")
        assert command == ["who"]
        return "alice    pts/0        2026-12-05 09:00 (10.0.0.5)\n"

    monkeypatch.setattr(watch, "run_command", run_command)
    monkeypatch.setattr(watch.shutil, "which", lambda name: f"/usr/bin/{name}")
    assert watch.probe_sessions(SETTINGS, box.env()) == "sessions: alice pts/0"


def test_windows_sessions_count_active_quser_rows(machine: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    out = (" USERNAME              SESSIONNAME        ID  STATE   IDLE TIME  LOGON TIME\n"
           ">alice                 rdp-tcp#3           2  Active          .  1/2/2025 9:00 AM\n"
           " bob                                       3  Disc           12  1/2/2025 8:00 AM\n")  # fmt: skip
    monkeypatch.setattr(watch, "WINDOWS", True)
    monkeypatch.setattr(watch, "run_command", lambda command, empty_ok=False: out if command == ["quser"] else "")
    assert watch.probe_sessions(SETTINGS, None) == "sessions: alice"


def test_cpu_counts_the_vm_share_or_a_busy_core(machine: dict[str, Any], box: Box,
                                                monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    env, slept = box.env(sleep=lambda s: slept.append(s)), []
    monkeypatch.setattr(watch.os, "cpu_count", lambda: 64)
    machine["cpu"] = 0.002
    assert watch.probe_cpu(SETTINGS, env) is None and slept == [3]
    machine["cpu"] = 0.016  # one busy kernel on 64 cores: 1.6 %
    assert watch.probe_cpu(SETTINGS, env) == "cpu 2% = 1.0 cores (busy from 10% or 0.5)"
    machine["cpu"] = 0.5
    assert watch.probe_cpu(SETTINGS, env).startswith("cpu 50% = 32.0 cores")


def test_gpu_is_the_busiest_gpu_and_no_nvidia_smi_means_no_gpu(machine: dict[str, Any], box: Box) -> None:
    env = box.env()
    assert watch.probe_gpu(SETTINGS, env) is None and machine["commands"] == []
    machine["gpu"] = "0\n3\n[N/A]\n"
    assert watch.probe_gpu(SETTINGS, env) is None
    machine["gpu"] = "0\n37\n"
    assert watch.probe_gpu(SETTINGS, env) == "gpu 37% (busy from 5%)"
    assert machine["commands"][-1] == ["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits"]


def utc(day: int, hour: int, minute: int = 0) -> float:
    """A time in the week of 2025-01-06 (a Monday; ``day`` 0-6), UTC."""
    import calendar

    return float(calendar.timegm((2025, 1, 6 + day, hour, minute, 0)))


@pytest.mark.parametrize(
    ("when", "busy"),
    [(utc(5, 0, 29), False), (utc(5, 0, 30), True), (utc(5, 3, 59), True), (utc(5, 4, 0), False),
     (utc(6, 23, 30), True), (utc(0, 1, 59), True), (utc(0, 2, 0), False), (utc(2, 1, 0), False)],
)  # fmt: skip
def test_the_patch_window_keeps_the_vm_up_from_half_an_hour_before(box: Box, when: float, busy: bool) -> None:
    """Saturday 01:00-04:00 UTC, and Sunday 23:30 to Monday 02:00 (a window across the week's end)."""
    settings = {**SETTINGS, "patch_windows": [[7260, 7440], [10020, 10200]]}
    reason = watch.probe_patch_window(settings, box.env(clock=lambda: when))
    assert (reason == "Update Manager's patch window") is busy and (reason is None) is not busy


def test_a_quiet_vm_in_its_patch_window_is_not_stopped(box: Box) -> None:
    box.imds.routes["/metadata/instance/compute/userData"] = (200, user_data(warn_minutes=0, patch_windows=[
        [7260, 7440]]))  # fmt: skip
    box.now = utc(5, 1)  # Saturday 01:00 UTC, nobody working
    probes = {"patching": watch.PROBES["patching"]}
    assert box.run(probes=probes) == 0
    assert box.run(minutes=120, probes=probes) == 0  # still in the window: up
    assert box.deallocations() == [] and box.state()["reason"] == "Update Manager's patch window"
    assert box.run(minutes=180, probes=probes) == 0  # 06:00, quiet since 04:00: stopped
    assert len(box.deallocations()) == 1


def test_patch_windows_must_be_a_list() -> None:
    assert watch.parse_settings(user_data(patch_windows=[[7260, 7440]]))["patch_windows"] == [[7260, 7440]]
    with pytest.raises(ValueError, match="patch_windows"):
        watch.parse_settings(user_data(patch_windows=7260))


def test_jupyter_asks_the_hub_for_busy_kernels_and_recent_activity(box: Box, servers: Callable[[], FakeServer],
                                                                   tmp_path: Path) -> None:  # fmt: skip
    hub, token = servers(), tmp_path / "hub.token"
    settings = {**SETTINGS, "jupyterhub_url": hub.url}
    env = box.env(hub_token_path=str(token))
    assert watch.probe_jupyter(settings, env) is None and hub.requests == []  # no token, no question
    token.write_text("s3cret\n")
    old, recent = "2023-11-14T21:00:00.000000Z", "2023-11-14T22:20:00.000000Z"  # BOOT is 22:13:20
    users = [{"name": "alice", "last_activity": old, "servers": {"": {"url": "/user/alice/", "ready": True}}},
             {"name": "bob", "last_activity": None, "servers": {}}]  # fmt: skip
    hub.routes["/hub/api/users"] = (200, json.dumps(users))
    hub.routes["/user/alice/api/kernels"] = (200, json.dumps([{"name": "python3", "execution_state": "idle"}]))
    assert watch.probe_jupyter(settings, env) is None
    (_, path, headers), _ = hub.requests  # fmt: skip
    assert path == "/hub/api/users?state=active" and headers["authorization"] == "token s3cret"
    hub.routes["/user/alice/api/kernels"] = (200, json.dumps([{"name": "python3", "execution_state": "busy"}]))
    assert watch.probe_jupyter(settings, env) == "jupyter: alice's kernel python3 busy"
    hub.routes["/user/alice/api/kernels"] = (200, "[]")
    users[0]["last_activity"] = recent
    hub.routes["/hub/api/users"] = (200, json.dumps(users))
    assert watch.probe_jupyter(settings, env) == "jupyter: alice active at 2023-11-14 22:20:00Z"
    hub.routes["/hub/api/users"] = (403, '{"message": "Action is not authorized with current scopes"}')
    with pytest.raises(watch.WatchError, match="JupyterHub API /hub/api/users: HTTP 403"):
        watch.probe_jupyter(settings, env)


# The script as shipped, and its installation


def test_the_script_is_standalone_for_the_images_python() -> None:
    source = SCRIPT.read_text()
    assert source.startswith("#!/usr/bin/env python3\n")
    tree = ast.parse(source, feature_version=(3, 8))
    imported = {n.names[0].name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}
    # It travels base64-encoded in a 64 KB field (Windows: the VM's userData; scale sets: the customData
    # next to the seats agent): keep it well under half of that.
    assert len(source.encode()) < 30_000


def unit(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return parser


def test_the_units_parse_and_the_timer_runs_the_installed_script() -> None:
    service, timer = unit(idle_units.service_unit()), unit(idle_units.timer_unit())
    assert service["Service"]["Type"] == "oneshot"
    exec_start = service["Service"]["ExecStart"].split()
    assert exec_start[0] == "/usr/bin/python3" and idle_units.SCRIPT_PATH in exec_start
    assert exec_start[exec_start.index("--state") + 1].startswith("/var/lib/" + service["Service"]["StateDirectory"])
    for key, value in {"ProtectSystem": "strict", "NoNewPrivileges": "yes", "StateDirectory": "dsvm-idle"}.items():
        assert service["Service"][key] == value
    assert "PrivateDevices" not in service["Service"]  # wall and nvidia-smi need /dev
    assert timer["Timer"]["Unit"] == idle_units.SERVICE_NAME
    assert (timer["Timer"]["OnBootSec"], timer["Timer"]["OnUnitActiveSec"]) == ("10min", "5min")
    assert timer["Timer"]["Persistent"] == "false" and timer["Install"]["WantedBy"] == "timers.target"


def test_the_cloud_config_fragment_installs_and_enables_the_timer() -> None:
    fragment = idle_units.cloud_config()
    assert yaml.safe_load(yaml.safe_dump(fragment, sort_keys=False, width=1000)) == fragment
    files = {f["path"]: f for f in fragment["write_files"]}
    assert set(files) == {idle_units.SCRIPT_PATH, idle_units.SERVICE_PATH, idle_units.TIMER_PATH}
    assert files[idle_units.SCRIPT_PATH]["content"] == SCRIPT.read_text()
    assert files[idle_units.SCRIPT_PATH]["permissions"] == "0755"
    assert all(f["owner"] == "root:root" for f in files.values())
    service = unit(files[idle_units.SERVICE_PATH]["content"])
    assert files[idle_units.SCRIPT_PATH]["path"] in service["Service"]["ExecStart"].split()
    assert unit(files[idle_units.TIMER_PATH]["content"])["Timer"]["Unit"] == os.path.basename(idle_units.SERVICE_PATH)
    enable = ["systemctl", "enable", "--now", idle_units.TIMER_NAME]
    assert fragment["runcmd"] == [["systemctl", "daemon-reload"], enable]


def test_the_windows_lines_write_the_script_and_register_a_system_task() -> None:
    lines = idle_units.windows_install_lines()
    text = "\n".join(lines)
    encoded = text.split("FromBase64String('")[1].split("'")[0]
    assert base64.b64decode(encoded).decode() == SCRIPT.read_text()
    assert f"WriteAllBytes('{idle_units.WINDOWS_SCRIPT}'" in text
    assert "-UserId 'SYSTEM'" in text and "-RepetitionInterval (New-TimeSpan -Minutes 5)" in text
    assert f"Register-ScheduledTask -TaskName '{idle_units.WINDOWS_TASK}'" in text
    assert "/inheritance:r" in text and "*S-1-5-18:(OI)(CI)F" in text  # only SYSTEM and Administrators write there
    assert text.count("{") == text.count("}")
    assert os.path.dirname(watch.STATE_FILE.replace("\\", "/")) == "/var/lib/dsvm-idle"  # the Linux default here
    assert idle_units.WINDOWS_DIR == r"C:\ProgramData\dsvm-idle"


# A scale set instance leaves its pool instead of deallocating

SCALE_SET_ID = ("/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/rg-class/providers/"
                "Microsoft.Compute/virtualMachineScaleSets/dsvm-class-cpu")  # fmt: skip


def pooled(box: Box, capacity: int, minimum: int = 2) -> None:
    """Make the box an instance of a pool of ``capacity`` instances that leaves when idle (no warning)."""
    box.imds.routes["/metadata/instance/compute/userData"] = (
        200, user_data(warn_minutes=0, client_id="uai-1", leave_pool=True, pool_minimum=minimum))  # fmt: skip
    compute = {"resourceId": VM_ID.replace("rg-dsvm", "rg-class").replace("alice-vm", "cpu_a1b2c3d4"),
               "name": "cpu_a1b2c3d4", "vmScaleSetName": "dsvm-class-cpu", "resourceGroupName": "rg-class",
               "subscriptionId": "00000000-0000-4000-8000-000000000000"}  # fmt: skip
    box.imds.routes["/metadata/instance"] = (200, json.dumps({"compute": compute}))
    box.arm.routes[SCALE_SET_ID] = (200, json.dumps({"name": "dsvm-class-cpu", "sku": {"capacity": capacity}}))
    box.arm.routes[SCALE_SET_ID + "/delete"] = (202, "")


def test_an_idle_instance_above_the_minimum_deletes_itself_from_its_scale_set(
    box: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    pooled(box, capacity=3)
    box.run()
    assert box.run(minutes=59) == 0 and box.arm.requests == []
    assert box.run(minutes=1) == 0
    (_, read_path, read_headers), = box.arm.calls(SCALE_SET_ID)  # fmt: skip
    assert read_headers["authorization"] == "Bearer tok-123"
    assert parse_qs(urlsplit(read_path).query) == {"api-version": [watch.COMPUTE_API_VERSION]}
    (method, path, headers), = box.arm.calls(SCALE_SET_ID + "/delete")  # fmt: skip
    assert method == "POST" and headers["content-type"] == "application/json"
    assert parse_qs(urlsplit(path).query) == {"api-version": [watch.COMPUTE_API_VERSION]}
    assert box.arm.bodies[-1] == {"instanceIds": ["cpu_a1b2c3d4"]}
    assert box.deallocations() == [] and not [r for r in box.arm.requests if r[1].endswith("/deallocate")]
    assert parse_qs(urlsplit(box.token_requests()[0][1]).query)["client_id"] == ["uai-1"]
    assert "leaving the pool: deleting instance cpu_a1b2c3d4 of dsvm-class-cpu (3 instances, minimum 2)" in (
        capsys.readouterr().out)
    assert box.state()["stop_requested_at"] == box.now


@pytest.mark.parametrize("capacity", [1, 2])
def test_an_idle_instance_at_the_minimum_stays_and_asks_again_later(
    box: Box, capacity: int, capsys: pytest.CaptureFixture[str]
) -> None:
    pooled(box, capacity=capacity, minimum=2)
    box.run()
    assert box.run(minutes=60) == 0
    assert box.arm.calls(SCALE_SET_ID + "/delete") == []
    out = capsys.readouterr().out
    assert f"at its minimum ({capacity} of at least 2 instances): staying up" in out
    assert box.state()["stop_requested_at"] is None and box.state()["failures"] == 0
    box.arm.routes[SCALE_SET_ID] = (200, json.dumps({"sku": {"capacity": 4}}))  # the class grew meanwhile
    assert box.run(minutes=5) == 0
    assert len(box.arm.calls(SCALE_SET_ID + "/delete")) == 1


@pytest.mark.parametrize(("route", "action"), [
    (SCALE_SET_ID, watch.SCALE_SET_READ_ACTION),
    (SCALE_SET_ID + "/delete", watch.SCALE_SET_DELETE_INSTANCES_ACTION),
])  # fmt: skip
def test_a_pool_instance_without_the_right_names_the_missing_action(
    box: Box, route: str, action: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pooled(box, capacity=5)
    box.arm.routes[route] = (403, json.dumps({"error": {"code": "AuthorizationFailed", "message": "no"}}))
    box.run()
    assert box.run(minutes=60) == 1
    out = capsys.readouterr().out
    assert "could not leave the pool: ARM refused" in out and f"needs {action} on {SCALE_SET_ID}" in out
    assert box.run(minutes=5) == 1 and len(box.arm.calls(SCALE_SET_ID)) == 1  # backing off: no new call


def test_leave_pool_on_a_vm_outside_a_scale_set_is_a_logged_failure(
    box: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    box.imds.routes["/metadata/instance/compute/userData"] = (200, user_data(warn_minutes=0, leave_pool=True))
    box.run()
    assert box.run(minutes=60) == 1
    assert "IMDS names no scale set" in capsys.readouterr().out and box.arm.requests == []


def test_a_pool_instance_warns_that_it_will_be_deleted(box: Box) -> None:
    pooled(box, capacity=3)
    box.imds.routes["/metadata/instance/compute/userData"] = (
        200, user_data(warn_minutes=10, leave_pool=True, pool_minimum=1))  # fmt: skip
    box.run()
    box.run(minutes=50)
    (note,) = box.notes
    assert "leave the pool (be deleted; files outside ~/work are lost) in 10 minutes" in note


def test_the_roles_grant_exactly_the_actions_the_watcher_calls() -> None:
    """The watcher runs standalone on the VM and cannot import components/idle_stop.py: the two lists are twins."""
    from components.idle_stop import DEALLOCATE_ACTIONS, SCALE_IN_ACTIONS

    assert watch.DEALLOCATE_ACTION in DEALLOCATE_ACTIONS
    assert set(SCALE_IN_ACTIONS) == {watch.SCALE_SET_READ_ACTION, watch.SCALE_SET_DELETE_INSTANCES_ACTION}
