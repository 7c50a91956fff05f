# shellcheck shell=sh
# Step 1: copy bootparams.conf from the boot-parameter disk (label cidata) to /etc/ims/. The disk is
# mounted only for the copy, so it stays idle for the rest of the guest's life.

ims_disk_mountpoint=
ims_disk_mounted=0

# Puts the boot parameters in place; returns 1 when there is nothing to configure from.
ims_fetch_bootparams() {
  fetch_dest=$(ims_path /etc/ims/bootparams.conf)
  if fetch_device=$(ims_find_bootparams_disk); then
    ims_say "boot-parameter disk $fetch_device"
    if ims_copy_from_disk "$fetch_device" "$fetch_dest"; then
      return 0
    fi
    fetch_problem="could not read bootparams.conf from $fetch_device"
  else
    fetch_problem="no boot-parameter disk (label cidata) found"
  fi
  if [ -f "$fetch_dest" ]; then
    ims_say "$fetch_problem; using the previous /etc/ims/bootparams.conf"
    return 0
  fi
  ims_say "$fetch_problem and there is no previous /etc/ims/bootparams.conf; nothing to configure"
  return 1
}

# Prints the disk's device, looking again once a second for up to IMS_DISK_WAIT seconds because
# virtio disks may appear after this runs.
ims_find_bootparams_disk() {
  find_waited=0
  find_limit=$(ims_disk_wait_seconds)
  until ims_probe_bootparams_disk; do
    if [ "$find_waited" -ge "$find_limit" ]; then
      return 1
    fi
    sleep 1
    find_waited=$((find_waited + 1))
  done
}

# Prints the disk's device when findfs, blkid -L or a scan of the usual disk names finds it.
ims_probe_bootparams_disk() {
  for probe_label in cidata CIDATA; do
    if probe_device=$(ims_tool findfs "LABEL=$probe_label" 2>/dev/null) && [ -n "$probe_device" ]; then
      printf '%s\n' "$probe_device"
      return 0
    fi
  done
  for probe_label in cidata CIDATA; do
    if probe_device=$(ims_tool blkid -L "$probe_label" 2>/dev/null) && [ -n "$probe_device" ]; then
      printf '%s\n' "$probe_device"
      return 0
    fi
  done
  probe_dev_dir=$(ims_path /dev)
  for probe_device in "$probe_dev_dir"/vd? "$probe_dev_dir"/sr? "$probe_dev_dir"/xvd? "$probe_dev_dir"/sd?; do
    [ -e "$probe_device" ] || continue
    probe_info=$(ims_tool blkid "$probe_device" 2>/dev/null) || continue
    case $probe_info in
      *' LABEL="cidata"'* | *' LABEL="CIDATA"'*)
        printf '%s\n' "$probe_device"
        return 0
        ;;
    esac
  done
  return 1
}

# Mounts the disk read-only on a fresh directory, copies bootparams.conf and unmounts at once.
ims_copy_from_disk() {
  copy_device=$1
  copy_dest=$2
  if ! ims_disk_mountpoint=$(mktemp -d "${TMPDIR:-/tmp}/ims-cidata.XXXXXX"); then
    ims_disk_mountpoint=
    ims_warn "cannot create a mount point for $copy_device"
    return 1
  fi
  # A signal may end the script between a successful mount and the next line.
  ims_disk_mounted=maybe
  if ims_tool mount -t iso9660 -o ro "$copy_device" "$ims_disk_mountpoint" 2>/dev/null ||
    ims_tool mount -t auto -o ro "$copy_device" "$ims_disk_mountpoint"; then
    ims_disk_mounted=1
  else
    ims_disk_mounted=0
    ims_warn "cannot mount $copy_device"
    ims_release_disk
    return 1
  fi
  copy_status=0
  if [ ! -f "$ims_disk_mountpoint/bootparams.conf" ]; then
    ims_warn "$copy_device has no bootparams.conf"
    copy_status=1
  elif ! ims_install_bootparams "$ims_disk_mountpoint/bootparams.conf" "$copy_dest"; then
    ims_warn "cannot copy bootparams.conf to /etc/ims/"
    copy_status=1
  fi
  ims_release_disk
  return "$copy_status"
}

# Copies the file to /etc/ims/bootparams.conf, readable by root only.
ims_install_bootparams() {
  install_dir=${2%/*}
  mkdir -p "$install_dir" && chmod 700 "$install_dir" && ims_write_file "$2" 600 <"$1"
}

# Unmounts the disk and removes the mount point, if this run mounted it; also runs at exit.
ims_release_disk() {
  [ -n "$ims_disk_mountpoint" ] || return 0
  case $ims_disk_mounted in
    1)
      if ! ims_tool umount "$ims_disk_mountpoint"; then
        ims_warn "cannot unmount $ims_disk_mountpoint"
        ims_disk_mountpoint=
        return 1
      fi
      ;;
    maybe) ims_tool umount "$ims_disk_mountpoint" 2>/dev/null || true ;;
  esac
  ims_disk_mounted=0
  rmdir "$ims_disk_mountpoint" || ims_warn "cannot remove the mount point $ims_disk_mountpoint"
  ims_disk_mountpoint=
}
