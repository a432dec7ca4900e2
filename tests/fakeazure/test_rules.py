"""The emulator's rules, one focused test each (fakeazure/providers/*.py).

Every rejection test builds an otherwise valid request with the helpers below,
changes exactly one value and asserts ARM's error code plus the offending
``target`` or a message fragment. The valid twin is created as well, so a test
fails both when the rule is removed and when the request is refused for some
other reason. Requests use camelCase inputs exactly as azure-native sends them.
"""

from __future__ import annotations

import base64
import copy
import re
import struct
from typing import Any

import pytest

from azurefacts.regions import REGIONS
from azurefacts.sizes import VM_SIZES
from fakeazure import ArmError, ArmResource, FakeAzure, FakeAzureError, UnknownInvoke, UnknownResourceType
from fakeazure.caller import OWNER
from fakeazure.errors import UnknownFact
from tests.helpers import GPU_QUOTA, ssh_key

RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
VNET = "azure-native:network:VirtualNetwork"
SUBNET = "azure-native:network:Subnet"
NSG = "azure-native:network:NetworkSecurityGroup"
PIP = "azure-native:network:PublicIPAddress"
NIC = "azure-native:network:NetworkInterface"
BASTION = "azure-native:network:BastionHost"
DISK = "azure-native:compute:Disk"
VM = "azure-native:compute:VirtualMachine"
EXTENSION = "azure-native:compute:VirtualMachineExtension"
SCHEDULE = "azure-native:devtestlab:GlobalSchedule"
STORAGE = "azure-native:storage:StorageAccount"
CONTAINER = "azure-native:storage:BlobContainer"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"

RG = "rg-dsvm"
VNET_NAME = "vnet-dsvm"
SUBNET_NAME = "snet-vms"
IMAGES: dict[str, dict[str, str]] = {
    "ubuntu-2204": {"publisher": "microsoft-dsvm", "offer": "ubuntu-2204", "sku": "2204-gen2", "version": "25.05.20"},
    "windows-2022": {
        "publisher": "microsoft-dsvm", "offer": "dsvm-win-2022", "sku": "winserver-2022", "version": "25.05.20",
    },
    "windows-2019": {
        "publisher": "microsoft-dsvm", "offer": "dsvm-win-2019", "sku": "server-2019", "version": "25.01.14",
    },
}
TRUSTED_LAUNCH = {"securityType": "TrustedLaunch", "uefiSettings": {"secureBootEnabled": True, "vTpmEnabled": True}}
GOOD_PASSWORD = "Xk9#mQ2!vLr7"
BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
VM_USER_LOGIN = "fb879df8-f326-4884-b1cf-06f3ad86be52"
PRINCIPAL = "3f2b8c1e-6a4d-4e7f-9b0a-1c2d3e4f5a6b"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DELETE = object()


# -- helpers: valid requests, changed one value at a time -----------------------------------------
def changed(inputs: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``inputs`` with dotted ``path`` set to ``value`` (``DELETE`` removes it); digits index lists."""
    result = copy.deepcopy(inputs)
    *parents, last = path.split(".")
    node: Any = result
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if isinstance(node, list):
        node[int(last)] = value
    elif value is DELETE:
        del node[last]
    else:
        node[last] = value
    return result


def rejected(az: FakeAzure, token: str, name: str, inputs: dict[str, Any]) -> ArmError:
    """The ArmError the create raises; the subscription is left unchanged."""
    before = set(az.resources)
    with pytest.raises(ArmError) as info:
        az.create(token, name, inputs)
    assert set(az.resources) == before
    return info.value


def subnet_id(az: FakeAzure, rg: str = RG, vnet: str = VNET_NAME, subnet: str = SUBNET_NAME) -> str:
    return f"{az.resource_group_id(rg)}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}"


def vnet_inputs(rg: str = RG, name: str = VNET_NAME, prefixes: tuple[str, ...] = ("10.0.0.0/16",)) -> dict[str, Any]:
    return {"virtualNetworkName": name, "resourceGroupName": rg, "addressSpace": {"addressPrefixes": list(prefixes)}}


def subnet_inputs(prefix: str, name: str = SUBNET_NAME, rg: str = RG, vnet: str = VNET_NAME) -> dict[str, Any]:
    return {"subnetName": name, "virtualNetworkName": vnet, "resourceGroupName": rg, "addressPrefix": prefix}


def make_network(az: FakeAzure, rg: str = RG, location: str = "westeurope") -> str:
    """Resource group, VNet 10.0.0.0/16 and subnet 10.0.1.0/24; returns the subnet id."""
    az.create(RESOURCE_GROUP, rg, {"resourceGroupName": rg, "location": location})
    az.create(VNET, f"{rg}-vnet", vnet_inputs(rg))
    return az.create(SUBNET, f"{rg}-snet", subnet_inputs("10.0.1.0/24", rg=rg)).id


def pip_inputs(name: str, sku: str = "Standard", rg: str = RG) -> dict[str, Any]:
    return {
        "publicIpAddressName": name, "resourceGroupName": rg, "sku": {"name": sku, "tier": "Regional"},
        "publicIPAllocationMethod": "Static",
    }


def nic_inputs(name: str, subnet: str, pip: str | None = None, rg: str = RG) -> dict[str, Any]:
    config: dict[str, Any] = {"name": "ipconfig1", "subnet": {"id": subnet}, "privateIPAllocationMethod": "Dynamic"}
    if pip:
        config["publicIPAddress"] = {"id": pip}
    return {"networkInterfaceName": name, "resourceGroupName": rg, "ipConfigurations": [config]}


def make_nic(az: FakeAzure, name: str, rg: str = RG) -> str:
    return az.create(NIC, name, nic_inputs(name, subnet_id(az, rg), rg=rg)).id


def disk_inputs(name: str, size: int = 256, sku: str = "Premium_LRS", rg: str = RG) -> dict[str, Any]:
    return {
        "diskName": name, "resourceGroupName": rg, "sku": {"name": sku}, "diskSizeGB": size,
        "creationData": {"createOption": "Empty"},
    }


def make_disk(az: FakeAzure, name: str, rg: str = RG) -> str:
    return az.create(DISK, name, disk_inputs(name, rg=rg)).id


def _os_disk() -> dict[str, Any]:
    return {
        "createOption": "FromImage", "caching": "ReadWrite", "deleteOption": "Delete",
        "managedDisk": {"storageAccountType": "Premium_LRS"},
    }


def linux_vm(
    name: str, nic: str, rg: str = RG, size: str = "Standard_D4s_v5", username: str = "azureuser"
) -> dict[str, Any]:
    """A valid Ubuntu DSVM (Gen2, Trusted Launch, SSH key only, system identity)."""
    return {
        "vmName": name,
        "resourceGroupName": rg,
        "hardwareProfile": {"vmSize": size},
        "storageProfile": {"imageReference": dict(IMAGES["ubuntu-2204"]), "osDisk": _os_disk(), "dataDisks": []},
        "osProfile": {
            "computerName": name,
            "adminUsername": username,
            "linuxConfiguration": {
                "disablePasswordAuthentication": True,
                "ssh": {
                    "publicKeys": [{"path": f"/home/{username}/.ssh/authorized_keys", "keyData": ssh_key("alice")}]
                },
            },
        },
        "networkProfile": {"networkInterfaces": [{"id": nic, "primary": True, "deleteOption": "Detach"}]},
        "securityProfile": copy.deepcopy(TRUSTED_LAUNCH),
        "identity": {"type": "SystemAssigned"},
    }


def windows_vm(
    name: str, nic: str, image: str = "windows-2022", trusted_launch: bool = True, size: str = "Standard_D4s_v5"
) -> dict[str, Any]:
    """A valid Windows DSVM (Trusted Launch only when asked: the 2019 image is Gen1)."""
    inputs: dict[str, Any] = {
        "vmName": name,
        "resourceGroupName": RG,
        "hardwareProfile": {"vmSize": size},
        "storageProfile": {"imageReference": dict(IMAGES[image]), "osDisk": _os_disk(), "dataDisks": []},
        "osProfile": {
            "computerName": "dsvm-win-01",
            "adminUsername": "dsvmadmin",
            "adminPassword": GOOD_PASSWORD,
            "windowsConfiguration": {"provisionVMAgent": True, "enableAutomaticUpdates": True},
        },
        "networkProfile": {"networkInterfaces": [{"id": nic, "primary": True}]},
        "identity": {"type": "SystemAssigned"},
    }
    if trusted_launch:
        inputs["securityProfile"] = copy.deepcopy(TRUSTED_LAUNCH)
    return inputs


def attach(vm_inputs: dict[str, Any], *disks: str, luns: tuple[int, ...] | None = None) -> dict[str, Any]:
    """``vm_inputs`` with these managed disks attached (LUNs 0, 1, ... unless given)."""
    luns = luns or tuple(range(len(disks)))
    data_disks = [
        {"lun": lun, "createOption": "Attach", "caching": "ReadOnly", "managedDisk": {"id": disk}}
        for lun, disk in zip(luns, disks, strict=True)
    ]
    return changed(vm_inputs, "storageProfile.dataDisks", data_disks)


def storage_inputs(name: str, rg: str = RG) -> dict[str, Any]:
    return {
        "accountName": name, "resourceGroupName": rg, "kind": "StorageV2", "sku": {"name": "Standard_LRS"},
        "allowBlobPublicAccess": False, "minimumTlsVersion": "TLS1_2", "isHnsEnabled": True,
    }


def role_inputs(az: FakeAzure, scope: str, role: str = BLOB_DATA_CONTRIBUTOR, principal: str = PRINCIPAL) -> dict:
    definitions = f"/subscriptions/{az.subscription_id}/providers/Microsoft.Authorization/roleDefinitions"
    return {
        "scope": scope,
        "roleDefinitionId": f"{definitions}/{role}",
        "principalId": principal,
        "principalType": "ServicePrincipal",
    }


def schedule_inputs(vm: ArmResource, name: str | None = None) -> dict[str, Any]:
    return {
        "name": name or f"shutdown-computevm-{vm.name}",
        "resourceGroupName": vm.resource_group,
        "targetResourceId": vm.id,
        "taskType": "ComputeVmShutdownTask",
        "dailyRecurrence": {"time": "1900"},
        "timeZoneId": "W. Europe Standard Time",
        "status": "Enabled",
        "notificationSettings": {"status": "Disabled"},
    }


def nsg_rule(name: str, priority: int, direction: str = "Inbound") -> dict[str, Any]:
    return {
        "name": name, "priority": priority, "direction": direction, "access": "Allow", "protocol": "Tcp",
        "sourceAddressPrefix": "VirtualNetwork", "sourcePortRange": "*",
        "destinationAddressPrefix": "*", "destinationPortRange": "22",
    }


def nsg_inputs(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"networkSecurityGroupName": "nsg-vms", "resourceGroupName": RG, "securityRules": list(rules)}


def _ssh_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def rsa_key(bits: int) -> str:
    """An ssh-rsa public key line whose modulus has exactly ``bits`` bits."""
    n = (1 << (bits - 1)) | 0xF1
    blob = _ssh_string(b"ssh-rsa") + _ssh_string(b"\x01\x00\x01") + _ssh_string(b"\x00" + n.to_bytes(bits // 8, "big"))
    return f"ssh-rsa {base64.b64encode(blob).decode()} alice@laptop"


@pytest.fixture
def az(fake_azure: FakeAzure) -> FakeAzure:
    """A subscription with rg-dsvm (westeurope), vnet-dsvm 10.0.0.0/16 and snet-vms 10.0.1.0/24."""
    make_network(fake_azure)
    return fake_azure


KEY_DATA = "osProfile.linuxConfiguration.ssh.publicKeys.0.keyData"
KEY_PATH = "osProfile.linuxConfiguration.ssh.publicKeys.0.path"


# -- resource groups, regions, sizes, images -------------------------------------------------------
@pytest.mark.parametrize("name", ["rg-dsvm.", "rg dsvm", "rg/dsvm", "r" * 91])
def test_invalid_resource_group_name_is_refused(fake_azure: FakeAzure, name: str) -> None:
    err = rejected(fake_azure, RESOURCE_GROUP, "rg", {"resourceGroupName": name, "location": "westeurope"})
    assert err.code == "InvalidResourceGroupName" and err.target == "resourceGroupName"
    fake_azure.create(RESOURCE_GROUP, "rg", {"resourceGroupName": "rg-dsvm.(team)_1", "location": "westeurope"})


def test_unknown_region_is_refused(az: FakeAzure) -> None:
    disk = disk_inputs("data-1")
    err = rejected(az, DISK, "data-1", changed(disk, "location", "europewest"))
    assert err.code == "LocationNotAvailableForResourceType"
    assert err.target == "location" and "'europewest'" in err.message
    assert az.create(DISK, "data-1", changed(disk, "location", "westeurope")).location == "westeurope"


def test_resource_group_in_unknown_region_is_refused(fake_azure: FakeAzure) -> None:
    err = rejected(fake_azure, RESOURCE_GROUP, "rg", {"resourceGroupName": "rg-x", "location": "marsnorth"})
    assert err.code == "LocationNotAvailableForResourceGroup" and err.target == "location"
    fake_azure.create(RESOURCE_GROUP, "rg", {"resourceGroupName": "rg-x", "location": "West Europe"})


def test_vm_size_not_offered_in_region_is_refused() -> None:
    az = FakeAzure(quota_profile=GPU_QUOTA)
    make_network(az, "rg-west2", "westus2")
    make_network(az, "rg-east", "eastus")
    a100 = "Standard_NC24ads_A100_v4"  # Gen2 only, no Trusted Launch
    nic = make_nic(az, "nic-w", "rg-west2")
    inputs = changed(linux_vm("vm-a100", nic, "rg-west2", a100), "securityProfile", DELETE)
    err = rejected(az, VM, "vm-a100", inputs)
    assert err.code == "SkuNotAvailable"
    assert err.target == "hardwareProfile.vmSize" and a100 in err.message and "'westus2'" in err.message
    twin = changed(linux_vm("vm-a100", make_nic(az, "nic-e", "rg-east"), "rg-east", a100), "securityProfile", DELETE)
    assert az.create(VM, "vm-a100", twin).location == "eastus"


def test_a_size_outside_the_facts_is_the_emulators_gap_not_an_azure_error(az: FakeAzure) -> None:
    inputs = linux_vm("vm1", make_nic(az, "nic-1"))
    with pytest.raises(UnknownFact, match=r"Standard_D4s_v9' is not in the emulator's facts; add it to azurefacts"):
        az.create(VM, "vm1", changed(inputs, "hardwareProfile.vmSize", "Standard_D4s_v9"))
    az.create(VM, "vm1", inputs)


def test_a_known_size_not_offered_in_the_region_is_sku_not_available(az: FakeAzure) -> None:
    inputs = changed(linux_vm("vm1", make_nic(az, "nic-1")), "hardwareProfile.vmSize", "Standard_NC24ads_A100_v4")
    where = next(r for r in REGIONS if not VM_SIZES["Standard_NC24ads_A100_v4"].offered_in(r))
    err = rejected(az, VM, "vm1", {**inputs, "location": where})
    assert err.code == "SkuNotAvailable" and "Standard_NC24ads_A100_v4" in err.message and where in err.message


@pytest.mark.parametrize(
    ("path", "value"),
    [("offer", "ubuntu-2404"), ("sku", "2204"), ("publisher", "canonical"), ("version", "24.01.01")],
)
def test_unknown_image_or_version_is_refused(az: FakeAzure, path: str, value: str) -> None:
    inputs = linux_vm("vm1", make_nic(az, "nic-1"))
    err = rejected(az, VM, "vm1", changed(inputs, f"storageProfile.imageReference.{path}", value))
    assert err.code == "PlatformImageNotFound"
    assert err.target == "imageReference" and value in err.message
    az.create(VM, "vm1", changed(inputs, "storageProfile.imageReference.version", "latest"))


def test_gen2_image_on_gen1_only_size_is_refused(az: FakeAzure) -> None:
    inputs = changed(linux_vm("vm1", make_nic(az, "nic-1")), "securityProfile", DELETE)
    err = rejected(az, VM, "vm1", changed(inputs, "hardwareProfile.vmSize", "Standard_A4_v2"))
    assert err.code == "BadRequest"
    assert err.target == "hardwareProfile.vmSize" and "Hypervisor Generation '2'" in err.message
    az.create(VM, "vm1", inputs)
    # The size itself is fine for a Gen1 image (with a Standard SSD: Av2 has no premium storage).
    windows = windows_vm("vm-win", make_nic(az, "nic-2"), "windows-2019", False, "Standard_A4_v2")
    az.create(VM, "vm-win", changed(windows, "storageProfile.osDisk.managedDisk.storageAccountType", "StandardSSD_LRS"))


def test_trusted_launch_on_size_without_it_is_refused(az: FakeAzure) -> None:
    inputs = linux_vm("vm1", make_nic(az, "nic-1"), size="Standard_NC6s_v3")
    err = rejected(az, VM, "vm1", inputs)
    assert err.code == "BadRequest"
    assert err.target == "securityProfile.securityType" and "'Standard_NC6s_v3'" in err.message
    az.create(VM, "vm1", changed(inputs, "securityProfile", DELETE))


def test_trusted_launch_on_gen1_windows_2019_image_is_refused(az: FakeAzure) -> None:
    inputs = windows_vm("vm-win", make_nic(az, "nic-1"), "windows-2019", trusted_launch=False)
    err = rejected(az, VM, "vm-win", changed(inputs, "securityProfile", copy.deepcopy(TRUSTED_LAUNCH)))
    assert err.code == "BadRequest"
    assert err.target == "securityProfile.securityType" and "dsvm-win-2019:server-2019" in err.message
    az.create(VM, "vm-win", inputs)


def test_uefi_settings_without_trusted_launch_are_refused(az: FakeAzure) -> None:
    inputs = linux_vm("vm1", make_nic(az, "nic-1"))
    err = rejected(az, VM, "vm1", changed(inputs, "securityProfile.securityType", DELETE))
    assert err.code == "BadRequest" and err.target == "securityProfile.uefiSettings"
    az.create(VM, "vm1", inputs)


def test_encryption_at_host_on_size_without_it_is_refused(az: FakeAzure) -> None:
    inputs = changed(linux_vm("vm1", make_nic(az, "nic-1"), size="Standard_NC6s_v3"), "securityProfile", DELETE)
    err = rejected(az, VM, "vm1", changed(inputs, "securityProfile.encryptionAtHost", True))
    assert err.code == "BadRequest"
    assert err.target == "securityProfile.encryptionAtHost" and "Standard_NC6s_v3" in err.message
    az.create(VM, "vm1", changed(inputs, "securityProfile.encryptionAtHost", False))
    supported = changed(linux_vm("vm2", make_nic(az, "nic-2")), "securityProfile.encryptionAtHost", True)
    az.create(VM, "vm2", supported)


def test_premium_disks_on_a_size_without_premium_storage_are_refused(az: FakeAzure) -> None:
    inputs = linux_vm("vm1", make_nic(az, "nic-1"), size="Standard_D4_v5")
    err = rejected(az, VM, "vm1", inputs)  # its OS disk is Premium_LRS
    assert err.code == "OperationNotAllowed" and err.target == "storageProfile.osDisk"
    assert "'Premium_LRS' is not supported for VM size 'Standard_D4_v5'" in err.message
    standard = changed(inputs, "storageProfile.osDisk.managedDisk.storageAccountType", "StandardSSD_LRS")
    attached = {"lun": 0, "createOption": "Attach", "caching": "None", "managedDisk": {"id": make_disk(az, "d1")}}
    err = rejected(az, VM, "vm1", changed(standard, "storageProfile.dataDisks", [attached]))
    assert err.target == "storageProfile.dataDisks[0]"  # the attached disk's own SKU: Premium_LRS
    az.create(VM, "vm1", standard)


# -- OS profile ------------------------------------------------------------------------------------
@pytest.mark.parametrize("computer_name", ["dsvm-win-team-01", "123456789"], ids=["16-chars", "all-digits"])
def test_invalid_windows_computer_name_is_refused(az: FakeAzure, computer_name: str) -> None:
    inputs = windows_vm("vm-win", make_nic(az, "nic-1"))
    err = rejected(az, VM, "vm-win", changed(inputs, "osProfile.computerName", computer_name))
    assert err.code == "InvalidParameter"
    assert err.target == "osProfile.computerName" and "15 characters" in err.message
    az.create(VM, "vm-win", changed(inputs, "osProfile.computerName", "dsvm-win-team-1"))  # 15 characters


def test_windows_computer_name_defaults_to_vm_name(az: FakeAzure) -> None:
    inputs = changed(windows_vm("vm-win-datascience", make_nic(az, "nic-1")), "osProfile.computerName", DELETE)
    err = rejected(az, VM, "vm-win-datascience", inputs)
    assert err.code == "InvalidParameter" and err.target == "osProfile.computerName"
    az.create(VM, "vm-win-ds", changed(inputs, "vmName", "vm-win-ds"))


@pytest.mark.parametrize("username", ["admin", "administrator", "root", "Admin", "test1"])
def test_reserved_linux_admin_username_is_refused(az: FakeAzure, username: str) -> None:
    nic = make_nic(az, "nic-1")
    err = rejected(az, VM, "vm1", linux_vm("vm1", nic, username=username))  # key path follows the username
    assert err.code == "InvalidParameter"
    assert err.target == "osProfile.adminUsername" and "not allowed" in err.message
    az.create(VM, "vm1", linux_vm("vm1", nic, username="dsadmin"))


@pytest.mark.parametrize("username", ["administrator", "admin", "guest"])
def test_reserved_windows_admin_username_is_refused(az: FakeAzure, username: str) -> None:
    inputs = windows_vm("vm-win", make_nic(az, "nic-1"))
    err = rejected(az, VM, "vm-win", changed(inputs, "osProfile.adminUsername", username))
    assert err.code == "InvalidParameter" and err.target == "osProfile.adminUsername"
    az.create(VM, "vm-win", inputs)


def _ed25519_blob() -> str:
    return ssh_key("alice").split()[1]


def _ecdsa_key() -> str:
    """A well-formed ecdsa-sha2-nistp256 key: Azure accepts only RSA and Ed25519."""
    point = b"\x04" + bytes(range(64))
    blob = _ssh_string(b"ecdsa-sha2-nistp256") + _ssh_string(b"nistp256") + _ssh_string(point)
    return f"ecdsa-sha2-nistp256 {base64.b64encode(blob).decode()} alice@laptop"


@pytest.mark.parametrize(
    "key",
    [
        "ssh-ed25519 not*base64! alice@laptop",
        f"ssh-ed25519 {_ed25519_blob()[:12]}*{_ed25519_blob()[12:]} alice@laptop",  # lenient decoders skip the '*'
        f"ssh-rsa {_ed25519_blob()} alice@laptop",
        f"ssh-ed25519 {base64.b64encode(_ssh_string(b'ssh-ed448') + bytes(32)).decode()} alice@laptop",
        rsa_key(1024),
        f"ssh-rsa {base64.b64encode(_ssh_string(b'ssh-rsa')).decode()} alice@laptop",
        "ssh-ed25519",
        _ecdsa_key(),
    ],
    ids=[
        "bad-base64", "stray-char-in-base64", "rsa-label-ed25519-blob", "wrong-type-in-blob", "rsa-1024",
        "truncated-rsa", "no-blob", "ecdsa",
    ],
)
def test_malformed_ssh_public_key_is_refused(az: FakeAzure, key: str) -> None:
    inputs = linux_vm("vm1", make_nic(az, "nic-1"))
    err = rejected(az, VM, "vm1", changed(inputs, KEY_DATA, key))
    assert err.code == "InvalidParameter"
    assert err.target == "linuxConfiguration.ssh.publicKeys[0].keyData"
    az.create(VM, "vm1", inputs)


def test_rsa_key_must_have_2048_bits() -> None:
    az = FakeAzure()
    make_network(az)
    nic = make_nic(az, "nic-1")
    err = rejected(az, VM, "vm1", changed(linux_vm("vm1", nic), KEY_DATA, rsa_key(1024)))
    assert err.code == "InvalidParameter" and "2048 bits" in err.message
    az.create(VM, "vm1", changed(linux_vm("vm1", nic), KEY_DATA, rsa_key(2048)))
    az.begin_run()
    az.create(VM, "vm1", changed(linux_vm("vm1", nic), KEY_DATA, rsa_key(4096)))


@pytest.mark.parametrize("path", ["/root/.ssh/authorized_keys", "/home/bob/.ssh/authorized_keys", None])
def test_ssh_key_path_outside_admin_home_is_refused(az: FakeAzure, path: str | None) -> None:
    inputs = linux_vm("vm1", make_nic(az, "nic-1"))
    err = rejected(az, VM, "vm1", changed(inputs, KEY_PATH, path))
    assert err.code == "InvalidParameter"
    assert err.target == "linuxConfiguration.ssh.publicKeys[0].path"
    assert "/home/azureuser/.ssh/authorized_keys" in err.message
    az.create(VM, "vm1", inputs)


def test_linux_vm_without_key_or_password_is_refused(az: FakeAzure) -> None:
    inputs = linux_vm("vm1", make_nic(az, "nic-1"))
    err = rejected(az, VM, "vm1", changed(inputs, "osProfile.linuxConfiguration.ssh.publicKeys", []))
    assert err.code == "InvalidParameter" and err.target == "linuxConfiguration"
    az.create(VM, "vm1", inputs)


@pytest.mark.parametrize(
    "password",
    ["Ab1!xyz", "datascience2024", "DATASCIENCE!!", "P@ssw0rd", "Password1", "x" * 124],
    ids=["too-short", "lower-digit", "upper-special", "forbidden-P@ssw0rd", "forbidden-Password1", "too-long"],
)
def test_weak_windows_password_is_refused(az: FakeAzure, password: str) -> None:
    inputs = windows_vm("vm-win", make_nic(az, "nic-1"))
    err = rejected(az, VM, "vm-win", changed(inputs, "osProfile.adminPassword", password))
    assert err.code == "InvalidParameter"
    assert err.target == "adminPassword" and "complexity" in err.message
    az.create(VM, "vm-win", inputs)


def test_password_with_three_classes_is_accepted(az: FakeAzure) -> None:
    inputs = windows_vm("vm-win", make_nic(az, "nic-1"))
    vm = az.create(VM, "vm-win", changed(inputs, "osProfile.adminPassword", "datascience2024X"))
    assert az.get(vm.id) is vm and vm.id.endswith("/providers/Microsoft.Compute/virtualMachines/vm-win")
    assert vm.inputs["osProfile"]["adminPassword"] == "datascience2024X"
    # Two classes only (lower, digit) is still refused: the accepted one needs its third class.
    err = rejected(az, VM, "vm-win-2", changed(changed(inputs, "vmName", "vm-win-2"), "osProfile.adminPassword",
                                               "datascience2024"))
    assert err.target == "adminPassword"


# -- auto-shutdown schedule ------------------------------------------------------------------------
def test_schedule_not_named_after_vm_is_refused(az: FakeAzure) -> None:
    vm = az.create(VM, "vm1", linux_vm("vm1", make_nic(az, "nic-1")))
    err = rejected(az, SCHEDULE, "shutdown", schedule_inputs(vm, "autoshutdown-vm1"))
    assert err.code == "InvalidScheduleName"
    assert err.target == "name" and "shutdown-computevm-vm1" in err.message
    schedule = az.create(SCHEDULE, "shutdown", schedule_inputs(vm))
    assert schedule.id == f"{az.resource_group_id(RG)}/providers/Microsoft.DevTestLab/schedules/shutdown-computevm-vm1"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("dailyRecurrence.time", "19:00"),
        ("dailyRecurrence.time", "2400"),
        ("dailyRecurrence.time", "7pm"),
        ("timeZoneId", "Europe/Berlin"),
        ("timeZoneId", "CET"),
    ],
)
def test_schedule_with_bad_time_or_time_zone_is_refused(az: FakeAzure, path: str, value: str) -> None:
    vm = az.create(VM, "vm1", linux_vm("vm1", make_nic(az, "nic-1")))
    inputs = schedule_inputs(vm)
    err = rejected(az, SCHEDULE, "shutdown", changed(inputs, path, value))
    assert err.code == "InvalidParameter"
    assert err.target == path and value in err.message
    az.create(SCHEDULE, "shutdown", inputs)


def test_schedule_for_missing_vm_is_refused(az: FakeAzure) -> None:
    vm = az.create(VM, "vm1", linux_vm("vm1", make_nic(az, "nic-1")))
    inputs = schedule_inputs(vm)
    err = rejected(az, SCHEDULE, "shutdown", changed(inputs, "targetResourceId", vm.id.replace("vm1", "vm2")))
    assert err.code == "InvalidResourceReference" and err.target == "targetResourceId"
    az.create(SCHEDULE, "shutdown", inputs)


# -- network -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("priority", [99, 4097, 0])
def test_nsg_priority_outside_range_is_refused(az: FakeAzure, priority: int) -> None:
    err = rejected(az, NSG, "nsg", nsg_inputs(nsg_rule("allow-ssh", priority)))
    assert err.code == "SecurityRuleInvalidPriority"
    assert err.target == "securityRules[allow-ssh]" and "100-4096" in err.message
    az.create(NSG, "nsg", nsg_inputs(nsg_rule("allow-ssh", 100), nsg_rule("deny-rest", 4096)))


def test_nsg_duplicate_priority_in_one_direction_is_refused(az: FakeAzure) -> None:
    first = nsg_rule("allow-ssh", 200)
    err = rejected(az, NSG, "nsg", nsg_inputs(first, nsg_rule("allow-rdp", 200)))
    assert err.code == "SecurityRuleConflict"
    assert err.target == "securityRules[allow-rdp]" and "allow-ssh" in err.message
    # The same priority in the other direction does not conflict.
    az.create(NSG, "nsg", nsg_inputs(first, nsg_rule("allow-rdp", 200, "Outbound")))


def test_subnet_outside_vnet_is_refused(az: FakeAzure) -> None:
    err = rejected(az, SUBNET, "snet-data", subnet_inputs("10.1.0.0/24", "snet-data"))
    assert err.code == "NetcfgSubnetRangeOutsideVnet"
    assert err.target == "addressPrefix" and "10.1.0.0/24" in err.message and VNET_NAME in err.message
    az.create(SUBNET, "snet-data", subnet_inputs("10.0.2.0/24", "snet-data"))


def test_subnet_overlapping_sibling_is_refused(az: FakeAzure) -> None:
    err = rejected(az, SUBNET, "snet-data", subnet_inputs("10.0.1.128/25", "snet-data"))
    assert err.code == "NetcfgSubnetRangesOverlap"
    assert err.target == "addressPrefix" and f"'{SUBNET_NAME}'" in err.message
    az.create(SUBNET, "snet-data", subnet_inputs("10.0.2.0/25", "snet-data"))
    # Subnets of another VNet are not siblings.
    az.create(VNET, "vnet-other", vnet_inputs(name="vnet-other"))
    az.create(SUBNET, "snet-other", subnet_inputs("10.0.1.0/24", SUBNET_NAME, vnet="vnet-other"))


def test_invalid_prefix_is_refused(az: FakeAzure) -> None:
    err = rejected(az, SUBNET, "snet-data", subnet_inputs("10.0.2.1/24", "snet-data"))
    assert err.code == "InvalidAddressPrefixFormat" and err.target == "addressPrefix"
    az.create(SUBNET, "snet-data", subnet_inputs("10.0.2.0/24", "snet-data"))


@pytest.mark.parametrize("sku", ["Basic", None])
def test_basic_public_ip_is_refused(az: FakeAzure, sku: str | None) -> None:
    inputs = pip_inputs("pip-1")
    err = rejected(az, PIP, "pip-1", changed(inputs, "sku", {"name": sku} if sku else DELETE))
    assert err.code == "IPv4BasicSkuPublicIpCountLimitReached"
    assert err.target == "sku.name" and "Basic SKU" in err.message
    assert re.match(r"^20\.\d+\.\d+\.\d+$", az.create(PIP, "pip-1", inputs).outputs["ipAddress"])


def test_public_ip_on_two_nics_is_refused(az: FakeAzure) -> None:
    pip = az.create(PIP, "pip-1", pip_inputs("pip-1")).id
    other_pip = az.create(PIP, "pip-2", pip_inputs("pip-2")).id
    az.create(NIC, "nic-1", nic_inputs("nic-1", subnet_id(az), pip))
    err = rejected(az, NIC, "nic-2", nic_inputs("nic-2", subnet_id(az), pip))
    assert err.code == "PublicIPAddressInUse"
    assert err.target == "ipConfigurations[0].publicIPAddress.id" and "nic-1" in err.message
    az.create(NIC, "nic-2", nic_inputs("nic-2", subnet_id(az), other_pip))


def test_nic_on_two_vms_is_refused(az: FakeAzure) -> None:
    nic = make_nic(az, "nic-1")
    az.create(VM, "vm1", linux_vm("vm1", nic))
    err = rejected(az, VM, "vm2", linux_vm("vm2", nic))
    assert err.code == "NicInUse"
    assert err.target == "networkProfile.networkInterfaces[0].id" and "vm1" in err.message
    az.create(VM, "vm2", linux_vm("vm2", make_nic(az, "nic-2")))


def test_bastion_on_subnet_not_named_azure_bastion_subnet_is_refused(az: FakeAzure) -> None:
    az.create(SUBNET, "snet-jump", subnet_inputs("10.0.2.0/26", "snet-jump"))
    az.create(SUBNET, "snet-bastion", subnet_inputs("10.0.3.0/26", "AzureBastionSubnet"))
    pip = az.create(PIP, "pip-bastion", pip_inputs("pip-bastion")).id

    def bastion(subnet: str) -> dict[str, Any]:
        config = {"name": "bastion-ipconfig", "subnet": {"id": subnet}, "publicIPAddress": {"id": pip}}
        return {"bastionHostName": "bas-dsvm", "resourceGroupName": RG, "sku": {"name": "Standard"},
                "ipConfigurations": [config]}

    err = rejected(az, BASTION, "bastion", bastion(subnet_id(az, subnet="snet-jump")))
    assert err.code == "SubnetNameMustBeAzureBastionSubnet"
    assert err.target == "ipConfigurations[0].subnet.id" and "'AzureBastionSubnet'" in err.message
    az.create(BASTION, "bastion", bastion(subnet_id(az, subnet="AzureBastionSubnet")))


def test_bastion_on_subnet_smaller_than_26_is_refused(az: FakeAzure) -> None:
    az.create(VNET, "vnet-small", vnet_inputs(name="vnet-small", prefixes=("10.8.0.0/24",)))
    az.create(SUBNET, "snet-small", subnet_inputs("10.8.0.0/27", "AzureBastionSubnet", vnet="vnet-small"))
    az.create(SUBNET, "snet-bastion", subnet_inputs("10.0.3.0/26", "AzureBastionSubnet"))
    pip = az.create(PIP, "pip-bastion", pip_inputs("pip-bastion")).id

    def bastion(vnet: str) -> dict[str, Any]:
        config = {"name": "ipconfig", "subnet": {"id": subnet_id(az, vnet=vnet, subnet="AzureBastionSubnet")},
                  "publicIPAddress": {"id": pip}}
        return {"bastionHostName": "bas-dsvm", "resourceGroupName": RG, "ipConfigurations": [config]}

    err = rejected(az, BASTION, "bastion", bastion("vnet-small"))
    assert err.code == "BastionHostSubnetSizeInvalid"
    assert err.target == "ipConfigurations[0].subnet.id" and "/26" in err.message
    az.create(BASTION, "bastion", bastion(VNET_NAME))


# -- storage -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["ab", "DsvmData01", "dsvm-data-01", "a" * 25, "dsvm_data"],
    ids=["too-short", "uppercase", "hyphen", "25-chars", "underscore"],
)
def test_invalid_storage_account_name_is_refused(az: FakeAzure, name: str) -> None:
    err = rejected(az, STORAGE, "data", storage_inputs(name))
    assert err.code == "AccountNameInvalid"
    assert err.target == "accountName" and "between 3 and 24 characters" in err.message
    az.create(STORAGE, "data", storage_inputs("abc"))
    az.create(STORAGE, "data24", storage_inputs("a" * 24))


def test_storage_account_name_taken_by_another_tenant_is_refused() -> None:
    az = FakeAzure(taken_storage_account_names={"DSVMDATA01"})  # compared case-insensitively
    make_network(az)
    err = rejected(az, STORAGE, "data", storage_inputs("dsvmdata01"))
    assert err.code == "StorageAccountAlreadyTaken"
    assert err.target == "accountName" and "dsvmdata01" in err.message
    az.create(STORAGE, "data", storage_inputs("dsvmdata02"))


def test_storage_account_name_used_in_another_resource_group_is_refused(az: FakeAzure) -> None:
    az.create(RESOURCE_GROUP, "rg-other", {"resourceGroupName": "rg-other", "location": "westeurope"})
    az.create(STORAGE, "data", storage_inputs("dsvmshared01"))
    err = rejected(az, STORAGE, "data-other", storage_inputs("dsvmshared01", rg="rg-other"))
    assert err.code == "StorageAccountAlreadyTaken" and "dsvmshared01" in err.message
    az.create(STORAGE, "data-other", storage_inputs("dsvmshared02", rg="rg-other"))


# -- disks ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("sku", "size"), [("Premium_LRS", 2), ("Premium_LRS", 40000), ("StandardSSD_LRS", 32768)])
def test_disk_size_outside_sku_limits_is_refused(az: FakeAzure, sku: str, size: int) -> None:
    err = rejected(az, DISK, "data-1", disk_inputs("data-1", size, sku))
    assert err.code == "InvalidParameter"
    assert err.target == "diskSizeGB" and f"{size} GB" in err.message and sku in err.message
    az.create(DISK, "data-1", disk_inputs("data-1", 4, sku))
    az.create(DISK, "data-2", disk_inputs("data-2", 32767, sku))


def test_small_standard_disk_is_accepted(az: FakeAzure) -> None:
    disk = az.create(DISK, "data-1", disk_inputs("data-1", 2, "Standard_LRS"))  # the 4 GiB floor is Premium's
    assert az.get(disk.id) is disk and disk.inputs["diskSizeGB"] == 2
    assert rejected(az, DISK, "data-2", disk_inputs("data-2", 2, "Premium_LRS")).target == "diskSizeGB"


def test_two_data_disks_on_one_lun_are_refused(az: FakeAzure) -> None:
    inputs = linux_vm("vm1", make_nic(az, "nic-1"))
    disks = (make_disk(az, "data-1"), make_disk(az, "data-2"))
    err = rejected(az, VM, "vm1", attach(inputs, *disks, luns=(0, 0)))
    assert err.code == "InvalidParameter"
    assert err.target == "storageProfile.dataDisks[1].lun" and "LUN 0" in err.message
    az.create(VM, "vm1", attach(inputs, *disks, luns=(0, 1)))


def test_disk_attached_to_two_vms_is_refused(az: FakeAzure) -> None:
    disk = make_disk(az, "data-1")
    az.create(VM, "vm1", attach(linux_vm("vm1", make_nic(az, "nic-1")), disk))
    inputs = linux_vm("vm2", make_nic(az, "nic-2"))
    err = rejected(az, VM, "vm2", attach(inputs, disk))
    assert err.code == "OperationNotAllowed"
    assert err.target == "storageProfile.dataDisks[0].managedDisk.id" and "vm1" in err.message
    az.create(VM, "vm2", attach(inputs, make_disk(az, "data-2")))


def test_disk_in_another_region_is_refused(az: FakeAzure) -> None:
    inputs = linux_vm("vm1", make_nic(az, "nic-1"))
    far = az.create(DISK, "data-far", changed(disk_inputs("data-far"), "location", "eastus")).id
    err = rejected(az, VM, "vm1", attach(inputs, far))
    assert err.code == "InvalidParameter" and err.target == "storageProfile.dataDisks[0].managedDisk.id"
    az.create(VM, "vm1", attach(inputs, make_disk(az, "data-near")))


# -- dangling references ------------------------------------------------------------------------------
def test_nic_referencing_missing_subnet_is_refused(az: FakeAzure) -> None:
    err = rejected(az, NIC, "nic-1", nic_inputs("nic-1", subnet_id(az, subnet="snet-missing")))
    assert err.code == "InvalidResourceReference"
    assert err.target == "ipConfigurations[0].subnet.id" and "snet-missing" in err.message
    az.create(NIC, "nic-1", nic_inputs("nic-1", subnet_id(az)))


def test_reference_to_resource_of_wrong_type_is_refused(az: FakeAzure) -> None:
    vnet_id = subnet_id(az).rsplit("/subnets/", 1)[0]
    err = rejected(az, NIC, "nic-1", nic_inputs("nic-1", vnet_id))
    assert err.code == "InvalidResourceReference" and err.target == "ipConfigurations[0].subnet.id"


def test_vm_referencing_missing_nic_is_refused(az: FakeAzure) -> None:
    nic = make_nic(az, "nic-1")
    err = rejected(az, VM, "vm1", linux_vm("vm1", nic.replace("nic-1", "nic-9")))
    assert err.code == "InvalidResourceReference"
    assert err.target == "networkProfile.networkInterfaces[0].id" and "nic-9" in err.message
    az.create(VM, "vm1", linux_vm("vm1", nic))


def test_vm_referencing_missing_disk_is_refused(az: FakeAzure) -> None:
    inputs = linux_vm("vm1", make_nic(az, "nic-1"))
    disk = make_disk(az, "data-1")
    err = rejected(az, VM, "vm1", attach(inputs, disk.replace("data-1", "data-9")))
    assert err.code == "InvalidResourceReference"
    assert err.target == "storageProfile.dataDisks[0].managedDisk.id" and "data-9" in err.message
    az.create(VM, "vm1", attach(inputs, disk))


def test_subnet_referencing_missing_nsg_is_refused(az: FakeAzure) -> None:
    nsg = az.create(NSG, "nsg", nsg_inputs(nsg_rule("allow-ssh", 100))).id
    inputs = subnet_inputs("10.0.2.0/24", "snet-data")
    err = rejected(az, SUBNET, "snet-data", changed(inputs, "networkSecurityGroup", {"id": nsg + "-missing"}))
    assert err.code == "InvalidResourceReference" and err.target == "networkSecurityGroup.id"
    az.create(SUBNET, "snet-data", changed(inputs, "networkSecurityGroup", {"id": nsg}))


def test_missing_resource_group_is_refused(az: FakeAzure) -> None:
    err = rejected(az, VNET, "vnet", vnet_inputs(rg="rg-missing"))
    assert err.code == "ResourceGroupNotFound" and "'rg-missing'" in err.message
    az.create(VNET, "vnet", vnet_inputs(name="vnet-2"))


def test_role_assignment_on_missing_scope_is_refused(az: FakeAzure) -> None:
    account = az.create(STORAGE, "data", storage_inputs("dsvmdata01")).id
    err = rejected(az, ROLE_ASSIGNMENT, "ra", role_inputs(az, account.replace("dsvmdata01", "dsvmdata99")))
    assert err.code == "ResourceNotFound"
    assert err.target == "scope" and "dsvmdata99" in err.message
    az.create(ROLE_ASSIGNMENT, "ra", role_inputs(az, account))
    az.create(ROLE_ASSIGNMENT, "ra-sub", role_inputs(az, f"/subscriptions/{az.subscription_id}"))


# -- quota -------------------------------------------------------------------------------------------
def test_free_subscription_refuses_any_gpu_size() -> None:
    az = FakeAzure(quota_profile="free")
    make_network(az, "rg-east", "eastus")
    inputs = linux_vm("vm-gpu", make_nic(az, "nic-gpu", "rg-east"), "rg-east", "Standard_NC4as_T4_v3")
    err = rejected(az, VM, "vm-gpu", inputs)
    assert err.code == "QuotaExceeded"
    assert err.target == "hardwareProfile.vmSize"
    assert "standardNCASv3_T4Family Cores quota" in err.message and "Current Limit: 0" in err.message
    az.create(VM, "vm-gpu", changed(inputs, "hardwareProfile.vmSize", "Standard_D4s_v5"))  # same vCPUs, CPU family
    payg = FakeAzure()  # a new pay-as-you-go subscription: no GPU quota either, until it is raised
    make_network(payg, "rg-east", "eastus")
    gpu_nic = make_nic(payg, "nic-gpu", "rg-east")
    assert rejected(payg, VM, "vm-gpu", linux_vm("vm-gpu", gpu_nic, "rg-east", "Standard_NC4as_T4_v3")).code == (
        "QuotaExceeded"
    )
    raised = FakeAzure(quota_profile=GPU_QUOTA)
    make_network(raised, "rg-east", "eastus")
    gpu_nic = make_nic(raised, "nic-gpu", "rg-east")
    raised.create(VM, "vm-gpu", linux_vm("vm-gpu", gpu_nic, "rg-east", "Standard_NC4as_T4_v3"))


def test_free_subscription_caps_vcpus_per_region() -> None:
    az = FakeAzure(quota_profile="free")
    make_network(az, "rg-east", "eastus")
    make_network(az, "rg-west", "westeurope")
    az.create(VM, "vm-small", linux_vm("vm-small", make_nic(az, "nic-small", "rg-east"), "rg-east", "Standard_B2s"))
    err = rejected(az, VM, "vm-big", linux_vm("vm-big", make_nic(az, "nic-big", "rg-east"), "rg-east"))
    assert err.code == "QuotaExceeded"
    assert "Total Regional Cores" in err.message and "Location: eastus" in err.message
    assert "Current Usage: 2" in err.message
    # The same 4-vCPU VM in another region fits that region's quota.
    az.create(VM, "vm-big", linux_vm("vm-big", make_nic(az, "nic-big", "rg-west"), "rg-west"))


def test_family_quota_is_counted_per_family() -> None:
    az = FakeAzure(quota_profile="free")
    make_network(az, "rg-east", "eastus")
    az.create(VM, "vm-a", linux_vm("vm-a", make_nic(az, "nic-a", "rg-east"), "rg-east", "Standard_D2s_v5"))
    inputs = linux_vm("vm-b", make_nic(az, "nic-b", "rg-east"), "rg-east", "Standard_D4s_v5")
    err = rejected(az, VM, "vm-b", inputs)
    assert err.code == "QuotaExceeded" and "standardDSv5Family Cores quota" in err.message
    az.create(VM, "vm-b", changed(inputs, "hardwareProfile.vmSize", "Standard_D2s_v5"))


def test_unknown_quota_profile_is_an_emulator_error() -> None:
    with pytest.raises(FakeAzureError, match="'enterprise' is neither a quota profile"):
        FakeAzure(quota_profile="enterprise")


# -- role assignments ---------------------------------------------------------------------------------
def test_role_assignment_with_unknown_role_is_refused(az: FakeAzure) -> None:
    account = az.create(STORAGE, "data", storage_inputs("dsvmdata01")).id
    unknown = "11111111-2222-4333-8444-555555555555"
    # The deploy identity's ABAC condition answers first (fakeazure/caller.py); an Owner reaches the provider.
    assert rejected(az, ROLE_ASSIGNMENT, "ra", role_inputs(az, account, role=unknown)).code == "AuthorizationFailed"
    az.caller = OWNER
    err = rejected(az, ROLE_ASSIGNMENT, "ra", role_inputs(az, account, role=unknown))
    assert err.code == "RoleDefinitionDoesNotExist"
    assert err.target == "roleDefinitionId" and unknown in err.message
    az.create(ROLE_ASSIGNMENT, "ra", role_inputs(az, account))


@pytest.mark.parametrize("principal", ["alice@contoso.com", "", "3f2b8c1e6a4d4e7f9b0a1c2d3e4f5a6b"])
def test_role_assignment_with_non_guid_principal_is_refused(az: FakeAzure, principal: str) -> None:
    account = az.create(STORAGE, "data", storage_inputs("dsvmdata01")).id
    err = rejected(az, ROLE_ASSIGNMENT, "ra", role_inputs(az, account, principal=principal))
    assert err.code == "InvalidPrincipalId" and err.target == "principalId"
    az.create(ROLE_ASSIGNMENT, "ra", role_inputs(az, account))


def test_duplicate_role_assignment_is_refused(az: FakeAzure) -> None:
    account = az.create(STORAGE, "data", storage_inputs("dsvmdata01")).id
    az.create(ROLE_ASSIGNMENT, "ra-1", role_inputs(az, account))
    err = rejected(az, ROLE_ASSIGNMENT, "ra-2", role_inputs(az, account))
    assert err.code == "RoleAssignmentExists" and "already exists" in err.message
    login = {**role_inputs(az, account, role=VM_USER_LOGIN), "principalType": "User"}  # Entra ID login: a member
    az.create(ROLE_ASSIGNMENT, "ra-2", login)


def test_role_assignment_name_must_be_a_guid(az: FakeAzure) -> None:
    inputs = role_inputs(az, az.resource_group_id(RG))
    err = rejected(az, ROLE_ASSIGNMENT, "ra", changed(inputs, "roleAssignmentName", "alice-blob-reader"))
    assert err.code == "InvalidRoleAssignmentId" and err.target == "roleAssignmentName"
    az.create(ROLE_ASSIGNMENT, "ra", changed(inputs, "roleAssignmentName", "9c1e0f1a-0c0b-4b5e-8f3a-2a6b8e1d7c44"))


# -- VM extensions ------------------------------------------------------------------------------------
def _extension(vm: str, extension_type: str) -> dict[str, Any]:
    return {
        "vmName": vm, "vmExtensionName": extension_type, "resourceGroupName": RG,
        "publisher": "Microsoft.Azure.ActiveDirectory", "type": extension_type, "typeHandlerVersion": "1.0",
        "autoUpgradeMinorVersion": True,
    }


def test_linux_aad_ssh_extension_on_windows_vm_is_refused(az: FakeAzure) -> None:
    az.create(VM, "vm-win", windows_vm("vm-win", make_nic(az, "nic-1")))
    err = rejected(az, EXTENSION, "aad", _extension("vm-win", "AADSSHLoginForLinux"))
    assert err.code == "OperationNotAllowed"
    assert err.target == "type" and "AADSSHLoginForLinux" in err.message
    az.create(EXTENSION, "aad", _extension("vm-win", "AADLoginForWindows"))
    az.create(VM, "vm-linux", linux_vm("vm-linux", make_nic(az, "nic-2")))
    az.create(EXTENSION, "aad-linux", _extension("vm-linux", "AADSSHLoginForLinux"))


def test_unknown_extension_is_refused(az: FakeAzure) -> None:
    az.create(VM, "vm1", linux_vm("vm1", make_nic(az, "nic-1")))
    err = rejected(az, EXTENSION, "ext", _extension("vm1", "AADSSHLoginForLinuxX"))
    assert err.code == "NotFound" and err.target == "publisher"


def test_extension_on_missing_vm_is_refused(az: FakeAzure) -> None:
    err = rejected(az, EXTENSION, "aad", _extension("vm-missing", "AADSSHLoginForLinux"))
    assert err.code == "InvalidResourceReference" and err.target == "vmName"


# -- emulator contract ---------------------------------------------------------------------------------
def test_unknown_resource_type_raises_naming_the_token(az: FakeAzure) -> None:
    token = "azure-native:compute:Snapshot"
    with pytest.raises(UnknownResourceType) as info:
        az.create(token, "snap", {"snapshotName": "snap", "resourceGroupName": RG})
    assert info.value.token == token and token in str(info.value)
    assert isinstance(info.value, FakeAzureError)


def test_unknown_invoke_raises_naming_the_token(az: FakeAzure) -> None:
    token = "azure-native:compute:getVirtualMachine"
    with pytest.raises(UnknownInvoke) as info:
        az.invoke(token, {"vmName": "vm1", "resourceGroupName": RG})
    assert info.value.token == token and token in str(info.value)


def test_get_client_config_describes_the_caller() -> None:
    az = FakeAzure(
        subscription_id="11111111-1111-4111-8111-111111111111", tenant_id="22222222-2222-4222-8222-222222222222"
    )
    config = az.invoke("azure-native:authorization:getClientConfig", {})
    assert config["subscriptionId"] == "11111111-1111-4111-8111-111111111111"
    assert config["tenantId"] == "22222222-2222-4222-8222-222222222222"
    assert GUID.match(config["objectId"]) and GUID.match(config["clientId"])


def test_ids_are_real_arm_ids(az: FakeAzure) -> None:
    sub = az.subscription_id
    rg_id = f"/subscriptions/{sub}/resourceGroups/{RG}"
    assert az.get(rg_id) is not None and az.get(rg_id.upper()) is not None  # ARM ids compare case-insensitively
    assert subnet_id(az) == f"{rg_id}/providers/Microsoft.Network/virtualNetworks/{VNET_NAME}/subnets/{SUBNET_NAME}"
    assert az.get(subnet_id(az)) is not None
    nic = make_nic(az, "nic-1")
    assert nic == f"{rg_id}/providers/Microsoft.Network/networkInterfaces/nic-1"
    vm = az.create(VM, "vm1", linux_vm("vm1", nic))
    assert vm.id == f"{rg_id}/providers/Microsoft.Compute/virtualMachines/vm1"
    ext = az.create(EXTENSION, "aad", _extension("vm1", "AADSSHLoginForLinux"))
    assert ext.id == f"{vm.id}/extensions/AADSSHLoginForLinux"
    account = az.create(STORAGE, "data", storage_inputs("dsvmdata01"))
    assert account.id == f"{rg_id}/providers/Microsoft.Storage/storageAccounts/dsvmdata01"
    container = az.create(CONTAINER, "datasets", {"accountName": "dsvmdata01", "containerName": "datasets",
                                                   "resourceGroupName": RG, "publicAccess": "None"})
    assert container.id == f"{account.id}/blobServices/default/containers/datasets"
    principal = vm.outputs["identity"]["principalId"]
    assignment = az.create(ROLE_ASSIGNMENT, "ra", role_inputs(az, account.id, principal=principal))
    prefix, guid = assignment.id.rsplit("/", 1)
    assert prefix == f"{account.id}/providers/Microsoft.Authorization/roleAssignments" and GUID.match(guid)
    assert assignment.name == guid


def test_auto_names_are_logical_name_plus_stable_suffix(az: FakeAzure) -> None:
    disk = az.create(DISK, "data", changed(disk_inputs("x"), "diskName", DELETE))
    assert re.fullmatch(r"data[0-9a-f]{8}", disk.name)
    account = az.create(STORAGE, "Team-Data", changed(storage_inputs("x"), "accountName", DELETE))
    assert re.fullmatch(r"teamdata[0-9a-f]{8}", account.name)  # lowercase letters and digits only


def test_nic_private_ips_start_at_dot_4_and_increment(az: FakeAzure) -> None:
    first = az.create(NIC, "nic-1", nic_inputs("nic-1", subnet_id(az)))
    second = az.create(NIC, "nic-2", nic_inputs("nic-2", subnet_id(az)))
    config = first.outputs["ipConfigurations"][0]
    assert config["privateIPAddress"] == "10.0.1.4" and config["privateIPAllocationMethod"] == "Dynamic"
    assert second.outputs["ipConfigurations"][0]["privateIPAddress"] == "10.0.1.5"
    assert re.fullmatch(r"([0-9A-F]{2}-){5}[0-9A-F]{2}", first.outputs["macAddress"])
    # Another subnet starts again at .4; an updated NIC keeps its address.
    az.create(SUBNET, "snet-data", subnet_inputs("10.0.2.0/24", "snet-data"))
    other = az.create(NIC, "nic-3", nic_inputs("nic-3", subnet_id(az, subnet="snet-data")))
    assert other.outputs["ipConfigurations"][0]["privateIPAddress"] == "10.0.2.4"
    az.begin_run()
    again = az.create(NIC, "nic-2", nic_inputs("nic-2", subnet_id(az)))
    assert again.outputs["ipConfigurations"][0]["privateIPAddress"] == "10.0.1.5"


def test_computed_outputs_are_camel_case(az: FakeAzure) -> None:
    vm = az.create(VM, "vm1", linux_vm("vm1", make_nic(az, "nic-1")))
    identity = vm.outputs["identity"]
    assert identity["type"] == "SystemAssigned"
    assert GUID.match(identity["principalId"]) and identity["tenantId"] == az.tenant_id
    assert GUID.match(vm.outputs["vmId"])
    assert vm.outputs["storageProfile"]["osDisk"]["name"].startswith("vm1_OsDisk_1_")
    assert vm.outputs["provisioningState"] == "Succeeded"
    assert vm.outputs["type"] == "Microsoft.Compute/virtualMachines" and vm.outputs["name"] == "vm1"
    account = az.create(STORAGE, "data", storage_inputs("dsvmdata01"))
    assert account.outputs["primaryEndpoints"]["blob"] == "https://dsvmdata01.blob.core.windows.net/"
    assert account.outputs["primaryEndpoints"]["dfs"] == "https://dsvmdata01.dfs.core.windows.net/"
    no_identity = az.create(VM, "vm2", changed(linux_vm("vm2", make_nic(az, "nic-2")), "identity", DELETE))
    assert "identity" not in no_identity.outputs


def test_location_defaults_to_resource_group_and_is_normalized() -> None:
    az = FakeAzure()
    rg = az.create(RESOURCE_GROUP, "rg", {"resourceGroupName": "rg-eu", "location": "West Europe"})
    assert rg.location == "westeurope" and rg.outputs["location"] == "westeurope"
    vnet = az.create(VNET, "vnet", vnet_inputs("rg-eu"))
    assert vnet.location == "westeurope" and vnet.outputs["location"] == "westeurope"
    explicit = az.create(VNET, "vnet-us", changed(vnet_inputs("rg-eu", "vnet-us"), "location", "East US 2"))
    assert explicit.outputs["location"] == "eastus2"
    subnet = az.create(SUBNET, "snet", subnet_inputs("10.0.1.0/24", rg="rg-eu"))
    assert subnet.location is None and "location" not in subnet.outputs  # subnets carry no location


def test_seeded_disk_can_be_attached_by_id(az: FakeAzure) -> None:
    inputs = linux_vm("vm1", make_nic(az, "nic-1"))
    existing = f"{az.resource_group_id(RG)}/providers/Microsoft.Compute/disks/disk-existing"
    err = rejected(az, VM, "vm1", attach(inputs, existing))
    assert err.code == "InvalidResourceReference"
    disk = az.seed(DISK, "existing", disk_inputs("disk-existing", 1024))
    assert disk.seeded and disk.id == existing
    vm = az.create(VM, "vm1", attach(inputs, existing))
    assert vm.outputs["storageProfile"]["dataDisks"][0]["managedDisk"]["id"] == existing
    az.create(DISK, "existing", disk_inputs("disk-existing", 1024))  # the program may adopt it in the same run


def test_same_arm_id_twice_in_one_run_is_an_emulator_error(az: FakeAzure) -> None:
    az.create(VNET, "vnet-a", vnet_inputs(name="vnet-dup"))
    second = vnet_inputs(name="vnet-dup", prefixes=("10.9.0.0/16",))
    with pytest.raises(FakeAzureError, match="same Azure resource") as info:
        az.create(VNET, "vnet-b", second)
    assert "vnet-b" in str(info.value)
    az.begin_run()
    updated = az.create(VNET, "vnet-b", second)
    assert updated.outputs["addressSpace"]["addressPrefixes"] == ["10.9.0.0/16"]
    assert az.get(updated.id) is updated
    assert len(az.of_type("Microsoft.Network/virtualNetworks")) == 2


def _scenario(az: FakeAzure) -> dict[str, dict[str, Any]]:
    make_network(az)
    pip = az.create(PIP, "pip", pip_inputs("pip-1")).id
    nic = az.create(NIC, "nic", nic_inputs("nic-1", subnet_id(az), pip)).id
    disk = az.create(DISK, "data", changed(disk_inputs("x"), "diskName", DELETE)).id
    vm = az.create(VM, "vm", attach(linux_vm("vm1", nic), disk))
    az.create(SCHEDULE, "shutdown", schedule_inputs(vm))
    account = az.create(STORAGE, "Team Data", changed(storage_inputs("x"), "accountName", DELETE))
    container = {"accountName": account.name, "containerName": "datasets", "resourceGroupName": RG}
    az.create(CONTAINER, "datasets", container)
    az.create(ROLE_ASSIGNMENT, "ra", role_inputs(az, account.id, principal=vm.outputs["identity"]["principalId"]))
    az.create(NSG, "nsg", nsg_inputs(nsg_rule("allow-ssh", 100)))
    return {key: copy.deepcopy(resource.outputs) for key, resource in az.resources.items()}


def test_outputs_are_deterministic() -> None:
    first, second = _scenario(FakeAzure()), _scenario(FakeAzure())
    assert first == second
    assert len(first) == 12


def test_failed_create_leaves_no_state(az: FakeAzure) -> None:
    """A refused request is not half-applied: the same id can be created right after."""
    inputs = linux_vm("vm1", make_nic(az, "nic-1"))
    rejected(az, VM, "vm1", changed(inputs, "hardwareProfile.vmSize", "Standard_A4_v2"))
    assert az.get(f"{az.resource_group_id(RG)}/providers/Microsoft.Compute/virtualMachines/vm1") is None
    az.create(VM, "vm1", inputs)
