# shellcheck shell=sh
# Step 2: check /etc/ims/bootparams.conf, then load it. Sourcing the checked file is the only
# evaluation of boot-parameter text anywhere in these scripts.

# Largest bootparams.conf accepted, as in the contract (64 KiB).
ims_bootparams_max_bytes=65536

# Loads the boot parameters into the environment (every key exported); returns 1 when refused.
ims_load_bootparams() {
  load_file=$(ims_path /etc/ims/bootparams.conf)
  if ! load_problem=$(ims_check_bootparams_file "$load_file"); then
    ims_say "refused /etc/ims/bootparams.conf: $load_problem"
    return 1
  fi
  ims_forget_inherited_params
  set -a
  # shellcheck source=/dev/null
  . "$load_file"
  set +a
  if ! load_problem=$(ims_check_bootparams_values); then
    ims_say "refused /etc/ims/bootparams.conf: $load_problem"
    return 1
  fi
}

# Prints what is wrong with the file's form, if anything.
ims_check_bootparams_file() {
  if [ ! -r "$1" ]; then
    echo "cannot read it"
    return 1
  fi
  check_size=$(wc -c <"$1")
  if [ "$((check_size))" -gt "$ims_bootparams_max_bytes" ]; then
    echo "it has $((check_size)) bytes, more than the limit of $ims_bootparams_max_bytes"
    return 1
  fi
  check_nuls=$(tr -cd '\000' <"$1" | wc -c)
  if [ "$((check_nuls))" -ne 0 ]; then
    echo "it contains NUL bytes"
    return 1
  fi
  awk -f "$(ims_lib_file validate-bootparams.awk)" "$1"
}

# Drops IMS_* variables inherited from the environment, so only the file's keys reach the hooks.
ims_forget_inherited_params() {
  for forget_name in $(env | awk -F= '/^IMS_[A-Z0-9_]*=/ { print $1 }'); do
    unset "$forget_name"
  done
}

# Prints what is wrong with the loaded values the scripts rely on, if anything.
ims_check_bootparams_values() {
  case ${IMS_BOOTPARAMS_VERSION:-} in
    1) ;;
    '')
      echo "IMS_BOOTPARAMS_VERSION is missing"
      return 1
      ;;
    *)
      echo "IMS_BOOTPARAMS_VERSION is '$(ims_printable "$IMS_BOOTPARAMS_VERSION")'; this guest understands version 1"
      return 1
      ;;
  esac
  for check_key in IMS_NET_COUNT IMS_SSH_KEY_COUNT; do
    check_value=$(ims_param "$check_key")
    case $check_value in
      '') ;;
      *[!0-9]* | ?????*)
        echo "$check_key is '$(ims_printable "$check_value")', not a count"
        return 1
        ;;
    esac
  done
}
