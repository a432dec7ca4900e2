"""The rules as pulumi-policy policies (``policy/__main__.py`` puts them in a ``PolicyPack``).

Each violation is reported with the rule's fix appended, on the resource (resource and
options rules) or on the URN the stack rule names. Constructing the pack itself starts
the analyzer server and never returns, so it happens only in ``policy/__main__.py``.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policy.catalog import OPTIONS_RULES, RESOURCE_RULES, STACK_RULES
from policy.rules import MANDATORY, Options, OptionsRule, ResourceRule, StackRule, Subject

PACK_NAME = "dsvm-security"
_LEVELS = {MANDATORY: EnforcementLevel.MANDATORY}


def level(enforcement: str) -> EnforcementLevel:
    """The pulumi-policy level of a rule's enforcement (anything not mandatory is advisory)."""
    return _LEVELS.get(enforcement, EnforcementLevel.ADVISORY)


def _message(text: str, fix: str) -> str:
    return f"{text}. Fix: {fix}."


def resource_policy(rule: ResourceRule) -> ResourceValidationPolicy:
    """A rule over one resource's properties."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for text in rule.check(args.resource_type, args.props):
            report_violation(_message(text, rule.fix), None)

    return ResourceValidationPolicy(
        name=rule.name, description=rule.description, validate=validate,
        enforcement_level=level(rule.enforcement), remediation_steps=rule.fix,
    )  # fmt: skip


def options_policy(rule: OptionsRule) -> ResourceValidationPolicy:
    """A rule over a resource's options: the policy API shows ``protect``, not ``retainOnDelete``."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for text in rule.check(args.resource_type, Options(protect=bool(args.opts.protect))):
            report_violation(_message(text, rule.fix), None)

    return ResourceValidationPolicy(
        name=rule.name, description=rule.description, validate=validate,
        enforcement_level=level(rule.enforcement), remediation_steps=rule.fix,
    )  # fmt: skip


def stack_policy(rule: StackRule) -> StackValidationPolicy:
    """A rule over every resource of the stack."""

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        subjects = [Subject(r.urn, r.resource_type, r.props) for r in args.resources]
        for urn, text in rule.check(subjects):
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
