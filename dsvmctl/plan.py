"""The offline plan: run the real program against fakeazure and describe the result.

``make_plan`` returns the JSON document of DESIGN.md section 5 (``stack``,
``kind``, ``resources``, ``outputs``, ``cost``, ``policy``, ``changes``).
Against a fresh emulator every custom resource is a ``create``; cost and
policy are filled in by their own modules when they exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dsvmctl.project import StackFile, project_name, read_stack
from fakeazure import FakeAzure, Registration, run_program


@dataclass
class Plan:
    """A plan: the validated config's kind, the run's registrations and outputs."""

    stack: str
    kind: str
    records: list[Registration]
    outputs: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        custom = [r for r in self.records if r.custom]
        return {
            "stack": self.stack,
            "kind": self.kind,
            "resources": [resource_json(r) for r in self.records],
            "outputs": self.outputs,
            "cost": {"currency": "USD", "monthly": None, "alwaysOnMonthly": None, "lines": []},
            "policy": [],
            "changes": {"create": len(custom), "update": 0, "replace": 0, "delete": 0, "same": 0},
        }


def resource_json(record: Registration) -> dict[str, Any]:
    """One resource in the plan contract (camelCase keys, secrets as "[secret]")."""
    return {
        "urn": record.urn,
        "type": record.type,
        "name": record.name,
        "id": record.id,
        "parent": record.parent,
        "inputs": record.inputs,
        "outputs": record.outputs,
        "dependsOn": record.depends_on,
        "protect": record.protect,
        "retainOnDelete": record.retain_on_delete,
        "replaceOnChanges": record.replace_on_changes,
        "deleteBeforeReplace": record.delete_before_replace,
    }


def make_plan(
    project_dir: Path,
    stack: str,
    backend: FakeAzure | None = None,
    stack_file: StackFile | None = None,
) -> Plan:
    """Validate the stack's config (``ConfigError``), then run the program (``ArmError``)."""
    import stacks

    stack_file = stack_file or read_stack(project_dir, stack)
    config = stacks.load_config(stack_file.config)  # before any resource is registered
    backend = backend or FakeAzure()
    run = run_program(
        lambda: stacks.build(config, stack),
        backend,
        project=project_name(project_dir),
        stack=stack,
        config=stack_file.config,
    )
    return Plan(stack=stack, kind=config.kind, records=run.records, outputs=run.outputs)
