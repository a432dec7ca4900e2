#!/bin/bash
# dsvm-data-disk: bring the member's data disk (LUN 0) up at /data, on SCSI and NVMe sizes alike, at every boot.
#
# Run by dsvm-data.service before anyone can log in. It never repartitions or formats a disk that holds
# anything: only a disk whose first MiB is all zeros, with no partition table and no filesystem signature,
# is given a GPT with one partition named "dsvmdata" and an ext4 filesystem labelled "dsvmdata" (a
# partition of that name without a filesystem is this script's own format cut short, and is finished).
# Then:
# - an ext4 "dsvmdata" volume is mounted read-write at /data (the home goes there: dsvm-persist-home);
# - an NTFS "dsvmdata" volume (the disk of a Windows DSVM) is mounted read-only at /data, its files reachable
#   (F:\work is /data/work), the home left on the OS disk;
# - anything else (another layout, no disk at all) is left as it is, /data is not mounted, and the log says why.
# The disk is found by LUN: /dev/disk/azure/scsi1/lun0 (WALinuxAgent's udev rules, SCSI sizes),
# /dev/disk/azure/data/by-lun/0 (azure-vm-utils, NVMe and SCSI), else on NVMe the namespace of the remote
# disk controller ("MSFT NVMe Accelerator v1.0") whose id is LUN + 2 (namespace 1 is the OS disk;
# azure-vm-utils, udev/80-azure-disk.rules). On NVMe sizes with a local temp disk ("Microsoft NVMe Direct
# Disk"), which Azure hands over raw after every deallocation, an unformatted one is formatted and mounted at
# /mnt when nothing else mounted /mnt (cloud-init's Azure temp disk handling covers SCSI temp disks only).
# Source: Microsoft Learn, 'Azure VM sizes with no local temporary disk', 'FAQ for remote NVMe disks',
# 'Introduction to Azure virtual machine utilities (azure-vm-utils)'.
# (DSVM_DATA_DEVICE / DSVM_TEMP_DEVICE name the disks, DSVM_DEV_ROOT / DSVM_SYS_ROOT move /dev and /sys,
# DSVM_DATA / DSVM_TEMP the mount points, DSVM_WAIT_SECONDS the wait for the disk: for tests. `--which`
# prints the data disk found and touches nothing.)
set -euo pipefail
lun="${DSVM_LUN:-0}"
label="dsvmdata"
data="${DSVM_DATA:-/data}"
temp="${DSVM_TEMP:-/mnt}"
dev_root="${DSVM_DEV_ROOT:-}"
sys_root="${DSVM_SYS_ROOT:-}"
wait_seconds="${DSVM_WAIT_SECONDS:-10}"
log() { logger -t dsvm-data-disk "$*" 2>/dev/null || true; echo "dsvm-data-disk: $*"; }

model_of() { # the model of an NVMe namespace's controller (sysfs pads it with spaces)
  sed 's/[[:space:]]*$//' "$1/device/model" 2>/dev/null || true
}

find_data_disk() { # the LUN's block device, or nothing
  local link ns
  if [ -n "${DSVM_DATA_DEVICE:-}" ]; then
    if [ -b "$DSVM_DATA_DEVICE" ]; then echo "$DSVM_DATA_DEVICE"; fi
    return 0
  fi
  for link in "$dev_root/dev/disk/azure/scsi1/lun$lun" "$dev_root/dev/disk/azure/data/by-lun/$lun"; do
    if [ -e "$link" ]; then readlink -f "$link"; return 0; fi
  done
  for ns in "$sys_root"/sys/block/nvme*n*; do
    [ -r "$ns/nsid" ] || continue
    if [ "$(model_of "$ns")" = "MSFT NVMe Accelerator v1.0" ] && [ "$(cat "$ns/nsid")" = "$((lun + 2))" ]; then echo "$dev_root/dev/${ns##*/}"; return 0; fi
  done
  return 0
}

find_temp_disk() { # the first local NVMe temp disk, or nothing
  local ns
  if [ -n "${DSVM_TEMP_DEVICE:-}" ]; then
    if [ -b "$DSVM_TEMP_DEVICE" ]; then echo "$DSVM_TEMP_DEVICE"; fi
    return 0
  fi
  for ns in "$sys_root"/sys/block/nvme*n*; do
    case "$(model_of "$ns")" in
      "Microsoft NVMe Direct Disk"*) echo "$dev_root/dev/${ns##*/}"; return 0 ;;
    esac
  done
  return 0
}

partitions() { # the partitions of a disk, in order (partx tells a kernel that did not scan them)
  partx -a "$1" >/dev/null 2>&1 || true
  udevadm settle --timeout=10 >/dev/null 2>&1 || true
  lsblk -lnpo NAME,TYPE "$1" | awk '$2 == "part" { print $1 }'
}

probe() { blkid -p -o value -s "$1" "$2" 2>/dev/null || true; }

blank() { # nothing at all was ever written where a partition table or filesystem would be
  [ -z "$(blkid -p -o value "$1" 2>/dev/null || true)" ] && [ -z "$(partitions "$1")" ] \
    && cmp -s -n 1048576 "$1" /dev/zero
}

format_blank() {
  log "$1 is blank: creating a GPT with one partition and an ext4 filesystem labelled $label"
  printf 'label: gpt\ntype=linux, name=%s\n' "$label" | sfdisk -q "$1"
  finish_format "$1" "$(partitions "$1" | head -n 1)"
}

finish_format() {
  [ -n "$2" ] || { log "no partition appeared on $1 after partitioning: not formatting"; return 1; }
  mkfs.ext4 -q -L "$label" "$2"
  udevadm settle --timeout=10 >/dev/null 2>&1 || true
}

volume() { # the disk's dsvmdata volume (a partition, or the whole disk), or nothing
  local part
  for part in $(partitions "$1") "$1"; do
    if [ "$(probe LABEL "$part")" = "$label" ]; then echo "$part"; return 0; fi
  done
}

mount_ntfs() {
  mkdir -p "$data"
  if mount -t ntfs3 -o ro,nodev,nosuid "$1" "$data" 2>/dev/null \
    || mount -t ntfs-3g -o ro,nodev,nosuid "$1" "$data" 2>/dev/null; then
    log "$1 is a Windows (NTFS) data volume: mounted read-only at $data (F:\\work is $data/work); the home" \
      "stays on the OS disk. Copy what you need; docs/WORKSTATION.md 'Switching between Windows and Linux'"
  else
    log "$1 is a Windows (NTFS) data volume and this kernel mounts no NTFS (apt-get install ntfs-3g, then" \
      "systemctl restart dsvm-data): left as it is"
  fi
}

data_disk() {
  local device part fstype i
  device="$(find_data_disk)"
  if [ -z "$device" ]; then # attached at creation, so present by now: a short wait for udev, no more
    udevadm settle --timeout=10 >/dev/null 2>&1 || true
    for ((i = 0; i < wait_seconds; i++)); do
      device="$(find_data_disk)"
      [ -n "$device" ] && break
      sleep 1
    done
  fi
  if [ -z "$device" ]; then
    log "no data disk at LUN $lun: $data not mounted, the home stays on the OS disk (tried again at every boot," \
      "or now: systemctl restart dsvm-data)"
    return 0
  fi
  if mountpoint -q "$data"; then log "$data is already mounted"; return 0; fi
  if blank "$device"; then
    format_blank "$device"
  else
    for part in $(partitions "$device"); do # a format of ours cut short: our partition, no filesystem yet
      if [ "$(probe PART_ENTRY_NAME "$part")" = "$label" ] && [ -z "$(probe TYPE "$part")" ] \
        && [ "$(partitions "$device" | wc -l)" -eq 1 ]; then
        log "finishing the format of $part (a format cut short on an earlier boot)"
        finish_format "$device" "$part"
      fi
    done
  fi
  part="$(volume "$device")"
  if [ -z "$part" ]; then
    log "$device holds data but no volume labelled $label: left as it is (never repartitioned or formatted)," \
      "$data not mounted"
    return 0
  fi
  fstype="$(probe TYPE "$part")"
  case "$fstype" in
    ext4)
      mkdir -p "$data"
      mount -t ext4 -o defaults,nodev "$part" "$data"
      log "mounted $part ($device, LUN $lun) at $data"
      ;;
    ntfs) mount_ntfs "$part" ;;
    *) log "$part is labelled $label but holds $fstype: left as it is, $data not mounted" ;;
  esac
}

temp_disk() {
  local device
  mountpoint -q "$temp" && return 0
  device="$(find_temp_disk)"
  [ -n "$device" ] || return 0
  if [ -z "$(blkid -p -o value "$device" 2>/dev/null || true)" ]; then
    log "formatting the local NVMe temp disk $device (Azure hands it over raw after every deallocation)"
    mkfs.ext4 -q -F -L dsvmtemp "$device"
  fi
  if [ "$(probe LABEL "$device")" = dsvmtemp ]; then
    mkdir -p "$temp"
    mount -t ext4 -o defaults,nodev,nosuid "$device" "$temp"
    log "mounted the temp disk $device at $temp (wiped by Azure at every deallocation)"
  else
    log "the local NVMe disk $device holds something else: left as it is, $temp not mounted"
  fi
}

if [ "${1:-}" = --which ]; then # print the data disk this VM would use, touch nothing
  find_data_disk
  exit 0
fi
data_disk
temp_disk
