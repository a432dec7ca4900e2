"""The policy pack's rules (``policy/``) over a plan document: the ``policy`` findings of a plan.

The same rule functions ``pulumi preview --policy-pack policy`` runs, fed each custom
resource's ``inputs`` (camelCase, as the engine sends them). Here the options rule also sees
``retainOnDelete``, which Pulumi's policy API does not show a rule: the offline plan is the
only place that half of ``data-protected`` is checked. The stack rules get what the stack's
config says (``StackInfo``: kind, cost cap) from the plan. A finding is
``{"policy", "urn", "resource", "enforcement", "message", "fix"}`` (DESIGN.md section 5 names the
first four; ``urn`` is None for a finding on the whole stack, such as its cost); ``plan`` and
``diff`` exit with ``EXIT_POLICY`` (1) when one is mandatory.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

from policy.catalog import OPTIONS_RULES, RESOURCE_RULES, STACK_RULES
from policy.rules import MANDATORY, Options, StackInfo, Subject


def _label(resource: dict[str, Any]) -> str:
    return f"{resource['type'].split(':')[-1]} {resource['name']}"


def evaluate(resources: list[dict[str, Any]], stack: StackInfo | None = None) -> list[dict[str, Any]]:
    """The findings of every rule over a plan's resources (components are skipped: no inputs of their own)."""
    stack = stack or StackInfo()
    custom = [r for r in resources if not r["type"].startswith("dsvm:")]
    findings: list[dict[str, Any]] = []

    def add(rule: Any, resource: dict[str, Any] | None, message: str) -> None:
        findings.append({
            "policy": rule.name, "urn": resource["urn"] if resource else None,
            "resource": _label(resource) if resource else f"stack {stack.name or ''}".strip(),
            "enforcement": rule.enforcement, "message": message, "fix": rule.fix,
        })  # fmt: skip

    for resource in custom:
        inputs = resource.get("inputs") or {}
        for rule in RESOURCE_RULES:
            for message in rule.check(resource["type"], inputs):
                add(rule, resource, message)
        options = Options(bool(resource.get("protect")), bool(resource.get("retainOnDelete")))
        for options_rule in OPTIONS_RULES:
            for message in options_rule.check(resource["type"], options):
                add(options_rule, resource, message)
    # Stack rules see the components too: the cost estimate reads assumptions off a VM's parent.
    by_urn = {r["urn"]: r for r in resources}
    subjects = [
        Subject(r["urn"], r["type"], r.get("inputs") or {}, r["name"], r.get("id"), parent=r.get("parent"))
        for r in resources
    ]
    for stack_rule in STACK_RULES:
        for urn, message in stack_rule.check(subjects, stack):
            add(stack_rule, by_urn[urn] if urn else None, message)
    return findings


def mandatory(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's findings that stop it (exit ``EXIT_POLICY``)."""
    return [f for f in document.get("policy") or [] if f.get("enforcement") == MANDATORY]


def finding_text(finding: dict[str, Any]) -> str:
    """`[nsg-no-vm-ports-from-internet] NetworkSecurityGroup dsvm-dev-nsg: securityRules[0] ... Fix: ...`."""
    resource = finding.get("resource") or finding["urn"]
    text = f"[{finding['policy']}] {resource}: {finding['message']}"
    return text + (f". Fix: {finding['fix']}" if finding.get("fix") else "")


MAX_NAMES = 3


def grouped(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings that say the same thing of several resources as one (the image pin of 300 VMs is one line),
    their resources listed (``MAX_NAMES`` of them, then how many more), in first-seen order."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for finding in findings:
        key = (finding["policy"], finding["enforcement"], finding["message"], finding.get("fix"))
        groups.setdefault(key, []).append(finding)
    merged = []
    for same in groups.values():
        names = [f.get("resource") or f["urn"] for f in same]
        more = f" +{len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else ""
        merged.append({**same[0], "resource": ", ".join(names[:MAX_NAMES]) + more})
    return merged


def print_findings(console: Console, document: dict[str, Any], only_changed: bool = False) -> None:
    """Each finding on one line, mandatory ones as violations; ``only_changed`` (a diff without ``--full``):
    advisory findings on resources the diff leaves alone are left out, mandatory ones never."""
    findings = document.get("policy") or []
    if only_changed:
        same = {r["urn"] for r in document.get("resources") or [] if r.get("change") == "same"}
        findings = [f for f in findings if f.get("enforcement") == MANDATORY or f.get("urn") not in same]
    for finding in grouped(findings):
        stops = finding.get("enforcement") == MANDATORY
        kind = "[bold red]policy violation[/]" if stops else "[yellow]policy advice[/]"
        console.print(f"{kind} {escape(finding_text(finding))}", highlight=False)
