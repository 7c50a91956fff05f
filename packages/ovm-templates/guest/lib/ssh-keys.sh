# shellcheck shell=sh
# Step 5: root's authorized SSH keys. The keys from the boot parameters live in a block between two
# marker lines that each boot replaces; every other line of the file is kept as it is.

ims_keys_begin='# ims-managed begin: keys from the IMS boot parameters, replaced at every boot'
ims_keys_end='# ims-managed end'

# Installs IMS_SSH_KEY_1..IMS_SSH_KEY_COUNT in /root/.ssh/authorized_keys.
ims_install_ssh_keys() {
  keys_count=${IMS_SSH_KEY_COUNT:-0}
  keys_dir=$(ims_path /root/.ssh)
  keys_file=$keys_dir/authorized_keys
  if [ "$keys_count" -eq 0 ] && [ ! -f "$keys_file" ]; then
    return 0
  fi
  if ! mkdir -p "$keys_dir" || ! chmod 700 "$keys_dir"; then
    ims_warn "cannot create /root/.ssh"
    return 0
  fi
  if ! { ims_foreign_authorized_keys "$keys_file" && ims_managed_keys_block "$keys_count"; } |
    ims_write_file "$keys_file" 600; then
    ims_warn "cannot write /root/.ssh/authorized_keys"
    return 0
  fi
  ims_say "ssh keys for root: $keys_count"
}

# Prints the lines of the file that lie outside the IMS block.
ims_foreign_authorized_keys() {
  [ -f "$1" ] || return 0
  awk -v end="$ims_keys_end" '
    index($0, "# ims-managed begin") == 1 { inside = 1; next }
    inside && $0 == end { inside = 0; next }
    !inside { print }
  ' "$1"
}

# Prints the IMS block for the given number of keys (nothing for none).
ims_managed_keys_block() {
  [ "$1" -gt 0 ] || return 0
  printf '%s\n' "$ims_keys_begin"
  block_index=1
  while [ "$block_index" -le "$1" ]; do
    block_key=$(ims_param "IMS_SSH_KEY_$block_index")
    case $block_key in
      '') ims_warn "IMS_SSH_KEY_$block_index is missing or empty; skipped" ;;
      *'
'*) ims_warn "IMS_SSH_KEY_$block_index spans several lines; skipped" ;;
      '#'*) ims_warn "IMS_SSH_KEY_$block_index is a comment, not a key; skipped" ;;
      *) printf '%s\n' "$block_key" ;;
    esac
    block_index=$((block_index + 1))
  done
  printf '%s\n' "$ims_keys_end"
}
