# shellcheck shell=sh
# Shared by every step of ims-bootconfig: the (possibly fake) root, console lines, file writing,
# tool lookup and the wrappers around commands that change the live system.
#
# With ROOT set to a directory the script works on that tree instead of the guest: files are read
# and written below it, and commands that would change the live system (hostname, ip, dhcp clients,
# hypervisor tools) are not run but appended to $ROOT/.ims-actions.log.

# Fixes the context for this run; reads the environment once, before bootparams.conf can set anything.
ims_context_init() {
  ims_lib_dir=$1
  ims_root=${ROOT:-}
  ims_console=${IMS_CONSOLE:-}
  if [ -z "$ims_console" ]; then
    if [ -n "$ims_root" ]; then ims_console=-; else ims_console=/dev/console; fi
  fi
  # Console lines go to fd 9 so that steps may call ims_say while their stdout feeds a file.
  exec 9>&1
  ims_disk_wait=${IMS_DISK_WAIT:-}
  if [ -z "$ims_disk_wait" ]; then
    if [ -n "$ims_root" ]; then ims_disk_wait=0; else ims_disk_wait=5; fi
  fi
  case $ims_disk_wait in
    *[!0-9]*)
      ims_warn "IMS_DISK_WAIT '$(ims_printable "$ims_disk_wait")' is not a number of seconds; not waiting"
      ims_disk_wait=0
      ;;
  esac
  if [ -n "$ims_root" ]; then
    : >"$ims_root/.ims-actions.log"
  fi
}

# True when working on a fake root rather than the live guest.
ims_is_fake() {
  [ -n "$ims_root" ]
}

# Prints the path of a guest file, below the fake root when there is one.
ims_path() {
  printf '%s%s\n' "$ims_root" "$1"
}

# Prints the path of a helper file installed beside the scripts.
ims_lib_file() {
  printf '%s/%s\n' "$ims_lib_dir" "$1"
}

# Prints how many seconds to keep looking for the boot-parameter disk.
ims_disk_wait_seconds() {
  printf '%s\n' "$ims_disk_wait"
}

# Writes one 'IMS: ' line to the console.
ims_say() {
  if [ "$ims_console" = - ]; then
    printf 'IMS: %s\n' "$*" >&9
  elif ! printf 'IMS: %s\n' "$*" 2>/dev/null >>"$ims_console"; then
    printf 'IMS: %s\n' "$*" >&2
  fi
}

# Writes a warning line to the console.
ims_warn() {
  ims_say "warning: $*"
}

# Prints a value with every character but printable ASCII replaced by '?', for console lines.
ims_printable() {
  printf '%s' "$1" | tr -c ' -~' '?'
}

# Prints its argument in lower case.
ims_lowercase() {
  printf '%s\n' "$1" | tr '[:upper:]' '[:lower:]'
}

# Prints the value of an exported variable whose name is computed (IMS_NET0_MAC...), without eval.
ims_param() {
  awk -v name="$1" 'BEGIN { if (name in ENVIRON) printf "%s", ENVIRON[name] }'
}

# Replaces a file with standard input, atomically, with the given mode.
ims_write_file() {
  write_dest=$1
  write_mode=$2
  write_tmp=$write_dest.ims-new
  if ! (umask 077 && cat >"$write_tmp"); then
    rm -f "$write_tmp"
    return 1
  fi
  if ! chmod "$write_mode" "$write_tmp" || ! mv -f "$write_tmp" "$write_dest"; then
    rm -f "$write_tmp"
    return 1
  fi
}

# Prints the path of the first executable NAME on PATH.
ims_which() {
  which_rest=$PATH:
  while [ -n "$which_rest" ]; do
    which_dir=${which_rest%%:*}
    which_rest=${which_rest#*:}
    [ -n "$which_dir" ] || which_dir=.
    if [ -f "$which_dir/$1" ] && [ -x "$which_dir/$1" ]; then
      printf '%s\n' "$which_dir/$1"
      return 0
    fi
  done
  return 1
}

# Runs a tool found on PATH. A busybox shell would otherwise run its built-in applet of that name
# and ignore PATH; on a fake root a tool missing from PATH is never replaced by an applet.
ims_tool() {
  if ! tool_path=$(ims_which "$1"); then
    if ims_is_fake; then
      printf '%s: not found on PATH\n' "$1" >&2
      return 127
    fi
    tool_path=$1
  fi
  shift
  "$tool_path" "$@"
}

# True when the guest has the tool (on a fake root: when PATH has it).
ims_have_tool() {
  if ims_which "$1" >/dev/null; then
    return 0
  fi
  if ims_is_fake; then
    return 1
  fi
  command -v "$1" >/dev/null 2>&1
}

# Runs a command that changes the live system; on a fake root only records it.
ims_sys() {
  if ims_is_fake; then
    printf '%s\n' "$*" >>"$ims_root/.ims-actions.log"
    return 0
  fi
  ims_tool "$@"
}

# Prints the first IPv4 address/prefix of an interface. On a fake root the answer is the content
# of $ROOT/.ims-fake-ipv4/<interface>, when that file exists.
ims_sys_ipv4_of() {
  if ims_is_fake; then
    printf 'ip -o -4 addr show dev %s\n' "$1" >>"$ims_root/.ims-actions.log"
    if [ -f "$ims_root/.ims-fake-ipv4/$1" ]; then
      cat "$ims_root/.ims-fake-ipv4/$1"
    fi
    return 0
  fi
  ims_tool ip -o -4 addr show dev "$1" 2>/dev/null | awk '{ print $4; exit }'
}
