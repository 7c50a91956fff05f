# shellcheck shell=sh
# Step 3: the guest's name, in /etc/hostname, the kernel and /etc/hosts.

# Sets the hostname from IMS_HOSTNAME (IMS_VM_NAME when there is none).
ims_apply_hostname() {
  host_name=${IMS_HOSTNAME:-${IMS_VM_NAME:-}}
  if [ -z "$host_name" ]; then
    ims_say "no hostname in the boot parameters; hostname left unchanged"
    return 0
  fi
  if ! ims_is_valid_hostname "$host_name"; then
    ims_warn "'$(ims_printable "$host_name")' is not a valid host name; hostname left unchanged"
    return 0
  fi
  mkdir -p "$(ims_path /etc)"
  if ! printf '%s\n' "$host_name" | ims_write_file "$(ims_path /etc/hostname)" 644; then
    ims_warn "cannot write /etc/hostname"
  fi
  if ! ims_sys hostname "$host_name"; then
    ims_warn "cannot set the hostname to $host_name"
  fi
  if ! ims_update_hosts_file "$host_name"; then
    ims_warn "cannot update /etc/hosts"
  fi
  ims_say "hostname $host_name"
}

# True for a name made of letters, digits, dots and dashes, as /etc/hosts and DNS accept.
ims_is_valid_hostname() {
  case $1 in
    '' | *[!A-Za-z0-9.-]* | [.-]* | *. | *..*) return 1 ;;
  esac
  [ "${#1}" -le 253 ]
}

# Makes /etc/hosts map 127.0.1.1 to the name, replacing any earlier 127.0.1.1 line.
ims_update_hosts_file() {
  hosts_file=$(ims_path /etc/hosts)
  if [ -f "$hosts_file" ]; then
    awk -v name="$1" '
      /^[[:blank:]]*127\.0\.1\.1([[:blank:]]|$)/ {
        if (!done) print "127.0.1.1 " name
        done = 1
        next
      }
      { print }
      END { if (!done) print "127.0.1.1 " name }
    ' "$hosts_file" | ims_write_file "$hosts_file" 644
  else
    printf '127.0.0.1 localhost\n127.0.1.1 %s\n' "$1" | ims_write_file "$hosts_file" 644
  fi
}
