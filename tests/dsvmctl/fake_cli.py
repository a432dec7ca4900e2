"""Stand-ins for `az`, `gh` and `pulumi` that keep their state in a JSON file, for running the bootstrap script.

Installed as three wrappers (``az`` -> ``python fake_cli.py az ...``) at the front of PATH. They answer
exactly the calls `dsvmctl bootstrap` makes, as the real tools answer them (`-o tsv`: tab-separated, nothing
for none; a `show` of something missing exits 3), log every call, and mark the ones that create or delete
something, so a test can run the script twice and see the second run change nothing. Any other call fails
loudly: a script that grows a new command must teach this fake its answer.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

EMPTY = {"apps": {}, "credentials": {}, "groups": {}, "assignments": [], "roles": {}, "environments": {},
         "branch_policies": {}, "rulesets": {}, "variables": {}, "stacks": {}, "log": []}  # fmt: skip


def option(args: list[str], name: str, default: str | None = None) -> str | None:
    return args[args.index(name) + 1] if name in args else default


def main() -> int:
    path = Path(os.environ["FAKE_CLI_STATE"])
    state: dict[str, Any] = json.loads(path.read_text()) if path.exists() else json.loads(json.dumps(EMPTY))
    tool, args = sys.argv[1], sys.argv[2:]
    handler = {"az": az, "gh": gh, "pulumi": pulumi}[tool]
    effect, code, out = handler(state, args)
    state["log"].append({"call": [tool, *args], "effect": effect})
    path.write_text(json.dumps(state, indent=1))
    sys.stdout.write(out)
    return code


def az(state: dict[str, Any], args: list[str]) -> tuple[str, int, str]:
    words = " ".join(a for a in args[:3] if not a.startswith("-"))
    if words.startswith(("account set", "feature register", "provider register")):
        return "none", 0, ""
    if words.startswith("account show"):
        return "none", 0, "22222222-3333-4444-8555-666666666666\n"
    if words.startswith("rest"):
        url = str(option(args, "--url"))
        state["roles"][url.split("?")[0]] = json.loads(sys.stdin.read())
        return "put", 0, url.split("?")[0].split("management.azure.com", 1)[1] + "\n"
    if words.startswith("ad app list"):
        app = state["apps"].get(str(option(args, "--display-name")))
        return "none", 0, f"{app['appId']}\n" if app else ""
    if words.startswith("ad app create"):
        name = str(option(args, "--display-name"))
        state["apps"][name] = {"appId": f"app-{len(state['apps']):04d}", "sp": None}
        return "create", 0, f"{state['apps'][name]['appId']}\n"
    if words.startswith(("ad sp show", "ad sp create")):
        app = next(a for a in state["apps"].values() if a["appId"] == option(args, "--id"))
        if words.startswith("ad sp show"):
            return ("none", 0, f"{app['sp']}\n") if app["sp"] else ("none", 3, "")
        app["sp"] = f"sp-{app['appId']}"
        return "create", 0, f"{app['sp']}\n"
    if words.startswith("ad app federated-credential"):
        app, query = str(option(args, "--id")), str(option(args, "--query", ""))
        if "list" in args:
            name = re.fullmatch(r"\[\?name=='(.+)'\]\.name", query)
            assert name, query
            return "none", 0, "".join(f"{n}\n" for n in state["credentials"].get(app, {}) if n == name.group(1))
        credential = json.loads(str(option(args, "--parameters")))
        state["credentials"].setdefault(app, {})[credential["name"]] = credential
        return "create", 0, ""
    if words.startswith("group show"):
        name = str(option(args, "--name"))
        return ("none", 0, f"/groups/{name}\n") if name in state["groups"] else ("none", 3, "")
    if words.startswith("group create"):
        state["groups"][str(option(args, "--name"))] = option(args, "--location")
        return "create", 0, ""
    if words.startswith("role assignment"):
        return assignment(state, args)
    raise SystemExit(f"fake az: no answer for {args}")


def assignment(state: dict[str, Any], args: list[str]) -> tuple[str, int, str]:
    found = state["assignments"]
    if "list" in args:
        query, scope = str(option(args, "--query")), option(args, "--scope")
        assert query.startswith(f"[?scope=='{scope}']"), query  # never what lies below the scope
        hits = [a for a in found if a["principal"] == option(args, "--assignee") and a["role"] == option(args, "--role")
                and a["scope"] == scope]  # fmt: skip
        if query.endswith("| [0].[id, condition]"):
            return "none", 0, f"{hits[0]['id']}\t{hits[0]['condition'] or ''}\n" if hits else ""
        return "none", 0, "".join(f"{a['id']}\n" for a in hits)
    if "delete" in args:
        state["assignments"] = [a for a in found if a["id"] != option(args, "--ids")]
        return "delete", 0, ""
    assert option(args, "--assignee-principal-type") == "ServicePrincipal"
    assert ("--condition" in args) == (option(args, "--condition-version") == "2.0")
    found.append({"id": f"ra-{len(state['log']):04d}", "principal": option(args, "--assignee-object-id"),
                  "role": option(args, "--role"), "scope": option(args, "--scope"),
                  "condition": option(args, "--condition")})  # fmt: skip
    return "create", 0, ""


def gh(state: dict[str, Any], args: list[str]) -> tuple[str, int, str]:
    if args[:2] == ["label", "create"]:
        assert "--force" in args  # updates a label that exists
        state.setdefault("labels", {})[args[2]] = option(args, "--description")
        return "none", 0, ""
    if args[:2] == ["variable", "set"]:
        state["variables"][f"{option(args, '--env', '')}:{args[2]}"] = option(args, "--body")
        return "none", 0, ""
    assert args[0] == "api", args
    method, path = option(args, "-X", "GET"), next(a for a in args[1:] if a.startswith("repos/"))
    parts = path.split("/")
    if parts[3] == "environments" and len(parts) == 5:
        state["environments"][parts[4]] = json.loads(sys.stdin.read())
        return "none", 0, ""
    if parts[3] == "environments":
        names = state["branch_policies"].setdefault(parts[4], [])
        if method == "GET":
            return "none", 0, "".join(f"{n}\n" for n in names)
        names.append(args[args.index("-f") + 1].split("=", 1)[1])
        return "create", 0, ""
    if parts[3] == "rulesets" and method == "GET":
        name = re.search(r'select\(\.name == "(.+)"\)', str(option(args, "--jq")))
        assert name
        return "none", 0, "".join(f"{i}\n" for i, r in state["rulesets"].items() if r["name"] == name.group(1))
    if parts[3] == "rulesets":
        body = json.loads(sys.stdin.read())
        key = parts[4] if method == "PUT" else str(len(state["rulesets"]) + 1)
        state["rulesets"][key] = body
        return ("none" if method == "PUT" else "create"), 0, ""
    raise SystemExit(f"fake gh: no answer for {args}")


def pulumi(state: dict[str, Any], args: list[str]) -> tuple[str, int, str]:
    stacks = state["stacks"]
    if args[:2] == ["stack", "select"]:
        return "none", (0 if args[2] in stacks else 1), ""
    if args[:2] == ["stack", "init"]:
        stacks[args[2]] = []
        return "create", 0, ""
    if args[:2] == ["stack", "export"]:
        name = str(option(args, "--stack"))
        stack = name.rsplit("/", 1)[-1]
        resources = [{"urn": f"urn:pulumi:{stack}::dsvm::{t}::{n}", "type": t} for t, n in stacks[name]]
        return "none", 0, json.dumps({"version": 3, "deployment": {"resources": resources}}, indent=4) + "\n"
    if args[0] == "import":
        assert {"--protect", "--yes", "--generate-code=false"} <= set(args), args
        stacks[str(option(args, "--stack"))].append([args[1], args[2]])
        return "create", 0, ""
    raise SystemExit(f"fake pulumi: no answer for {args}")


if __name__ == "__main__":
    sys.exit(main())
