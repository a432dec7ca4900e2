"""The `gpu_rig` stack: experiment rigs that switch between a CPU and a GPU size in place.

Each rig is a Workstation whose size is the one its ``mode`` names, and whose
security profile is decided by its GPU size in both modes (Secure Boot off where
the NVIDIA driver needs it), so switching modes changes ``hardwareProfile.vmSize``
and nothing else: same VM, same OS disk, same data disk, same identity. The rig
gets its own data disk and container (`rig-<name>`), the stack's tags plus
`expires-on`, and optionally Spot and an AzureML compute target.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_azure_native.machinelearningservices as ml
import pulumi_tls as tls

from components import DataDisk, DataDiskArgs, Workstation, WorkstationArgs
from components.backup import DiskBackupVault
from components.patching import Patching
from components.types import SpotSettings
from stacks.backup import attached_disk, backup_outputs, protect, stack_vault
from stacks.config.gpu_rig import GpuRigStackConfig, RigConfig
from stacks.connections import Target, connection_info
from stacks.cost_controls import idle_role_id, idle_stop_of, wants_idle_role
from stacks.foundation import Foundation, build_foundation, os_disk_of
from stacks.patching import hold, patching_of, patching_outputs


def build_gpu_rig(config: GpuRigStackConfig, stack: str, only: frozenset[str] | None = None) -> dict[str, Any]:
    """Compose the gpu_rig stack; returns the stack outputs (``only``: just these rigs)."""
    base = build_foundation(config, stack, config.storage, [rig.container_name for rig in config.rigs])
    role = idle_role_id(base) if wants_idle_role(config) else None
    vault = stack_vault(config, base, config.location)
    patching = patching_of(config, base)
    rigs: dict[str, Any] = {}
    for rig in config.rigs:
        if only is None or rig.name in only:
            rigs[rig.name] = _rig(config, base, rig, role, vault, patching)
    return {
        "resource_group_name": base.rg_name,
        "rigs": rigs,
        "backup": backup_outputs(config, base),
        "patching": patching_outputs(config, base),
        "storage": {
            "account_name": base.store.account_name,
            "blob_endpoint": base.store.primary_endpoints.apply(lambda e: e.blob),
            "dfs_endpoint": base.store.primary_endpoints.apply(lambda e: e.dfs),
            "containers": base.containers,
        },
    }


def _rig(
    config: GpuRigStackConfig,
    base: Foundation,
    rig: RigConfig,
    role: pulumi.Output[str] | None,
    vault: DiskBackupVault | None,
    patching: Patching | None,
) -> dict[str, Any]:
    # AzureML attaches a VM over SSH: a key of its own, which the rig also accepts.
    ml_key = tls.PrivateKey(f"{rig.name}-azureml-key", algorithm="ED25519") if config.azureml else None
    ml_public = ml_key.public_key_openssh.apply(lambda k: k.strip()) if ml_key else None
    tags = dict(base.tags)
    if rig.expires_on is not None:
        tags["expires-on"] = rig.expires_on.isoformat()
    disk = DataDisk(
        f"{rig.name}-data",
        DataDiskArgs(
            resource_group_name=base.rg_name,
            location=config.location,
            size_gb=rig.data_disk.size_gb,
            sku=rig.data_disk.sku,
            existing_disk_resource_id=rig.data_disk.existing_disk_resource_id,
            tags=tags,
        ),
    )
    backup = protect(vault, f"{rig.name}-data", disk, rig.data_disk, base.rg_plain)
    ws = Workstation(
        rig.name,
        WorkstationArgs(
            resource_group_name=base.rg_name,
            location=config.location,
            subscription_id=base.subscription_id,
            username=rig.username,
            vm_size=rig.active_size,
            security_size=rig.gpu_size,
            image=base.image,
            subnet_id=base.net.subnet_id,
            data_disk_id=attached_disk(disk, rig.data_disk)[0],
            data_disk_size_gb=attached_disk(disk, rig.data_disk)[1],
            storage_container_id=base.store.container_ids[rig.container_name],
            auto_shutdown=base.schedule,
            ssh_public_key=rig.ssh_public_key,
            extra_ssh_public_keys=[ml_public] if ml_public is not None else [],
            public_ip_enabled=config.access.public_ip_enabled,
            spot=SpotSettings(rig.spot.eviction_policy, rig.spot.max_price) if rig.spot else None,
            idle_stop=hold(idle_stop_of(config, rig.idle_stop, role), config),
            patching=patching,
            os_disk=os_disk_of(config, rig.os_disk),
            tags=tags,
        ),
    )
    target = Target(
        username=rig.username,
        windows=config.is_windows,
        entra_login=False,
        rstudio=config.rstudio_enabled,
        vm_id=ws.vm_id,
        resource_group=base.rg_plain,
        private_ip=ws.private_ip,
        public_ip=ws.public_ip,
    )
    outputs: dict[str, Any] = {}
    if config.azureml and ml_key is not None and ml_public is not None:
        outputs["azureml_compute"] = _attach(config, rig, ws, ml_key, ml_public).id
    return {
        **outputs,
        "username": rig.username,
        "mode": rig.running_mode,
        "vm_size": rig.active_size,
        "cpu_size": rig.cpu_size,
        "gpu_size": rig.gpu_size,
        "spot": rig.spot is not None,
        "expires_on": rig.expires_on.isoformat() if rig.expires_on else None,
        "vm_id": ws.vm_id,
        "backup_instance": backup,
        **connection_info(target, base.bastion, ws.local_password),
    }


def _attach(
    config: GpuRigStackConfig, rig: RigConfig, ws: Workstation, key: tls.PrivateKey, public: pulumi.Output[str]
) -> ml.Compute:
    """The rig as a `virtualmachine` compute target of the stack's AzureML workspace (AzureML v2 attach)."""
    assert config.azureml is not None
    parts = config.azureml.workspace_id.split("/")
    return ml.Compute(
        f"{rig.name}-azureml",
        compute_name=rig.compute_name,
        resource_group_name=parts[4],
        workspace_name=parts[8],
        location=config.location,
        properties=ml.VirtualMachineArgs(
            compute_type="VirtualMachine",
            resource_id=ws.vm_id,
            properties=ml.VirtualMachineSchemaPropertiesArgs(
                ssh_port=22,
                administrator_account=ml.VirtualMachineSshCredentialsArgs(
                    username=rig.username,
                    private_key_data=pulumi.Output.secret(key.private_key_openssh),
                    public_key_data=public,
                ),
            ),
        ),
        opts=pulumi.ResourceOptions(parent=ws),
    )
