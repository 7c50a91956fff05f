#!/usr/bin/env bash
# The demo: the ims CLI in a throw-away IMS_HOME (.ims-demo/). First the host: provider discovery,
# configuration validated against the provider's schema, refusals of bad input. Then, on the
# embedded default provider, libvirt: a real tiny guest built from Debian packages, started with
# boot parameters, its address reported by the guest, metrics, suspend/resume, stop, delete.
# Each step shows the command, its output and its exit code, and checks the code is the expected one.
set -uo pipefail
cd "$(dirname "$0")/.." || exit
export IMS_HOME="$PWD/.ims-demo"
rm -rf "$IMS_HOME"
mkdir -m 700 "$IMS_HOME"
unexpected=0

step() { # expected-exit-code description -- ims words...
  local expected=$1 what=$2; shift 3
  printf '\n\033[1m# %s\033[0m\n$ ims %s\n' "$what" "$*"
  node packages/core/bin/ims.js "$@"
  local code=$?
  if [ "$code" = "$expected" ]; then printf '(exit %s)\n' "$code"; else printf '(exit %s, expected %s)\n' "$code" "$expected"; unexpected=1; fi
}

step 0 'Installed providers, from their manifests only (no provider code runs)' -- plugins
step 0 'The same, importing and checking each provider' -- plugins --verify --json
step 0 'The libvirt provider options, from its config schema' -- config create lab --provider libvirt --help
step 2 'Options are validated against the schema' -- config create lab2 --provider libvirt --domain-type xen
step 2 'Hostile names never reach a provider' -- config create 'a;rm -rf /' --provider libvirt
step 3 'Unknown providers are named' -- config create lab3 --provider hyper-v

# libvirt: use a running libvirtd, or start one (and stop it again at the end).
started_libvirtd=0
if ! virsh -c qemu:///system version >/dev/null 2>&1; then
  if command -v libvirtd >/dev/null 2>&1 && command -v tini >/dev/null 2>&1; then
    bash scripts/libvirtd.sh start && started_libvirtd=1
  fi
fi
if ! virsh -c qemu:///system version >/dev/null 2>&1; then
  echo
  echo 'libvirtd is not reachable, so the libvirt part of the demo is skipped.'
  echo "Install what it needs with 'bash scripts/setup.sh', start it with 'bash scripts/libvirtd.sh start', and run 'pnpm demo' again."
  exit $unexpected
fi
pool="ims-demo-$$"
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  virsh -q -c qemu:///system pool-destroy "$pool" >/dev/null 2>&1
  virsh -q -c qemu:///system pool-undefine "$pool" >/dev/null 2>&1
  if [ "$started_libvirtd" = 1 ]; then bash scripts/libvirtd.sh stop; fi
}
trap cleanup EXIT

printf '\n\033[1m# A tiny JeOS template (Debian kernel + busybox + the IMS boot scripts), cached after the first build\033[0m\n'
packages/ovm-templates/bin/ims-template-build --base busybox --name demo-bb --out "$IMS_HOME/templates" || unexpected=1

step 0 'A libvirt configuration for software-emulated guests (no KVM here)' -- config create lab --provider libvirt --domain-type qemu --pool "$pool" --pool-path "$IMS_HOME/pool"
step 0 'Connect and say what is there' -- config test lab
step 0 'Import the template into the storage pool' -- template import lab "$IMS_HOME/templates/demo-bb.tgz"
step 0 'Create a VM with an address and a hostile-looking parameter, start it, wait for the guest to report its address' -- \
  vm create lab web-1 --template demo-bb --ip 10.0.2.15/24 --gateway 10.0.2.2 --dns 10.0.2.3 --param "motd=it's \$(not) run" --start --wait-ip=90
step 0 'Addresses: configured, and reported by the guest agent' -- vm ip web-1
step 0 'State, in the common model and in libvirt'"'"'s own word' -- vm status web-1 --json
step 0 'CPU and memory' -- vm metrics web-1
step 0 'Suspend' -- vm suspend web-1
step 0 'Resume' -- vm resume web-1
step 0 'Every domain libvirt has, managed or not' -- vm list --config lab --all
step 0 'Graceful stop (guest agent, then ACPI)' -- vm stop web-1 --timeout 60
step 0 'Delete the VM and all its volumes' -- vm delete web-1
step 0 'Delete the template' -- template delete lab demo-bb
step 0 'Delete the configuration' -- config delete lab
step 0 'What is installed' -- doctor

printf '\nState is in %s\n' "$IMS_HOME"
if [ $unexpected = 0 ]; then echo 'Demo finished: every step behaved as expected.'; else echo 'Demo finished with unexpected exit codes (see above).'; fi
exit $unexpected
