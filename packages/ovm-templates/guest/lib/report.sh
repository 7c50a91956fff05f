# shellcheck shell=sh
# Step 7: tell the outside world. Console lines are written by each step as it goes; here the
# configured addresses go to the hypervisor channels the guest has (the qemu guest agent reports
# addresses on its own), and the final line says the guest is configured.

# Publishes NIC i's address through VBoxControl and, for NIC 0, xenstore-write, where present.
ims_publish_address() {
  publish_nic=$1
  publish_ip=${2%%/*}
  case $publish_ip in
    *:*) publish_family=V6 ;;
    *) publish_family=V4 ;;
  esac
  if ims_have_tool VBoxControl &&
    ! ims_sys VBoxControl --nologo guestproperty set "/IMS/Net/$publish_nic/$publish_family/IP" "$publish_ip" >/dev/null; then
    ims_warn "VBoxControl could not publish the address of NIC $publish_nic"
  fi
  if [ "$publish_nic" = 0 ] && ims_have_tool xenstore-write &&
    ! ims_sys xenstore-write data/ims/ip "$publish_ip"; then
    ims_warn "xenstore-write could not publish the address of NIC 0"
  fi
  return 0
}

# Says the configuration is complete.
ims_report_ready() {
  ims_say ready
}
