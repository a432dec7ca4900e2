"""fakeazure: a moto-style emulator of the Azure resources this project uses.

``FakeAzure`` is one subscription's state; ``run_program`` runs a Pulumi program
against it through ``pulumi.runtime`` mocks. See docs/ARCHITECTURE.md.
"""

from fakeazure.backend import FakeAzure
from fakeazure.errors import ArmError, FakeAzureError, UnknownInvoke, UnknownResourceType
from fakeazure.mocks import ProgramRun, Registration, run_program
from fakeazure.resource import ArmResource

__all__ = [
    "ArmError",
    "ArmResource",
    "FakeAzure",
    "FakeAzureError",
    "ProgramRun",
    "Registration",
    "UnknownInvoke",
    "UnknownResourceType",
    "run_program",
]
