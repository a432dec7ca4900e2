#!/bin/bash
# dsvm-persist-home USER: keep USER's home directory on the data disk mounted at /data (at every boot).
#
# Run by dsvm-data.service after dsvm-data-disk, before anyone can log in. The first VM copies the home to
# the disk; a replacement VM (new OS disk, the same data disk re-attached) finds it and takes it back, with
# the SSH keys this VM was provisioned with. The kept home is then bind-mounted over /home/USER (by this
# script at every boot, not by /etc/fstab: no `mount -a` ordering can put the bind before /data), so
# notebooks, conda environments and everything else the member makes live on the data disk.
# The copy is made in a staging directory, marked complete last, then renamed into place: a copy cut short
# is never taken for a home (it is removed and made again). Nothing here formats or deletes the member's
# files; without an ext4 data volume at /data (no disk, a Windows NTFS disk) the home stays where it is.
# (DSVM_DATA and DSVM_HOMES move the paths, for tests.)
set -euo pipefail
user="$1"
data="${DSVM_DATA:-/data}"
home="${DSVM_HOMES:-/home}/$user"
kept="$data/home/$user"
staging="$data/home/.$user.partial"
marker=".dsvm-home-complete"
log() { logger -t dsvm-persist-home "$*" 2>/dev/null || true; echo "dsvm-persist-home: $*"; }

if ! mountpoint -q "$data"; then
  log "no data disk mounted at $data: $home stays on the OS disk"
  exit 0
fi
fstype="$(findmnt -no FSTYPE --mountpoint "$data" || true)"
if [ "$fstype" != ext4 ]; then
  log "$data holds $fstype, not the Linux data volume: $home stays on the OS disk"
  exit 0
fi
if [ ! -d "$home" ]; then
  log "$user has no home directory $home: nothing to keep"
  exit 0
fi
mkdir -p "$data/home"
if [ ! -d "$kept" ]; then
  rm -rf "$staging" # a copy cut short on an earlier boot
  cp -a "$home" "$staging"
  sync -f "$staging"
  touch "$staging/$marker"
  sync -f "$staging"
  mv -T "$staging" "$kept"
  log "moved $home to the data disk ($kept)"
else
  if [ ! -e "$kept/$marker" ]; then # kept by an earlier version, which wrote no marker
    touch "$kept/$marker"
  fi
  # The keys this VM was provisioned with are the ones that must work (a key rotation replaces the VM): a
  # VM without authorized_keys (Entra ID login only) must not keep the old VM's keys either.
  mkdir -p "$kept/.ssh"
  chmod 700 "$kept/.ssh"
  if [ -f "$home/.ssh/authorized_keys" ]; then
    cp "$home/.ssh/authorized_keys" "$kept/.ssh/authorized_keys"
    chmod 600 "$kept/.ssh/authorized_keys"
  else
    rm -f "$kept/.ssh/authorized_keys"
    log "this VM was given no SSH key for $user: removed the old VM's authorized_keys from $kept"
  fi
  if [ "$(stat -c %u "$kept")" != "$(id -u "$user")" ]; then
    chown -R "$user:$user" "$kept" # a new VM may give the user another uid
  else
    chown -R "$user:$user" "$kept/.ssh"
  fi
  log "found $kept on the data disk: taking it back"
fi
if ! mountpoint -q "$home"; then
  mount --bind "$kept" "$home"
fi
