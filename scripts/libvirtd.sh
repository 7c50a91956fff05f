#!/usr/bin/env bash
# Starts or stops libvirtd (and virtlogd) for tests and demos on a machine without systemd.
# `start` does nothing when a daemon already answers; `stop` stops only what `start` started,
# by the PIDs it recorded. libvirt's default NAT network is never started.
set -euo pipefail
RUN=/run/ims-test-daemons
mkdir -p "$RUN"
answers() { virsh -c qemu:///system version >/dev/null 2>&1; }

start() {
  if answers; then echo "libvirtd already running"; return 0; fi
  # What udev would do: lets libvirt skip re-probing QEMU on every start and define.
  if [ -e /dev/kvm ]; then chgrp kvm /dev/kvm 2>/dev/null || true; chmod 0660 /dev/kvm || true; fi
  rm -f /etc/libvirt/qemu/networks/autostart/default.xml
  if ! pgrep -F /run/virtlogd.pid >/dev/null 2>&1; then
    virtlogd -d
    for _ in $(seq 50); do [ -s /run/virtlogd.pid ] && break; sleep 0.1; done
    cp /run/virtlogd.pid "$RUN/virtlogd.pid"
  fi
  # tini reaps qemu processes at once (PID 1 here reaps orphans slowly).
  setsid nohup tini -s -- libvirtd >"$RUN/libvirtd.log" 2>&1 </dev/null &
  echo $! >"$RUN/libvirtd.pid"
  for _ in $(seq 300); do answers && { echo "libvirtd started (pid $(cat "$RUN/libvirtd.pid"))"; return 0; }; sleep 0.1; done
  echo "libvirtd did not answer within 30 s; its log:" >&2
  tail -20 "$RUN/libvirtd.log" >&2
  return 1
}

stop_pid() { # file
  [ -s "$1" ] || return 0
  local pid; pid=$(cat "$1")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}

stop() {
  stop_pid "$RUN/libvirtd.pid"
  stop_pid "$RUN/virtlogd.pid"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
