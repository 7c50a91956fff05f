#!/usr/bin/env bash
# The demo: the ims CLI in a throw-away IMS_HOME (.ims-demo/). First the host: provider discovery,
# configuration validated against the provider's schema, refusals of bad input. Then the same VM
# life cycle on each provider, from one template built here (Debian kernel + busybox + the IMS
# boot scripts): on the embedded default, libvirt, a real tiny guest started with boot parameters,
# its address reported by the guest, metrics, suspend/resume, stop, delete; then Oracle VM 2.2 on
# the OVM Manager simulator (dom0 = this machine), and VirtualBox on the VBoxManage simulator.
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

libvirt_part() {
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
    return
  fi
  pool="ims-demo-$$"
  # The pool lives outside the private IMS_HOME: QEMU runs as its own user and must reach the disks.
  pool_dir=$(mktemp -d /tmp/ims-demo-pool.XXXXXX) && chmod 755 "$pool_dir"
  # shellcheck disable=SC2317  # called by the EXIT trap
  cleanup_libvirt() {
    virsh -q -c qemu:///system pool-destroy "$pool" >/dev/null 2>&1
    virsh -q -c qemu:///system pool-undefine "$pool" >/dev/null 2>&1
    rm -rf "$pool_dir"
    if [ "$started_libvirtd" = 1 ]; then bash scripts/libvirtd.sh stop; fi
  }

  step 0 'A libvirt configuration for software-emulated guests (no KVM here)' -- config create lab --provider libvirt --domain-type qemu --pool "$pool" --pool-path "$pool_dir"
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
}

ovm_part() {
  printf '\n\033[1m# Oracle VM 2.2 on the OVM Manager simulator (SOAP over HTTP on 127.0.0.1), dom0 = this machine\033[0m\n'
  local ovs="$IMS_HOME/ovm/OVS" out="$IMS_HOME/ovm/simulator.out"
  mkdir -p "$ovs"
  export OVM_PASSWORD=demo-secret
  node packages/provider-ovm/bin/ims-ovm-manager-sim.js --ovs-root "$ovs" --user admin --password-env OVM_PASSWORD >"$out" 2>"$IMS_HOME/ovm/simulator.log" &
  ovm_simulator=$!
  local url='' xentop='' _
  for _ in $(seq 100); do
    url=$(sed -n 's/^listening //p' "$out")
    xentop=$(sed -n 's/^xentop //p' "$out")
    [ -n "$url" ] && [ -n "$xentop" ] && break
    sleep 0.1
  done
  if [ -z "$url" ]; then
    echo 'The OVM Manager simulator did not start:'; cat "$IMS_HOME/ovm/simulator.log"; unexpected=1; return
  fi
  echo "simulator at $url, dom0 tools: $xentop"
  step 0 'An OVM configuration: Manager URL and user, password from the environment (kept in secrets.json, 0600)' -- \
    config create ovm-lab --provider ovm --manager-url "$url" --username admin --password-env OVM_PASSWORD \
    --server-pool pool1 --dom0-host local --ovs-root "$ovs" --xentop-command "$xentop"
  step 0 'The password is never shown' -- config show ovm-lab
  step 0 'Connect to the Manager' -- config test ovm-lab
  step 0 'Import the template: checked, extracted into seed_pool, registered and approved' -- template import ovm-lab "$IMS_HOME/templates/demo-bb.tgz"
  step 0 'Create a VM (copied into running_pool; MAC set in vm.cfg), start it with its boot image as Bootparams.img' -- \
    vm create ovm-lab db-1 --template demo-bb --ip 10.0.2.16/24 --gateway 10.0.2.2 --param "motd=it's \$(not) run" --start --wait-ip=60
  step 0 'Addresses: configured, and the one the guest reported to the Manager' -- vm ip db-1
  step 0 'CPU and memory, from xentop in dom0' -- vm metrics db-1
  step 0 'Suspend' -- vm suspend db-1
  step 0 'Resume' -- vm resume db-1
  step 0 'Graceful stop' -- vm stop db-1 --timeout 30
  step 0 'Delete the VM and its files' -- vm delete db-1
  step 0 'Delete the template' -- template delete ovm-lab demo-bb
  step 0 'Delete the configuration' -- config delete ovm-lab
  kill "$ovm_simulator" && wait "$ovm_simulator" 2>/dev/null
  ovm_simulator=''
}

vbox_part() {
  printf '\n\033[1m# VirtualBox on the VBoxManage simulator (a VBoxManage-compatible executable, VirtualBox 7.1 output)\033[0m\n'
  export VBOXSIM_HOME="$IMS_HOME/vbox/state" VBOXSIM_VERSION=7.1
  mkdir -p "$VBOXSIM_HOME"
  step 0 'A VirtualBox configuration on this machine, with the simulator as its VBoxManage' -- \
    config create vbox-lab --provider virtualbox --vbox-manage "$PWD/packages/provider-virtualbox/bin/vboxmanage-sim.js"
  step 0 'Which VirtualBox' -- config test vbox-lab
  step 0 'Import the template: disks converted to VDI, a template VM with a base snapshot' -- template import vbox-lab "$IMS_HOME/templates/demo-bb.tgz"
  step 0 'Create a linked clone, start it with the boot ISO and guest properties, wait for the guest to report' -- \
    vm create vbox-lab app-1 --template demo-bb --ip 10.0.2.17/24 --gateway 10.0.2.2 --param "motd=it's \$(not) run" --start --wait-ip=60
  step 0 'Addresses: configured, and reported by the guest (guest properties, matched by MAC)' -- vm ip app-1
  step 0 'CPU and memory (one metrics query for all VMs)' -- vm metrics app-1
  step 0 'Suspend (save state)' -- vm suspend app-1
  step 0 'Resume' -- vm resume app-1
  step 0 'Graceful stop (ACPI)' -- vm stop app-1 --timeout 30
  step 0 'Delete the VM and its disks' -- vm delete app-1
  step 0 'Delete the template' -- template delete vbox-lab demo-bb
  step 0 'Delete the configuration' -- config delete vbox-lab
}

printf '\n\033[1m# A tiny JeOS template (Debian kernel + busybox + the IMS boot scripts), cached after the first build\033[0m\n'
if ! packages/ovm-templates/bin/ims-template-build --base busybox --name demo-bb --out "$IMS_HOME/templates"; then
  echo "The template could not be built; install what it needs with 'bash scripts/setup.sh'."
  exit 1
fi

ovm_simulator=''
# shellcheck disable=SC2317  # called by the EXIT trap
stop_simulators() {
  if [ -n "$ovm_simulator" ]; then kill "$ovm_simulator" 2>/dev/null; fi
}
# shellcheck disable=SC2317  # replaced by libvirt_part once it has something to clean up
cleanup_libvirt() { :; }
trap 'stop_simulators; cleanup_libvirt' EXIT

libvirt_part
ovm_part
vbox_part
step 0 'What is installed' -- doctor

printf '\nState is in %s\n' "$IMS_HOME"
if [ $unexpected = 0 ]; then echo 'Demo finished: every step behaved as expected.'; else echo 'Demo finished with unexpected exit codes (see above).'; fi
exit $unexpected
