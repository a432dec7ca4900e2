"""The Pulumi program: load the stack's config, build the stack, export its outputs."""

import pulumi

import stacks
from azurefacts import clock
from stacks.process import skip_unused_alias_urns, tune_gc

tune_gc()  # the collector's thresholds for a program run (stacks/process.py)
skip_unused_alias_urns()  # alias URNs the engine does not read are not computed (stacks/process.py)
try:
    clock.today()  # a DSVMCTL_TODAY that is no date stops the run here, with its fix
    config = stacks.load_from_pulumi()  # validated before any resource is registered
except (stacks.ConfigError, clock.ClockError) as error:
    raise pulumi.RunError(str(error)) from None  # RunError: shown without a traceback
for key, value in stacks.build(config, pulumi.get_stack()).items():
    pulumi.export(key, value)
