"""The policy pack (``pulumi preview --policy-pack policy``): builds the PolicyPack, which serves
the engine until it is stopped. Import the rules from ``policy.rules`` instead of running this."""

import sys
from pathlib import Path

# The CLI runs this directory as a program: make the project (policy/, azurefacts/) importable.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack

from policy.pack import PACK_NAME, policies

PolicyPack(
    name=PACK_NAME,
    policies=policies(),
    enforcement_level=EnforcementLevel.MANDATORY,
    description="DSVM fleet security and cost defaults (docs/GITOPS.md): no SSH/RDP/JupyterHub/RStudio from the "
    "internet, SSH keys only, encryption at host, private storage over TLS 1.2+ without shared keys, protected "
    "data, a shutdown schedule or autoscale on every machine, public IPs only in allowlist mode; advice on old "
    "image pins, missing tags and the stack's cost cap.",
)
