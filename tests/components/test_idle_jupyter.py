"""The idle watcher's Jupyter probe against a real ``jupyter_server`` on 127.0.0.1, with a busy and an idle kernel.

The server (jupyter-server and ipykernel from requirements-dev.txt) writes its runtime file as on a DSVM; the
watcher finds it, asks the server's API with the file's token (untracked: the question is no activity), and
counts a busy kernel or recent activity as use. Polls with deadlines wait for the server and the kernels; no
assertion is about time.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import load_idle_watcher

watch = load_idle_watcher()
TOKEN = "dsvm-test-token"
SETTINGS = dict(watch.DEFAULTS)


def api(base: str, path: str, method: str = "GET", body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    request = urllib.request.Request(base + path, data=data, method=method, headers={"Authorization": "token " + TOKEN})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=30) as response:
        text = response.read().decode()
    return json.loads(text) if text else None


def wait_for(check: Any, what: str, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = check()
        except OSError:
            found = None
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"gave up waiting for {what}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("jupyter")
    runtime = root / "runtime"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime), "JUPYTER_CONFIG_DIR": str(root / "config"),
           "JUPYTER_DATA_DIR": str(root / "data"), "IPYTHONDIR": str(root / "ipython")}  # fmt: skip
    log = open(root / "server.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         "--ServerApp.port_retries=0", "--ServerApp.open_browser=False", "--ServerApp.allow_root=True",
         f"--IdentityProvider.token={TOKEN}",
         f"--ServerApp.root_dir={root}"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_for(lambda: list(runtime.glob("jpserver-*.json")) and api(base, "api/status"), "the Jupyter server")
        yield {"base": base, "runtime": runtime, "port": port}
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def env(runtime: Path, **overrides: Any) -> Any:
    values = {"runtime_files": (str(runtime / "jpserver-*.json"),), "hub_token_path": str(runtime / "no-hub-token"),
              "clock": time.time}  # fmt: skip
    return watch.Env(**{**values, **overrides})


def test_a_busy_kernel_then_an_idle_one_as_the_watcher_sees_them(server: dict[str, Any]) -> None:
    from jupyter_client import BlockingKernelClient

    base, runtime = server["base"], server["runtime"]
    busy = api(base, "api/kernels", "POST", {"name": "python3"})
    idle = api(base, "api/kernels", "POST", {"name": "python3"})
    client = BlockingKernelClient(connection_file=str(runtime / f"kernel-{busy['id']}.json"))
    client.load_connection_file()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        client.execute("import time; time.sleep(120)")
        wait_for(lambda: api(base, f"api/kernels/{busy['id']}")["execution_state"] == "busy", "a busy kernel")
        assert api(base, f"api/kernels/{idle['id']}")["execution_state"] in ("idle", "starting")
        seen = watch.probe_jupyter(SETTINGS, env(runtime))
        assert seen.startswith(f"jupyter: kernel python3 busy on the server on port {server['port']}, ")
        assert f"the server on port {server['port']} active at " in seen  # the kernels were just started
        # Two hours on, a busy kernel still counts; the activity no longer does.
        later = env(runtime, clock=lambda: time.time() + 7200)
        expected = f"jupyter: kernel python3 busy on the server on port {server['port']}"
        assert watch.probe_jupyter(SETTINGS, later) == expected
        api(base, f"api/kernels/{busy['id']}/interrupt", "POST")
        wait_for(lambda: api(base, f"api/kernels/{busy['id']}")["execution_state"] == "idle", "the kernel to idle")
    finally:
        client.stop_channels()
    assert watch.probe_jupyter(SETTINGS, later) is None  # idle kernels, no recent activity: quiet
    status = api(base, "api/status")
    assert watch.probe_jupyter(SETTINGS, env(runtime)) is not None  # the interrupt was activity, minutes ago
    assert api(base, "api/status")["last_activity"] == status["last_activity"]  # the watcher's questions are none


def test_a_server_that_refuses_or_is_gone_is_skipped_not_counted(
    server: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (info_path,) = server["runtime"].glob("jpserver-*.json")
    info = json.loads(info_path.read_text())
    (tmp_path / "jpserver-1.json").write_text(json.dumps({**info, "token": "wrong"}))  # a hub single-user server
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        gone = sock.getsockname()[1]
    (tmp_path / "jpserver-2.json").write_text(json.dumps({**info, "port": gone}))
    (tmp_path / "jpserver-3.json").write_text("{not json")
    later = env(tmp_path, clock=lambda: time.time() + 7200)
    assert watch.probe_jupyter(SETTINGS, later) is None
    out = capsys.readouterr().out
    assert out.count("jupyter: skipping") == 3 and "HTTP 40" in out  # refused
