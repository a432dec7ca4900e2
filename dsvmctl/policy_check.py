"""The policy pack's rules (``policy/``) over a plan document: the ``policy`` findings of a plan.

The same rule functions ``pulumi preview --policy-pack policy`` runs, fed each custom
resource's ``inputs`` (camelCase, as the engine sends them). Here the options rule also sees
``retainOnDelete``, which Pulumi's policy API does not show a rule: the offline plan is the
only place that half of ``data-protected`` is checked. A finding is
``{"policy", "urn", "resource", "enforcement", "message", "fix"}`` (DESIGN.md section 5 names the
first four); ``plan`` and ``diff`` exit with ``EXIT_POLICY`` when one is mandatory.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

from policy.catalog import OPTIONS_RULES, RESOURCE_RULES, STACK_RULES
from policy.rules import MANDATORY, Options, Subject


def _label(resource: dict[str, Any]) -> str:
    return f"{resource['type'].split(':')[-1]} {resource['name']}"


def evaluate(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings of every rule over a plan's resources (components are skipped: no inputs of their own)."""
    custom = [r for r in resources if not r["type"].startswith("dsvm:")]
    findings: list[dict[str, Any]] = []

    def add(rule: Any, resource: dict[str, Any], message: str) -> None:
        findings.append({
            "policy": rule.name, "urn": resource["urn"], "resource": _label(resource),
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
    by_urn = {r["urn"]: r for r in custom}
    subjects = [Subject(r["urn"], r["type"], r.get("inputs") or {}) for r in custom]
    for stack_rule in STACK_RULES:
        for urn, message in stack_rule.check(subjects):
            add(stack_rule, by_urn[urn], message)
    return findings


def mandatory(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's findings that stop it (exit ``EXIT_POLICY``)."""
    return [f for f in document.get("policy") or [] if f.get("enforcement") == MANDATORY]


def finding_text(finding: dict[str, Any]) -> str:
    """`[required-tags] ResourceGroup rg-dsvm-dev: tag owner is missing or empty. Fix: ...`."""
    resource = finding.get("resource") or finding["urn"]
    text = f"[{finding['policy']}] {resource}: {finding['message']}"
    return text + (f". Fix: {finding['fix']}" if finding.get("fix") else "")


def print_findings(console: Console, document: dict[str, Any]) -> None:
    """Each finding on one line, mandatory ones as violations."""
    for finding in document.get("policy") or []:
        stops = finding.get("enforcement") == MANDATORY
        kind = "[bold red]policy violation[/]" if stops else "[yellow]policy advice[/]"
        console.print(f"{kind} {escape(finding_text(finding))}", highlight=False)
