# shellcheck shell=bash
# Command line of ims-template-build: parsing and validation. Every mistake exits with code 2.

readonly NAME_PATTERN='^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$'
readonly HOOK_NAME_PATTERN='^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$'

OPT_BASE=''
OPT_NAME=''
OPT_OUT=''
OPT_APP=''
OPT_SIZE_MB=''
OPT_MEMORY_MB=''
OPT_GUEST_DIR=''
OPT_SSH=false
OPT_HOOKS=()

print_usage() {
  cat <<'EOF'
Usage: ims-template-build --base busybox|debootstrap --name NAME --out DIR [options]

Builds an OVM-layout VM template: DIR/NAME/ (System.img, Application.img, Bootparams.img, vmlinuz,
initrd.img, vm.cfg, template.json, README) and DIR/NAME.tgz with the same files at its root.

Required:
  --base BASE        busybox (a few MiB, boots in seconds) or debootstrap (Debian 12 minbase + systemd)
  --name NAME        template name: letters, digits, '.', '_', '-'; starts with a letter or digit;
                     at most 63 characters
  --out DIR          output directory; created if missing, refused if it exists and is not empty

Options:
  --app DIR|ARCHIVE  application content for Application.img (a directory, or a .tar, .tgz or .tar.gz
                     archive); without it Application.img is a small empty ext4 file system
  --hook FILE        install FILE as an executable boot hook in /etc/ims/boot.d/ of System.img
                     (repeatable; runs at every boot with the IMS_* boot parameters in its environment)
  --size-mb N        size of System.img in MiB (default: 64 for busybox, 1024 for debootstrap, more
                     when the content needs it)
  --memory-mb N      memory in vm.cfg (default: 256 for busybox, 512 for debootstrap)
  --ssh              debootstrap only: include openssh-server (host keys are made at first boot)
  --guest-dir DIR    the IMS boot scripts to install (default: the package's guest/ directory)
  -h, --help         show this help

Environment:
  IMS_TEMPLATE_CACHE  where downloaded .deb files are kept (default: ~/.cache/ims-templates)
  IMS_TEMPLATE_MIRROR Debian mirror for debootstrap (default: taken from the apt sources)
  SOURCE_DATE_EPOCH   the time stamp written into images and archives (default: 1704067200)

Exit codes: 0 built, 1 the build failed, 2 the command line is wrong.
EOF
}

# need_value OPTION ARGC — an option that takes a value was given none.
need_value() {
  if (($2 < 2)); then
    usage_error "$1 needs a value"
  fi
}

parse_args() {
  while (($# > 0)); do
    case "$1" in
      -h | --help)
        print_usage
        exit 0
        ;;
      --base | --name | --out | --app | --size-mb | --memory-mb | --guest-dir | --hook)
        need_value "$1" "$#"
        set_option "$1" "$2"
        shift 2
        ;;
      --base=* | --name=* | --out=* | --app=* | --size-mb=* | --memory-mb=* | --guest-dir=* | --hook=*)
        set_option "${1%%=*}" "${1#*=}"
        shift
        ;;
      --ssh)
        OPT_SSH=true
        shift
        ;;
      --)
        shift
        (($# == 0)) || usage_error "unexpected argument '$1'"
        ;;
      *)
        usage_error "unknown argument '$1'"
        ;;
    esac
  done
  validate_args
}

set_option() {
  case "$1" in
    --base) OPT_BASE=$2 ;;
    --name) OPT_NAME=$2 ;;
    --out) OPT_OUT=$2 ;;
    --app) OPT_APP=$2 ;;
    --size-mb) OPT_SIZE_MB=$2 ;;
    --memory-mb) OPT_MEMORY_MB=$2 ;;
    --guest-dir) OPT_GUEST_DIR=$2 ;;
    --hook) OPT_HOOKS+=("$2") ;;
  esac
}

# is_count VALUE MIN MAX — VALUE is a decimal integer within [MIN, MAX].
is_count() {
  [[ $1 =~ ^[1-9][0-9]{0,6}$ ]] && (($1 >= $2 && $1 <= $3))
}

validate_args() {
  [[ -n ${OPT_BASE} ]] || usage_error "--base is required (busybox or debootstrap)"
  case "${OPT_BASE}" in
    busybox | debootstrap) ;;
    *) usage_error "unknown base '${OPT_BASE}': use busybox or debootstrap" ;;
  esac

  [[ -n ${OPT_NAME} ]] || usage_error "--name is required"
  if ! [[ ${OPT_NAME} =~ ${NAME_PATTERN} ]]; then
    usage_error "invalid template name '${OPT_NAME}': use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit"
  fi

  [[ -n ${OPT_OUT} ]] || usage_error "--out is required"
  if [[ -e ${OPT_OUT} || -L ${OPT_OUT} ]]; then
    [[ -d ${OPT_OUT} ]] || usage_error "--out '${OPT_OUT}' exists and is not a directory"
    if [[ -n $(find "${OPT_OUT}" -mindepth 1 -maxdepth 1 -print -quit) ]]; then
      usage_error "--out '${OPT_OUT}' exists and is not empty: choose a new or empty directory"
    fi
  fi

  if [[ -n ${OPT_APP} ]]; then
    if [[ -d ${OPT_APP} ]]; then
      :
    elif [[ -f ${OPT_APP} ]]; then
      case "${OPT_APP}" in
        *.tar | *.tgz | *.tar.gz) ;;
        *) usage_error "--app '${OPT_APP}' is neither a directory nor a .tar, .tgz or .tar.gz archive" ;;
      esac
    else
      usage_error "--app '${OPT_APP}' does not exist"
    fi
  fi

  local hook
  for hook in "${OPT_HOOKS[@]}"; do
    [[ -f ${hook} ]] || usage_error "--hook '${hook}' is not a file"
    if ! [[ $(basename -- "${hook}") =~ ${HOOK_NAME_PATTERN} ]]; then
      usage_error "--hook '${hook}': the file name must be letters, digits, '.', '_' or '-'"
    fi
  done

  if [[ -n ${OPT_SIZE_MB} ]] && ! is_count "${OPT_SIZE_MB}" 16 1048576; then
    usage_error "--size-mb '${OPT_SIZE_MB}' must be a whole number of MiB from 16 to 1048576"
  fi
  if [[ -n ${OPT_MEMORY_MB} ]] && ! is_count "${OPT_MEMORY_MB}" 64 1048576; then
    usage_error "--memory-mb '${OPT_MEMORY_MB}' must be a whole number of MiB from 64 to 1048576"
  fi
  if [[ ${OPT_SSH} == true && ${OPT_BASE} != debootstrap ]]; then
    usage_error "--ssh needs --base debootstrap (the busybox base has no SSH server)"
  fi
  if [[ -n ${OPT_GUEST_DIR} && ! -d ${OPT_GUEST_DIR} ]]; then
    usage_error "--guest-dir '${OPT_GUEST_DIR}' is not a directory"
  fi
}
