"""The rules as pulumi-policy policies (``policy/__main__.py`` puts them in a ``PolicyPack``).

Each violation is reported with the rule's fix appended, on the resource (resource and
options rules) or on the URN the stack rule names (none: the stack as a whole). Stack rules
see plain properties (a value not known yet during a preview is None: they test keys and
links, never such values) and what the stack's config says (``stack_info``): the Pulumi CLI
hands a policy pack the stack's config, as it hands it to the program. Constructing the pack
itself starts the analyzer server and never returns, so it happens only in ``policy/__main__.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from policy.catalog import OPTIONS_RULES, RESOURCE_RULES, STACK_RULES
from policy.rules import MANDATORY, Options, OptionsRule, ResourceRule, StackInfo, StackRule, Subject

PACK_NAME = "dsvm-security"
CONFIG_NAMESPACE = "dsvm"  # Pulumi.yaml's name: the program reads dsvm:<key>
_LEVELS = {MANDATORY: EnforcementLevel.MANDATORY}


def level(enforcement: str) -> EnforcementLevel:
    """The pulumi-policy level of a rule's enforcement (anything not mandatory is advisory)."""
    return _LEVELS.get(enforcement, EnforcementLevel.ADVISORY)


def _message(text: str, fix: str) -> str:
    return f"{text}. Fix: {fix}."


def stack_info() -> StackInfo:
    """The stack's name, and its kind and cost cap from its config (``dsvm:kind``, ``dsvm:cost_cap_monthly``), as
    the Pulumi CLI passes them to the pack; whatever is not set or not readable is None."""
    config = pulumi.Config(CONFIG_NAMESPACE)
    try:
        cap = config.get_float("cost_cap_monthly")
    except pulumi.ConfigTypeError:
        cap = None  # the program itself refuses such a config
    return StackInfo(name=stack_name(), kind=config.get("kind"), cost_cap_monthly=cap)


def stack_name() -> str | None:
    """The stack the Pulumi CLI runs the pack for (it sets PULUMI_STACK for the analyzer); None when not known."""
    try:
        return pulumi.get_stack() or None
    except Exception:  # no stack configured: the pack then knows no name
        return None


def plain(value: Any) -> Any:
    """A property value with the SDK's unknown-checking proxies unwrapped; unknown values become None."""
    if isinstance(value, Mapping):
        found = {}
        for key in value:
            try:
                found[key] = plain(value[key])
            except UnknownValueError:
                found[key] = None
        return found
    if isinstance(value, Sequence) and not isinstance(value, str):
        items = []
        for i in range(len(value)):
            try:
                items.append(plain(value[i]))
            except UnknownValueError:
                items.append(None)
        return items
    return value


def subjects(resources: Sequence[PolicyResource]) -> list[Subject]:
    """The stack's resources as the stack rules read them: plain properties and property dependencies."""
    return [
        Subject(r.urn, r.resource_type, plain(r.props), r.name, parent=r.parent.urn if r.parent else None,
                links={key: [d.urn for d in deps] for key, deps in (r.property_dependencies or {}).items()})
        for r in resources
    ]  # fmt: skip


def _resource_validation(rule: ResourceRule | OptionsRule, validate: Any) -> ResourceValidationPolicy:
    """The pack's policy of one per-resource rule: its name, description, enforcement and fix."""
    return ResourceValidationPolicy(
        name=rule.name, description=rule.description, validate=validate,
        enforcement_level=level(rule.enforcement), remediation_steps=rule.fix,
    )  # fmt: skip


def resource_policy(rule: ResourceRule) -> ResourceValidationPolicy:
    """A rule over one resource's properties."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for text in rule.check(args.resource_type, args.props):
            report_violation(_message(text, rule.fix), None)

    return _resource_validation(rule, validate)


def options_policy(rule: OptionsRule) -> ResourceValidationPolicy:
    """A rule over a resource's options: the policy API shows ``protect``, not ``retainOnDelete``."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for text in rule.check(args.resource_type, Options(protect=bool(args.opts.protect))):
            report_violation(_message(text, rule.fix), None)

    return _resource_validation(rule, validate)


def stack_policy(rule: StackRule) -> StackValidationPolicy:
    """A rule over every resource of the stack and what its config says."""

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for urn, text in rule.check(subjects(args.resources), stack_info()):
            report_violation(_message(text, rule.fix), urn)

    return StackValidationPolicy(
        name=rule.name, description=rule.description, validate=validate,
        enforcement_level=level(rule.enforcement), remediation_steps=rule.fix,
    )  # fmt: skip


def policies() -> list[Policy]:
    """Every rule of the catalog as a pulumi-policy policy."""
    return [
        *(resource_policy(r) for r in RESOURCE_RULES),
        *(options_policy(r) for r in OPTIONS_RULES),
        *(stack_policy(r) for r in STACK_RULES),
    ]
