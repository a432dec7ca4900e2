"""Reusable ComponentResources: one per module, children parented to the component."""

from components.data_disk import DataDisk, DataDiskArgs
from components.network import Network, NetworkArgs
from components.scale_set import ScaleSet, ScaleSetArgs
from components.storage import Storage, StorageArgs
from components.workstation import Workstation, WorkstationArgs

__all__ = [
    "DataDisk",
    "DataDiskArgs",
    "Network",
    "NetworkArgs",
    "ScaleSet",
    "ScaleSetArgs",
    "Storage",
    "StorageArgs",
    "Workstation",
    "WorkstationArgs",
]
