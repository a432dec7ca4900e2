"""components.vm_profile: one profile, the same settings for a VM and for a scale set's VM profile."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi._types import input_type_to_dict, is_input_type

from azurefacts.images import DSVM_IMAGES
from components.types import AttachedDisk, ImageReference
from components.vm_profile import VM_REPLACE_ON_CHANGES, VmProfile, is_gpu_size, trusted_launch_supported
from tests.helpers import ssh_key

UBUNTU = ImageReference.of(DSVM_IMAGES["ubuntu-2204"], "25.05.20")
WINDOWS_2019 = ImageReference.of(DSVM_IMAGES["windows-2019"], "25.01.14")
WINDOWS_2022 = ImageReference.of(DSVM_IMAGES["windows-2022"], "25.05.20")


def plain(value: Any) -> Any:
    """An SDK input type as nested plain dicts (camelCase keys, as the engine sends them)."""
    if is_input_type(type(value)):
        return {k: plain(v) for k, v in input_type_to_dict(value).items() if v is not None}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def linux(size: str = "Standard_D4s_v5", image: ImageReference = UBUNTU) -> VmProfile:
    return VmProfile("alice", image, size, [ssh_key("alice")], custom_data="I2Nsb3VkLWNvbmZpZw==")


@pytest.mark.parametrize(
    "profile",
    [linux(), linux("Standard_NC4as_T4_v3"), VmProfile("bob", WINDOWS_2022, "Standard_D4s_v5", admin_password="x")],
    ids=["linux-cpu", "linux-gpu", "windows"],
)
def test_a_vm_and_a_scale_set_get_the_same_settings(profile: VmProfile) -> None:
    vm_os = plain(profile.vm_os_profile(computer_name="alice"))
    set_os = plain(profile.scale_set_os_profile(computer_name_prefix="alice"))
    assert vm_os.pop("computerName") == set_os.pop("computerNamePrefix") == "alice"
    assert vm_os == set_os
    vm_storage = plain(profile.vm_storage_profile("alice-osdisk"))
    set_storage = plain(profile.scale_set_storage_profile())
    assert vm_storage["imageReference"] == set_storage["imageReference"]
    assert vm_storage["osDisk"].pop("name") == "alice-osdisk"
    assert vm_storage["osDisk"] == set_storage["osDisk"]
    assert plain(profile.security_profile())["encryptionAtHost"] is True


def test_linux_logs_in_with_keys_only() -> None:
    os_profile = plain(linux().vm_os_profile("alice"))
    config = os_profile["linuxConfiguration"]
    assert config["disablePasswordAuthentication"] is True
    assert config["ssh"]["publicKeys"] == [{"path": "/home/alice/.ssh/authorized_keys", "keyData": ssh_key("alice")}]
    assert "adminPassword" not in os_profile and os_profile["allowExtensionOperations"] is False


def test_windows_uses_the_secret_password_and_no_linux_settings() -> None:
    profile = VmProfile("bob", WINDOWS_2022, "Standard_D4s_v5", admin_password="Secret-1")
    os_profile = plain(profile.vm_os_profile("bob"))
    assert os_profile["adminPassword"] == "Secret-1" and "linuxConfiguration" not in os_profile
    assert "customData" not in os_profile


@pytest.mark.parametrize(
    ("image", "size", "security_type", "secure_boot"),
    [
        (UBUNTU, "Standard_D4s_v5", "TrustedLaunch", True),
        (UBUNTU, "Standard_NC4as_T4_v3", "TrustedLaunch", False),  # the NVIDIA driver is unsigned
        (UBUNTU, "Standard_NC24ads_A100_v4", None, None),  # size outside the Trusted Launch list
        (WINDOWS_2019, "Standard_D4s_v5", None, None),  # Generation 1 image
    ],
)
def test_trusted_launch_where_image_and_size_allow(
    image: ImageReference, size: str, security_type: str | None, secure_boot: bool | None
) -> None:
    security = plain(VmProfile("alice", image, size).security_profile())
    assert security.get("securityType") == security_type
    assert security.get("uefiSettings", {}).get("secureBootEnabled") == secure_boot
    assert trusted_launch_supported(image, size) == (security_type is not None)


def test_gpu_sizes_from_facts_and_from_the_name() -> None:
    assert is_gpu_size("Standard_NC4as_T4_v3") and not is_gpu_size("Standard_D4s_v5")
    assert is_gpu_size("Standard_ND96amsr_A100_v9")  # unknown to the facts: the N-series rule


def test_data_disks_attach_detachable_on_consecutive_luns() -> None:
    attached = [AttachedDisk("/d/one", 4095), AttachedDisk("/d/two", 4096), AttachedDisk("/d/three")]
    disks = plain(linux().vm_storage_profile("os", attached))["dataDisks"]
    assert [(d["lun"], d["createOption"], d["deleteOption"], d["caching"]) for d in disks] == [
        (0, "Attach", "Detach", "ReadOnly"),  # below 4 TiB: host read cache
        (1, "Attach", "Detach", "None"),  # 4 TiB and more: Azure refuses host caching
        (2, "Attach", "Detach", "None"),  # size unknown (an existing disk): it might be that big
    ]


def test_replace_list_is_the_facts_plus_the_security_type() -> None:
    from azurefacts.resource_types import RESOURCE_TYPES, VM

    assert [*RESOURCE_TYPES[VM].update_refused, "securityProfile.securityType"] == VM_REPLACE_ON_CHANGES

