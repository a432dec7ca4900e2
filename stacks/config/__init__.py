"""A stack's configuration: shared sections, one model per stack kind, and the loader.

Modules: ``base`` (model base, ``ConfigError``, config paths), ``access``
(access mode, address plan), ``image`` (DSVM image, VM size checks),
``schedule`` (auto-shutdown), ``storage`` (storage account, data disks),
``members``, ``stack`` (what every kind has), one module per kind (``team``, ``gpu_rig``, ``scale_out``),
and ``loader`` (namespaced keys -> the kind's model). Kinds are registered in
``stacks.kinds``. Every check that needs no cloud happens here, before any
resource is registered; the field descriptions are the config reference
(``python -m stacks.docs`` renders docs/CONFIG.md).
"""

from stacks.config.access import AccessConfig, NetworkConfig
from stacks.config.base import LOCATION_KEY, PROJECT, ConfigError, PathError, config_path
from stacks.config.image import ImageConfig
from stacks.config.loader import decode_value, from_namespaced, load_config, parse_config
from stacks.config.members import MemberConfig
from stacks.config.scale_out import ScaleOutStackConfig
from stacks.config.schedule import AutoShutdownConfig
from stacks.config.stack import BaseStackConfig
from stacks.config.storage import DataDiskConfig, StorageConfig
from stacks.config.team import TeamStackConfig

StackConfig = BaseStackConfig

__all__ = [
    "LOCATION_KEY",
    "PROJECT",
    "AccessConfig",
    "AutoShutdownConfig",
    "BaseStackConfig",
    "ConfigError",
    "DataDiskConfig",
    "ImageConfig",
    "MemberConfig",
    "NetworkConfig",
    "PathError",
    "ScaleOutStackConfig",
    "StackConfig",
    "StorageConfig",
    "TeamStackConfig",
    "config_path",
    "decode_value",
    "from_namespaced",
    "load_config",
    "parse_config",
]
