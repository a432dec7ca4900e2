#!/bin/bash
# dsvm-persist-home USER: keep USER's home directory on the data disk mounted at /data.
#
# The first VM copies the home there; a replacement VM (new OS disk, the same data disk
# re-attached) finds it and takes it back, with the SSH key it was provisioned with.
# The home is then bind-mounted over /home/USER (in /etc/fstab, nofail), so notebooks,
# conda environments and everything else the member makes lives on the data disk.
# Nothing here formats or deletes anything; without the data disk the home stays put.
# (DSVM_DATA, DSVM_HOMES and DSVM_FSTAB move the paths, for tests.)
set -euo pipefail
user="$1"
data="${DSVM_DATA:-/data}"
home="${DSVM_HOMES:-/home}/$user"
fstab="${DSVM_FSTAB:-/etc/fstab}"
kept="$data/home/$user"
log() { logger -t dsvm-persist-home "$*" || true; echo "dsvm-persist-home: $*"; }

for _ in $(seq 1 60); do
  mountpoint -q "$data" && break
  sleep 2
done
if ! mountpoint -q "$data"; then
  log "no data disk mounted at $data: $home stays on the OS disk"
  exit 0
fi
mkdir -p "$data/home"
if [ ! -d "$kept" ]; then
  cp -a "$home" "$kept"
  log "moved $home to the data disk ($kept)"
else
  # The key this VM was provisioned with is the one that must work (a key rotation replaces the VM).
  mkdir -p "$kept/.ssh"
  cp "$home/.ssh/authorized_keys" "$kept/.ssh/authorized_keys"
  chmod 700 "$kept/.ssh"
  chmod 600 "$kept/.ssh/authorized_keys"
  if [ "$(stat -c %u "$kept")" != "$(id -u "$user")" ]; then
    chown -R "$user:$user" "$kept"  # a new VM may give the user another uid
  else
    chown -R "$user:$user" "$kept/.ssh"
  fi
  log "found $kept on the data disk: taking it back"
fi
if ! grep -q "^$kept $home " "$fstab"; then
  echo "$kept $home none bind,nofail,x-systemd.requires-mounts-for=$data 0 0" >> "$fstab"
fi
mountpoint -q "$home" || mount "$home"
