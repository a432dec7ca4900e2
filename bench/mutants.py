"""`python -m bench.mutants [--only ID,...] [--group G] [--check] [--markdown FILE]`: hand-written mutants.

Each mutant replaces one exact piece of text, which must occur exactly once, in one product file
(an operator flipped, a bound moved by one, a condition or clause dropped, branches swapped) and
runs the test files that should catch it (``pytest -x -q -p no:randomly <files>``, one process per
mutant, bytecode not written so no stale ``.pyc`` of a mutant outlives it). The mutant is *killed*
when the tests fail, *survived* when they pass. The file is restored in a ``finally`` (Ctrl-C
too) with its bytes and its modification time, and the run ends by checking that ``git status``
shows no product file changed.

A mutant marked ``equivalent`` behaves like the original for every input (the reason is given);
it is run all the same and left out of the ratio: killed / (all - equivalent).

``--check`` only applies each mutant in memory and compiles it (no tests run). ``--baseline``
first runs every test file named once without a mutant: a kill means nothing if they fail anyway.
Not a test (pytest does not collect ``bench/``) and not timed: the machine is shared, the seconds
printed are only a hint of where the time goes.
"""

# ruff: noqa: E501 - the mutant table quotes source lines verbatim, some as long as the lines they copy

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_SECONDS = 900


@dataclass(frozen=True)
class Mutant:
    """One hand-written change: ``old`` (exactly once in ``path``) becomes ``new``."""

    id: str
    group: str  # "item7": a mutant issue 21 named; "fresh": the measured set
    path: str
    old: str
    new: str
    tests: str  # pytest arguments: test files or node ids, space-separated
    what: str
    equivalent: str = ""  # why no input tells it from the original (left out of the ratio)

    def line(self) -> int:
        text = (ROOT / self.path).read_text(encoding="utf-8")
        return text[: text.index(self.old)].count("\n") + 1 + len(self.old) - len(self.old.lstrip("\n"))

    def mutated(self) -> str:
        text = (ROOT / self.path).read_text(encoding="utf-8")
        count = text.count(self.old)
        if count != 1:
            raise ValueError(f"{self.id}: {self.path} holds the original text {count} times, not once: {self.old!r}")
        result = text.replace(self.old, self.new)
        compile(result, self.path, "exec")
        return result


# Test files per area (narrow: the files that test the module).
GPU = "tests/stacks/gpu_rig/test_gpu_rig.py"
PROMOTE = "tests/dsvmctl/test_promote.py"
LOCK = "tests/dsvmctl/test_state_lock.py"
YAML_V3 = "tests/dsvmctl/test_yaml_values.py tests/dsvmctl/test_project.py"
SCHEDULE = "tests/stacks/scale_out/test_schedule.py"
POLICY = "tests/azurefacts/test_addresses.py tests/policy/test_rules.py tests/stacks/test_config.py"
CONFIG = "tests/stacks/test_config.py tests/stacks/test_config_messages.py"
BUDGET = "tests/fakeazure/test_cost_controls.py"
ARM = "tests/dsvmctl/test_arm_export.py"
POOL_COST = "tests/costs/test_scale_sets.py"
EFFECTS = "tests/dsvmctl/test_classify.py tests/dsvmctl/test_lifecycle.py tests/stacks/scale_out/test_scale_out_stack.py"
ROSTER = "tests/stacks/scale_out/test_roster.py"
IDLE = "tests/components/test_idle_watch.py"

M = Mutant
MUTANTS: list[Mutant] = [
    # --- issue 21 item 7: the mutants that survived before, each with the test that must kill it -------------
    M("n01", "item7", "stacks/config/gpu_rig.py",
      "            floor = spot_price_floor(size.name, self.location)",
      "            floor = spot_price_floor(rig.active_size, self.location)",
      GPU, "Spot floor checked against the size the rig runs now only"),
    M("n02", "item7", "azurefacts/quotas.py",
      "quotas = [LOW_PRIORITY] if need.spot else [VM_SIZES[need.size].quota_family, TOTAL]",
      "quotas = [VM_SIZES[need.size].quota_family, TOTAL]",
      GPU, "a Spot VM counts against its family and the regional total"),
    M("n03", "item7", "azurefacts/quotas.py",
      "New Limit Required: {self.usage + self.required}", "New Limit Required: {self.limit + self.required}",
      GPU, "New Limit Required = limit + required"),
    M("n04", "item7", "azurefacts/quotas.py",
      'int(item.get("currentValue", 0))', "0",
      GPU, "a usage file's currentValue ignored"),
    M("n05", "item7", "costs/hours.py",
      'get_path(schedule, "inputs.status", "Disabled") != "Enabled"',
      'get_path(schedule, "inputs.status", "Enabled") != "Enabled"',
      "tests/costs/test_estimate.py", "a schedule without status counts as Enabled"),
    M("n06", "item7", "costs/pricers.py",
      '    if facts.host_scaling:\n        asked', '    if facts.host_scaling and sku != "Premium":\n        asked',
      "tests/costs/test_estimate.py", "Premium Bastion scale units not priced"),
    M("n07", "item7", "dsvmctl/diff.py",
      'if reasons and base.get("protect") and head.get("protect"):', 'if reasons and head.get("protect"):',
      "tests/dsvmctl/test_classify.py tests/dsvmctl/test_lifecycle.py",
      "replace refused whatever the saved state says (Pulumi: only when state and program both protect)"),
    M("n07b", "item7", "dsvmctl/diff.py",
      'if reasons and base.get("protect") and head.get("protect"):', 'if reasons and base.get("protect"):',
      "tests/dsvmctl/test_classify.py tests/dsvmctl/test_lifecycle.py",
      "replace refused whatever the program says (Pulumi: only when state and program both protect)"),
    M("n08", "item7", "dsvmctl/diff.py",
      'ignored = head.get("ignoreChanges") or []', "ignored = []",
      "tests/dsvmctl/test_classify.py tests/dsvmctl/test_lifecycle.py", "ignoreChanges not honoured by classify"),
    M("n09", "item7", "azurefacts/resource_types.py",
      'update_refused=("roleDefinitionId",),', "update_refused=(),",
      "tests/fakeazure/test_updates.py", "a role assignment's role change in place"),
    M("n10", "item7", "fakeazure/mocks.py",
      "                        if found is not None:\n                            found.append(leaf)",
      "                        pass",
      "tests/fakeazure/test_secrets.py tests/components/test_cloud_init.py",
      "a secret leaf of a wrapped object is not recorded (no fingerprint)"),
    M("n11", "item7", "stacks/connections.py",
      "if target.rstudio and not target.windows:", "if target.rstudio:",
      "tests/stacks/team/test_connections.py", "RStudio offered on Windows"),
    M("n12", "item7", "stacks/connections.py",
      "        return BASTION_SKUS[self.sku].native_client",
      '        return BASTION_SKUS[self.sku].native_client and self.sku != "Premium"',
      "tests/stacks/team/test_connections.py", "Premium Bastion gets no CLI tunnel commands"),
    M("n13", "item7", "dsvmctl/arm.py",
      "                if value.lower() in self.by_id:\n                    refs.add(value.lower())",
      "                pass",
      ARM, "ARM dependsOn without the ids in property values"),
    M("n14", "item7", "dsvmctl/arm.py",
      "        elif arm.resource_group.lower() == self.resource_group.lower():\n            expr = ",
      "        elif arm.resource_group == self.resource_group:\n            expr = ",
      ARM, "resource-group ids compared case-sensitively"),
    M("n15", "item7", "components/scripts/dsvm_idle_watch.py",
      '            reasons.append(f"{name} probe failed', '            log(f"{name} probe failed',
      IDLE, "a failing probe only logged, not counted as busy"),
    # --- the fresh set: issue 21's areas, written after items 1-6 were fixed -------------------------------
    # azurefacts/clock.py
    M("f01", "fresh", "azurefacts/clock.py", "    if value.strip():\n        return parse_moment(value)",
      "    if value:\n        return parse_moment(value)", "tests/test_clock.py", "a blank DSVMCTL_TODAY is read as a day"),
    M("f02", "fresh", "azurefacts/clock.py", "    text = value.strip()\n", "    text = value\n", "tests/test_clock.py",
      "spaces around DSVMCTL_TODAY refused"),
    M("f03", "fresh", "azurefacts/clock.py", "    os.environ[ENV] = day.isoformat()",
      "    os.environ.setdefault(ENV, day.isoformat())", "tests/test_clock.py", "set_today keeps a day already set"),
    # dsvmctl/state_lock.py
    M("f04", "fresh", "dsvmctl/state_lock.py", "        if read_owner(path) == owner:", "        if True:",
      LOCK, "a writer removes a lock another writer took after a forced unlock"),
    M("f05", "fresh", "dsvmctl/state_lock.py", "    if alive is not False and not force and owner.pid != 0:",
      "    if alive is True and not force and owner.pid != 0:", LOCK, "unlock of a holder on another host unforced"),
    M("f06", "fresh", "dsvmctl/state_lock.py", "os.O_CREAT | os.O_EXCL | os.O_WRONLY", "os.O_CREAT | os.O_WRONLY",
      LOCK, "the lock file is not created exclusively"),
    M("f07", "fresh", "dsvmctl/state_lock.py",
      '        return LockOwner("unknown", "unknown host", 0, "unknown command", "unknown time")',
      "        return None", LOCK, "an unreadable lock file does not lock"),
    M("f08", "fresh", "dsvmctl/state_lock.py", "    deadline = time.monotonic() + max(wait, 0.0)",
      "    deadline = time.monotonic()", LOCK, "--lock-wait ignored"),
    M("f09", "fresh", "dsvmctl/state_lock.py", 'else f"{seconds // 3600} h old"', 'else f"{seconds // 60} h old"',
      LOCK, "a lock's age in hours counts minutes"),
    # dsvmctl/yaml_edit.py
    M("f10", "fresh", "dsvmctl/yaml_edit.py", 'stripped.startswith("#") and _indent(line) <= column)',
      'stripped.startswith("#") and _indent(line) < column)', PROMOTE,
      "a comment at the key's column stays with the block above"),
    M("f11", "fresh", "dsvmctl/yaml_edit.py", "    while end - 1 > start and _belongs_after(",
      "    while end - 1 >= start and _belongs_after(", PROMOTE, "trimming may reach the key's own line",
      equivalent="lines[start] is the key's own line, never blank nor a comment, so _belongs_after stops there"),
    M("f12", "fresh", "dsvmctl/yaml_edit.py",
      '.strip().startswith("#") and _indent(lines[start - 1]) == block.column:',
      '.strip().startswith("#") and _indent(lines[start - 1]) <= block.column:', PROMOTE,
      "a removed key takes comments of its parent's column"),
    M("f13", "fresh", "dsvmctl/yaml_edit.py", "    if len(path) > keep and len(mapping) == 1:",
      "    if len(path) > keep and len(mapping) == 0:", PROMOTE, "a mapping left empty stays"),
    M("f14", "fresh", "dsvmctl/yaml_edit.py", "            if type(value) is str and isinstance(old, QUOTED):",
      "            if False:", PROMOTE, "a quoted value is written plain"),
    M("f15", "fresh", "dsvmctl/yaml_edit.py", '    comment = line.find(" #", start)', "    comment = -1",
      PROMOTE, "a value's end-of-line comment is taken as part of it"),
    M("f16", "fresh", "dsvmctl/yaml_edit.py", "at = _blocks(mapping, lines, holder.end if holder else len(lines))[keys[-1]].end",
      "at = _blocks(mapping, lines, holder.end if holder else len(lines))[keys[0]].end", PROMOTE,
      "a new key goes after the first key, not at the end of its mapping"),
    # dsvmctl/promote.py
    M("f17", "fresh", "dsvmctl/promote.py",
      'return "secure" in value or any(is_secret(v) for v in value.values())', 'return "secure" in value',
      PROMOTE, "a secret nested in an object is copied"),
    M("f18", "fresh", "dsvmctl/promote.py", "        if is_secret(written) or is_secret(present):",
      "        if is_secret(written):", PROMOTE, "a target's secret is overwritten by the source's plain value"),
    M("f19", "fresh", "dsvmctl/promote.py", "    if src_zone == dst_zone:\n        return []",
      "    if True:\n        return []", PROMOTE, "a shutdown time crosses time zones unchecked"),
    M("f20", "fresh", "dsvmctl/promote.py", "    if not target_sets_zone:\n        raise PromoteError(",
      "    if target_sets_zone:\n        raise PromoteError(", PROMOTE, "the time-zone refusal and note swapped"),
    M("f21", "fresh", "dsvmctl/promote.py", "    if src_config.kind != dst_config.kind:", "    if False:",
      PROMOTE, "promotion between stacks of different kinds"),
    M("f22", "fresh", "dsvmctl/promote.py", "    if _plain(YAML(typ=\"rt\").load(text)) != _plain(expected):",
      "    if False:", PROMOTE, "the text edit is not checked against the parsed edit"),
    M("f23", "fresh", "dsvmctl/promote.py",
      '    bom = "\\ufeff" if path.read_text(encoding="utf-8").startswith("\\ufeff") else ""', '    bom = ""',
      PROMOTE, "a target's BOM is dropped"),
    # dsvmctl/project.py (the yaml.v3 loader)
    M("f24", "fresh", "dsvmctl/project.py", 're.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")',
      're.compile(r"^(?:true|True|TRUE|false|False|FALSE|yes|no|on|off)$"), list("tTfFyYnNoO")', YAML_V3,
      "YAML 1.1 booleans (yes/no/on/off)"),
    M("f25", "fresh", "dsvmctl/project.py", "if len(digits) > 1 and digits[0] == \"0\" and digits[1].isdigit():",
      "if len(digits) > 2 and digits[0] == \"0\" and digits[1].isdigit():", YAML_V3,
      "a two-digit leading-zero number (07) is not octal"),
    M("f26", "fresh", "dsvmctl/project.py", "                return sign * float(digits)",
      "                return sign * int(digits)", YAML_V3, "09 is not read as the float yaml.v3 falls to"),
    M("f27", "fresh", "dsvmctl/project.py", '(-1, text[1:]) if text.startswith("-") else', '(1, text[1:]) if text.startswith("-") else',
      YAML_V3, "a negative number's sign lost"),
    M("f28", "fresh", "dsvmctl/project.py", "            if first != line:", "            if False:", YAML_V3,
      "a mapping key written twice is accepted"),
    M("f29", "fresh", "dsvmctl/project.py", 'tag.rsplit(":", 1)[-1] in ("null", "merge")]',
      'tag.rsplit(":", 1)[-1] in ("null", "merge", "timestamp")]', YAML_V3, "unquoted dates become dates"),
    # stacks/scale_out/schedule.py
    M("f30", "fresh", "stacks/scale_out/schedule.py", "if end == LAST_MINUTE and (day + 1) % 7 in starts_at_midnight:",
      "if end == LAST_MINUTE and day + 1 in starts_at_midnight:", SCHEDULE,
      "Sunday 23:59 does not join Monday 00:00"),
    M("f31", "fresh", "stacks/scale_out/schedule.py", "        if merged and start <= merged[-1][1]:",
      "        if merged and start < merged[-1][1]:", SCHEDULE, "touching windows are not joined"),
    M("f32", "fresh", "stacks/scale_out/schedule.py", "if len(merged) > 1 and merged[-1][1] >= WEEK and merged[0][0] == 0:",
      "if len(merged) > 1 and merged[-1][1] > WEEK and merged[0][0] == 0:", SCHEDULE,
      "a window ending at the week's end does not join Monday 00:00"),
    M("f33", "fresh", "stacks/scale_out/schedule.py", "if len(merged) == 1 and merged[0][1] - merged[0][0] >= WEEK:",
      "if len(merged) == 1 and merged[0][1] - merged[0][0] > WEEK:", SCHEDULE, "a whole-week window accepted"),
    M("f34", "fresh", "stacks/scale_out/schedule.py", "            if window.days.count(day) > 1:",
      "            if window.days.count(day) > 2:", SCHEDULE, "a day listed twice accepted"),
    M("f35", "fresh", "stacks/scale_out/schedule.py", "            if start < other_end and other_start < end:",
      "            if start <= other_end and other_start <= end:", SCHEDULE, "back-to-back events refused"),
    M("f36", "fresh", "stacks/scale_out/schedule.py", "a[0] == b[0] and a[1] <= b[2] and b[1] <= a[2]:",
      "a[0] == b[0] and a[1] < b[2] and b[1] < a[2]:", SCHEDULE, "touching class windows on one day accepted"),
    M("f37", "fresh", "stacks/scale_out/schedule.py", '    if end and text == "24:00":', '    if text == "24:00":',
      SCHEDULE, "24:00 accepted as a start"),
    # azurefacts/addresses.py (allow-lists by their union)
    M("f38", "fresh", "azurefacts/addresses.py", "            found[version] += network.num_addresses - private",
      "            found[version] += network.num_addresses", POLICY, "private ranges count as the internet"),
    M("f39", "fresh", "azurefacts/addresses.py", "    if counts[4] > MAX_PUBLIC_IPV4:", "    if counts[4] >= MAX_PUBLIC_IPV4:",
      POLICY, "exactly one /8 of public IPv4 refused"),
    M("f40", "fresh", "azurefacts/addresses.py", "        for network in ipaddress.collapse_addresses(same):",
      "        for network in same:", POLICY, "overlapping ranges counted twice"),
    M("f41", "fresh", "azurefacts/addresses.py", "        if text.lower() in OPEN_TAGS:", "        if text in OPEN_TAGS:",
      POLICY, "'Internet' written in capitals not open"),
    M("f42", "fresh", "azurefacts/addresses.py", "    if counts[6] > MAX_PUBLIC_IPV6:", "    if False:",
      POLICY, "IPv6 allow-lists never too open"),
    # policy/rules.py (NSG)
    M("f43", "fresh", "policy/rules.py", "        if len(opening) < 2 or any(_rule_problem(r, \"\") for _, r in opening):",
      "        if len(opening) < 3 or any(_rule_problem(r, \"\") for _, r in opening):", POLICY,
      "two rules' union not judged"),
    M("f44", "fresh", "policy/rules.py", "        sources = [s for _, r in opening for s in _sources(r)]",
      "        sources = _sources(opening[0][1])", POLICY, "the union is the first rule's sources only"),
    M("f45", "fresh", "policy/rules.py", "            if int(low) <= port <= int(high or low):",
      "            if int(low) <= port < int(high or low):", POLICY, "a single-port spec covers nothing"),
    M("f46", "fresh", "policy/rules.py", '    if str(prop(rule, "access") or "Allow").lower() != "allow":\n        return set()',
      "    if False:\n        return set()", POLICY, "Deny rules judged as openings"),
    M("f47", "fresh", "policy/rules.py", "        return ipaddress.ip_network(text, strict=False).prefixlen == 0",
      "        return ipaddress.ip_network(text, strict=False).prefixlen <= 1", POLICY, "a /1 taken as open on its own"),
    M("f48", "fresh", "policy/rules.py", "    wide = too_open(sources)\n    return f\"{where}",
      "    wide = None\n    return f\"{where}", POLICY, "one rule's own list of ranges not judged by its union"),
    # stacks/config/stack.py (tags)
    M("f49", "fresh", "stacks/config/stack.py", "            if len(tag_value) > MAX_TAG_VALUE:",
      "            if len(tag_value) >= MAX_TAG_VALUE:", CONFIG, "a 256-character tag value refused"),
    M("f50", "fresh", "stacks/config/stack.py", "            if key.lower() in STACK_TAGS:", "            if key in STACK_TAGS:",
      CONFIG, "'Owner' accepted beside the stack's owner tag"),
    M("f51", "fresh", "stacks/config/stack.py", "            if key.lower() in seen:", "            if key in seen:",
      CONFIG, "two tags differing in case accepted"),
    M("f52", "fresh", "stacks/config/stack.py", "        if len(value) > 46:", "        if len(value) > 47:",
      CONFIG, "47 extra tags accepted (51 with the stack's)"),
    M("f53", "fresh", "stacks/config/stack.py", 'any(c in key for c in "<>%&\\\\?/")', 'any(c in key for c in "<>%&\\\\?")',
      CONFIG, "'/' accepted in a tag name"),
    # stacks/config/gpu_rig.py (modes, expiry, AzureML)
    M("f54", "fresh", "stacks/config/gpu_rig.py", 'Need(rig.active_size if mode == "current" else rig.size_in(mode), spot=',
      "Need(rig.active_size, spot=", GPU, "every mode's quota need is the current size's"),
    M("f55", "fresh", "stacks/config/gpu_rig.py", "        if not size.offered_in(self.location):", "        if False:",
      GPU, "a size not offered in the region accepted"),
    M("f56", "fresh", "stacks/config/gpu_rig.py", "            if floor is not None and rig.spot.max_price < floor[0]:",
      "            if floor is not None and rig.spot.max_price <= floor[0]:", GPU, "a cap equal to the Spot price refused"),
    M("f57", "fresh", "stacks/config/gpu_rig.py", "self.expires_on is not None and self.expires_on < clock.today():",
      "self.expires_on is not None and self.expires_on <= clock.today():", GPU, "the last day of a rig refused"),
    M("f58", "fresh", "stacks/config/gpu_rig.py", "and 0 <= (rig.expires_on - today).days <= 7:",
      "and 0 <= (rig.expires_on - today).days < 7:", GPU, "a rig 7 days from expiry not warned"),
    M("f59", "fresh", "stacks/config/gpu_rig.py", 'if not COMPUTE_NAME.match(name) or re.search(r"-\\d+$", name):',
      "if not COMPUTE_NAME.match(name):", GPU, "an AzureML compute name ending in -<digits> accepted"),
    M("f60", "fresh", "stacks/config/gpu_rig.py",
      'if self.access.mode != "allowlist" or not self.access.public_ip_enabled:',
      'if self.access.mode != "allowlist":', GPU, "AzureML attach without public IPs accepted"),
    M("f61", "fresh", "stacks/config/gpu_rig.py", "        if self.is_windows:\n            raise PathError(\"azureml\"",
      "        if False:\n            raise PathError(\"azureml\"", GPU, "AzureML attach of a Windows rig accepted"),
    M("f62", "fresh", "stacks/config/gpu_rig.py", "return (AZUREML_SERVICE_TAG,) if self.azureml else ()",
      "return ()", GPU, "the NSG does not admit AzureML's SSH"),
    # azurefacts/quotas.py
    M("f63", "fresh", "azurefacts/quotas.py", "        if usage + wanted[quota] > profile.limit(quota):",
      "        if usage + wanted[quota] >= profile.limit(quota):", GPU, "an exact fit is a shortfall"),
    M("f64", "fresh", "azurefacts/quotas.py", "        usage = profile.usage(quota) + have.get(quota, 0)",
      "        usage = profile.usage(quota)", "tests/fakeazure/test_rules.py tests/fakeazure/test_scale_sets.py " + GPU,
      "VMs already in the subscription not counted"),
    M("f65", "fresh", "azurefacts/quotas.py", "return folded.get(family.lower(), self.default_family_vcpus)",
      "return self.family_vcpus.get(family, self.default_family_vcpus)", GPU,
      "a family name in the usage file's case is not found"),
    M("f66", "fresh", "azurefacts/quotas.py", "        total_regional_usage=usage[folded[\"cores\"]],",
      "        total_regional_usage=0,", GPU, "the regional total's currentValue ignored"),
    M("f67", "fresh", "azurefacts/quotas.py", "        low_priority_vcpus=limits[spot] if spot else 0,",
      "        low_priority_vcpus=0,", GPU, "the usage file's Spot limit ignored"),
    # dsvmctl/info_cli.py (connect, quota)
    M("f68", "fresh", "dsvmctl/info_cli.py", "        if len(by_user) == 1:", "        if by_user:", GPU,
      "a user with two rigs is taken to the first"),
    M("f69", "fresh", "dsvmctl/info_cli.py", '"free": max(profile.limit(name) - profile.usage(name), 0),',
      '"free": profile.limit(name),', GPU, "quota's free column is the limit"),
    M("f70", "fresh", "dsvmctl/info_cli.py", 'fits = {mode: all(row[mode] <= row["free"] for row in rows)',
      'fits = {mode: all(row[mode] < row["free"] for row in rows)', GPU, "an exact fit reported as not fitting"),
    M("f71", "fresh", "dsvmctl/info_cli.py", '    if info.get("leaving"):', "    if False:",
      "tests/dsvmctl/test_lifecycle.py " + GPU, "an offboarded member's commands shown"),
    M("f72", "fresh", "dsvmctl/info_cli.py", "*[q for q in (TOTAL, LOW_PRIORITY) if q in named]]",
      "*[q for q in (TOTAL,) if q in named]]", GPU, "quota leaves out the Spot row"),
    # dsvmctl/lifecycle.py (the quota profile)
    M("f73", "fresh", "dsvmctl/lifecycle.py", "        if quota_profile is not None:\n            backend.quota = load_profile(quota_profile)",
      "        if False:\n            backend.quota = load_profile(quota_profile)", GPU,
      "--quota-profile loses to the saved state's profile"),
    M("f74", "fresh", "dsvmctl/lifecycle.py", '        backend = FakeAzure(quota_profile=quota_profile or "payg")',
      '        backend = FakeAzure(quota_profile="payg")', GPU, "--quota-profile ignored without a saved state"),
    # fakeazure/providers/consumption.py (budgets)
    M("f75", "fresh", "fakeazure/providers/consumption.py", "        if start < today.replace(day=1):",
      "        if start < today:", BUDGET, "a budget starting on this month's first refused"),
    M("f76", "fresh", "fakeazure/providers/consumption.py", "start.month - today.month > MAX_MONTHS_AHEAD:",
      "start.month - today.month >= MAX_MONTHS_AHEAD:", BUDGET, "a start twelve months ahead refused"),
    M("f77", "fresh", "fakeazure/providers/consumption.py", "        if previous is None or previous.seeded:",
      "        if previous is None:", BUDGET, "a seeded budget the program PUTs is not checked as new",
      equivalent="no product path seeds a budget (dsvmctl/existing.py seeds resource groups, disks, Bastions, AzureML "
      "workspaces and the subscription's roles), so `previous.seeded` is never true for one"),
    M("f78", "fresh", "fakeazure/providers/consumption.py",
      "        if any(path == START or path.startswith(f\"{START}.\") for path in changed):",
      "        if False:", BUDGET, "a deployed budget's start moves"),
    M("f79", "fresh", "fakeazure/providers/consumption.py", '        if start[2] != "01":', "        if False:",
      BUDGET, "a start not on the first of a month accepted"),
    # dsvmctl/arm.py
    M("f80", "fresh", "dsvmctl/arm.py", "        _, _, dep, path = min(found, key=lambda f: (f[0], f[1]))",
      "        _, _, dep, path = min(found, key=lambda f: f[1])", ARM,
      "a principal id taken from the identity map keyed by an id"),
    M("f81", "fresh", "dsvmctl/arm.py", "        if isinstance(identities, list):", "        if False:", ARM,
      "user-assigned identities stay a list"),
    M("f82", "fresh", "dsvmctl/arm_dates.py", "    if arm_type == BUDGET_TYPE and BUDGET_START in", "    if False and BUDGET_START in",
      ARM, "an unpinned budget start exported as the plan's month"),
    M("f83", "fresh", "dsvmctl/arm.py", '        return "[" + value if value.startswith("[") else value', "        return value",
      ARM, "a literal starting with [ read as an expression"),
    M("f84", "fresh", "dsvmctl/arm.py", "        wanted.discard(entry.id.lower())", "        pass", ARM,
      "a resource depends on itself"),
    # costs/scale_sets.py
    M("f85", "fresh", "costs/scale_sets.py", 'begin = max(datetime.fromisoformat(str(window["start"])).replace(tzinfo=None), now)',
      'begin = datetime.fromisoformat(str(window["start"])).replace(tzinfo=None)', POOL_COST,
      "an event's past part billed"),
    M("f86", "fresh", "costs/scale_sets.py", "            if begin < month < end:\n                cuts.add(month)",
      "            if begin < month <= end:\n                cuts.add(month)", POOL_COST, "a cut at the end month",
      equivalent="a month boundary equal to `end` adds `end`, which `cuts` holds already (a set)"),
    M("f87", "fresh", "costs/scale_sets.py", "    return weekly / 60 * WEEKS_PER_MONTH + max(events.values(), default=0.0)",
      "    return weekly / 60 * WEEKS_PER_MONTH + sum(events.values())", POOL_COST,
      "events in different months billed in one month"),
    M("f88", "fresh", "costs/scale_sets.py", "    before = [cap for at, cap in starts if at <= minute % WEEK_MINUTES]",
      "    before = [cap for at, cap in starts if at < minute % WEEK_MINUTES]", POOL_COST,
      "a profile is not in force at its own start minute"),
    M("f89", "fresh", "costs/scale_sets.py", '    fewer = any(_capacity(p, "minimum") < _capacity(p) for p in profiles)',
      "    fewer = False", POOL_COST + " tests/stacks/scale_out/test_scale_out_stack.py",
      "the note omits that idle instances leave"),
    # azurefacts/images.py (pin_advice)
    M("f90", "fresh", "azurefacts/images.py", "if pinned is None or pinned.months_old(today) <= PIN_WARNING_MONTHS:",
      "if pinned is None or pinned.months_old(today) < PIN_WARNING_MONTHS:", "tests/policy/test_rules.py tests/test_clock.py",
      "a pin exactly 10 months old is warned"),
    M("f91", "fresh", "azurefacts/images.py", "        fresh = [v for v in self.versions if v.months_old(today) <= PIN_WARNING_MONTHS]",
      "        fresh = list(self.versions)", "tests/policy/test_rules.py tests/test_clock.py",
      "the advice names a version too old itself"),
    M("f92", "fresh", "azurefacts/images.py", 'known = "it is" if newest is pinned else', 'known = "it is" if newest is not pinned else',
      "tests/policy/test_rules.py tests/test_clock.py", "the advice says the pin is the newest when it is not"),
    M("f93", "fresh", "azurefacts/images.py", "        return (today.year - self.released.year) * 12 + today.month - self.released.month",
      "        return (today.year - self.released.year) * 12 + today.month - self.released.month - 1",
      "tests/policy/test_rules.py tests/test_clock.py", "pin ages one month short"),
    # dsvmctl/diff.py (effects)
    M("f94", "fresh", "dsvmctl/diff.py", "    if old_key is not None and new_key is not None and new_key < old_key:",
      "    if old_key is not None and new_key is not None and new_key <= old_key:", EFFECTS,
      "an unchanged version flagged as a downgrade"),
    M("f95", "fresh", "dsvmctl/diff.py", "    if old != new:\n        effects += [\n            f\"updates", "    if True:\n        effects += [\n            f\"updates",
      EFFECTS, "a scale set update without a pin change explained as one"),
    M("f96", "fresh", "dsvmctl/diff.py", 'if base.get("type") == VMSS and head is not None and kind == "update":',
      'if base.get("type") == VMSS and head is not None:', EFFECTS, "a replaced scale set said to update in place"),
    M("f97", "fresh", "dsvmctl/diff.py", "if old is not None and new is not None and old.series == new.series:",
      "if old is not None and new is not None and old.series != new.series:", EFFECTS,
      "resize within a series said to need deallocation"),
    M("f98", "fresh", "dsvmctl/diff.py", 'gone = "its OS disk goes with it" if os_disk.get("deleteOption") == "Delete" else',
      'gone = "its OS disk goes with it" if os_disk.get("deleteOption") != "Delete" else', EFFECTS,
      "the OS disk's fate swapped"),
    M("f99", "fresh", "dsvmctl/diff.py", 'kept = "; attached data disks are detached and kept" if attached else ""',
      'kept = ""', EFFECTS, "a replace does not say the data disks are kept"),
    M("f100", "fresh", "dsvmctl/diff.py", 'if any(old.get(k) != new.get(k) for k in ("publisher", "offer", "sku")):',
      'if any(old.get(k) != new.get(k) for k in ("publisher", "offer")):', EFFECTS,
      "a switch to another SKU compared by version"),
    # stacks/scale_out/roster.py
    M("f101", "fresh", "stacks/scale_out/roster.py", '_USERNAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")',
      '_USERNAME = re.compile(r"^[a-z][a-z0-9_-]{0,32}$")', ROSTER, "a 33-character user name accepted"),
    M("f102", "fresh", "stacks/scale_out/roster.py", "            if any(fields.values()):  # blank lines are not participants",
      "            if True:", ROSTER, "blank CSV lines become participants"),
    M("f103", "fresh", "stacks/scale_out/roster.py", "    if len(rows) > MAX_PARTICIPANTS:", "    if len(rows) >= MAX_PARTICIPANTS:",
      ROSTER, "1,000 participants refused"),
    M("f104", "fresh", "stacks/scale_out/roster.py", '        if "username" not in header or unknown:',
      '        if "username" not in header:', ROSTER, "an unknown CSV column accepted"),
    M("f105", "fresh", "stacks/scale_out/roster.py", "    elif name != name.lower():", "    elif False:",
      ROSTER, "a capitalised user name gets the generic message"),
    # stacks/config/base.py
    M("f106", "fresh", "stacks/config/base.py", "            if kinds & {int, float} and bool not in kinds:",
      "            if kinds & {int} and bool not in kinds:", CONFIG + " tests/stacks/scale_out/test_scale_out_stack.py",
      "true accepted for a float field"),
    M("f107", "fresh", "stacks/config/base.py", "    if get_origin(annotation) in (Union, types.UnionType) and args:",
      "    if get_origin(annotation) is Union and args:", CONFIG + " tests/stacks/scale_out/test_scale_out_stack.py",
      "an optional number (int | None) takes true"),
    M("f108", "fresh", "stacks/config/base.py", '    if loc and loc[0] == "location":', '    if loc and loc[0] == "locations":',
      CONFIG, "a bad region not named as azure-native:location"),
    M("f109", "fresh", "stacks/config/base.py", '            text += f"[{part}]"', '            text += f".{part}"',
      CONFIG, "list indexes written as keys in config paths"),
]


def selected(only: str | None, group: str | None) -> list[Mutant]:
    wanted = set(only.split(",")) if only else None
    return [m for m in MUTANTS if (wanted is None or m.id in wanted) and (group is None or m.group == group)]


def run_tests(args: list[str], timeout: float) -> tuple[str, str, float]:
    """(result, first failing test, seconds): ``killed``, ``survived``, ``timeout`` or ``error`` (bad args)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", *args]
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", "", time.monotonic() - started
    seconds = time.monotonic() - started
    failed = re.search(r"^(?:FAILED|ERROR) (\S+)", done.stdout, re.MULTILINE)
    if done.returncode in (1, 2, 3):
        return "killed", failed.group(1) if failed else f"exit {done.returncode}", seconds
    if done.returncode == 0:
        return "survived", "", seconds
    return "error", f"pytest exit {done.returncode}: {done.stdout[-300:]}", seconds


def run_mutant(mutant: Mutant, timeout: float) -> dict[str, object]:
    path = ROOT / mutant.path
    mutated = mutant.mutated()
    original, stat = path.read_bytes(), path.stat()
    try:
        path.write_text(mutated, encoding="utf-8")
        result, killer, seconds = run_tests(mutant.tests.split(), timeout)
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return {"id": mutant.id, "group": mutant.group, "where": f"{mutant.path}:{mutant.line()}", "what": mutant.what,
            "result": result, "killer": killer, "seconds": round(seconds, 1), "equivalent": mutant.equivalent}


def product_changes() -> list[str]:
    status = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    return [line for line in status.splitlines() if not line[3:].startswith(("tests/", "bench/", "CHANGELOG"))]


def markdown(rows: list[dict[str, object]], summary: str) -> str:
    """The results file: the commit measured, the summary line, then a row per mutant."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    lines = [
        "# Mutation measurement (python -m bench.mutants)",
        "",
        f"At commit {commit.stdout.strip() or 'unknown'}: {summary}. Each row: the mutant, where, what it changes, "
        "the result and the first test that failed. Regenerate with "
        "`python -m bench.mutants --markdown bench/mutants-results.md`.",
        "",
        "| id | where | change | result | killed by |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        result = f"{row['result']} (equivalent: {row['equivalent']})" if row["equivalent"] else str(row["result"])
        lines.append(f"| {row['id']} | {row['where']} | {row['what']} | {result} | {row['killer']} |")
    return "\n".join(lines) + "\n"


def stale_mutants(mutants: list[Mutant]) -> list[str]:
    """Why each mutant that no longer applies once or no longer compiles fails (empty: all apply)."""
    problems = []
    for mutant in mutants:
        try:
            mutant.mutated()
        except ValueError as error:
            problems.append(f"  {error}")
        except SyntaxError as error:
            problems.append(f"  {mutant.id}: {mutant.path} does not compile once mutated: {error}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mutants", description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="comma-separated mutant ids")
    parser.add_argument("--group", choices=("item7", "fresh"))
    parser.add_argument("--check", action="store_true", help="apply and compile each mutant in memory only")
    parser.add_argument("--baseline", action="store_true", help="run the named test files unmutated first")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_SECONDS)
    parser.add_argument("--markdown", type=Path, help="write the result table here")
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    mutants = selected(args.only, args.group)
    stale = stale_mutants(mutants)  # every mutant applies once and compiles, before anything runs
    if stale:
        print("mutants that no longer apply (make them follow the code):\n" + "\n".join(stale))
        return 2
    if args.check:
        print(f"{len(mutants)} mutant(s) apply and compile")
        return 0
    if product_changes():
        print("refusing to run: product files have uncommitted changes:\n" + "\n".join(product_changes()))
        return 2
    if args.baseline:
        files = sorted({t for m in mutants for t in m.tests.split()})
        result, killer, seconds = run_tests(files, args.timeout * 4)
        print(f"baseline ({len(files)} file(s)): {result} {killer} in {seconds:.0f} s", flush=True)
        if result != "survived":
            return 2
    rows = []
    try:
        for mutant in mutants:
            row = run_mutant(mutant, args.timeout)
            rows.append(row)
            print(f"{row['id']} {row['where']}: {row['result']} {row['killer']} ({row['seconds']} s)", flush=True)
    finally:
        changed = product_changes()
        if changed:
            print("PRODUCT FILES CHANGED AFTER THE RUN (restore them):\n" + "\n".join(changed))
    counted = [r for r in rows if not r["equivalent"]]
    killed = [r for r in counted if r["result"] in ("killed", "timeout")]
    errors = [r for r in rows if r["result"] == "error"]
    ratio = len(killed) / len(counted) if counted else 1.0
    summary = (f"killed {len(killed)} of {len(counted)} non-equivalent mutants ({ratio:.1%}); "
               f"{len(rows) - len(counted)} equivalent; {len(errors)} error(s)")  # fmt: skip
    print(summary)
    for row in counted:
        if row["result"] == "survived":
            print(f"  survived: {row['id']} {row['where']} {row['what']}")
    if args.markdown:
        args.markdown.write_text(markdown(rows, summary), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 1 if changed or errors else 0


if __name__ == "__main__":
    sys.exit(main())
