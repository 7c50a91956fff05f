# shellcheck shell=sh
# Step 4: each NIC of the boot parameters (IMS_NETi_MAC/ADDRESS/GATEWAY) on the interface with
# that MAC, static or by DHCP, and the DNS servers.

# Configures NICs 0..IMS_NET_COUNT-1, then /etc/resolv.conf.
ims_configure_network() {
  net_count=${IMS_NET_COUNT:-0}
  net_index=0
  while [ "$net_index" -lt "$net_count" ]; do
    ims_configure_nic "$net_index"
    net_index=$((net_index + 1))
  done
  ims_write_resolv_conf
}

# Configures one NIC; problems are reported and the other NICs still get configured.
ims_configure_nic() {
  nic_index=$1
  nic_mac=$(ims_lowercase "$(ims_param "IMS_NET${nic_index}_MAC")")
  nic_address=$(ims_param "IMS_NET${nic_index}_ADDRESS")
  nic_gateway=$(ims_param "IMS_NET${nic_index}_GATEWAY")
  if [ -z "$nic_mac" ]; then
    ims_warn "IMS_NET${nic_index}_MAC is missing; NIC $nic_index skipped"
    return 0
  fi
  if ! nic_iface=$(ims_interface_with_mac "$nic_mac"); then
    ims_warn "no interface has MAC $(ims_printable "$nic_mac"); NIC $nic_index skipped"
    return 0
  fi
  case $nic_address in
    dhcp) ims_configure_dhcp ;;
    '') ims_warn "IMS_NET${nic_index}_ADDRESS is missing; $nic_iface left unconfigured" ;;
    *) ims_configure_static ;;
  esac
}

# Prints the name of the interface whose MAC address matches, ignoring case.
ims_interface_with_mac() {
  for mac_file in "$(ims_path /sys/class/net)"/*/address; do
    [ -f "$mac_file" ] || continue
    if [ "$(ims_lowercase "$(cat "$mac_file")")" = "$1" ]; then
      mac_iface=${mac_file%/address}
      printf '%s\n' "${mac_iface##*/}"
      return 0
    fi
  done
  return 1
}

# Gives nic_iface the address nic_address and, when set, the default route via nic_gateway.
ims_configure_static() {
  if ! ims_sys ip addr flush dev "$nic_iface" ||
    ! ims_sys ip addr add "$nic_address" dev "$nic_iface" ||
    ! ims_sys ip link set "$nic_iface" up; then
    ims_warn "cannot give $nic_iface the address $(ims_printable "$nic_address")"
    return 0
  fi
  if [ -n "$nic_gateway" ]; then
    case $nic_gateway in
      *:*) nic_route_family=-6 ;;
      *) nic_route_family=-4 ;;
    esac
    if ! ims_sys ip "$nic_route_family" route replace default via "$nic_gateway" dev "$nic_iface"; then
      ims_warn "cannot set the default route via $(ims_printable "$nic_gateway")"
    fi
  fi
  ims_say "configured $nic_iface $nic_mac $(ims_printable "$nic_address")"
  ims_publish_address "$nic_index" "$nic_address"
}

# Asks a DHCP server for nic_iface's address with udhcpc or, failing that, dhclient.
ims_configure_dhcp() {
  if ! ims_sys ip link set "$nic_iface" up; then
    ims_warn "cannot bring $nic_iface up"
    return 0
  fi
  if ims_have_tool udhcpc; then
    dhcp_client=udhcpc
    set -- udhcpc -i "$nic_iface" -n -q
  elif ims_have_tool dhclient; then
    dhcp_client=dhclient
    set -- dhclient "$nic_iface"
  else
    ims_warn "no DHCP client (udhcpc or dhclient) in this guest; $nic_iface left unconfigured"
    return 0
  fi
  ims_say "dhcp on $nic_iface with $dhcp_client"
  if ! ims_sys "$@"; then
    ims_warn "$dhcp_client got no lease for $nic_iface"
  fi
  dhcp_address=$(ims_sys_ipv4_of "$nic_iface")
  if [ -z "$dhcp_address" ]; then
    ims_warn "$nic_iface has no IPv4 address after DHCP"
    ims_say "configured $nic_iface $nic_mac dhcp"
    return 0
  fi
  ims_say "configured $nic_iface $nic_mac dhcp $dhcp_address"
  ims_publish_address "$nic_index" "$dhcp_address"
}

# Writes /etc/resolv.conf with one nameserver line per IMS_DNS entry, when IMS_DNS is set.
ims_write_resolv_conf() {
  [ -n "${IMS_DNS:-}" ] || return 0
  mkdir -p "$(ims_path /etc)"
  if ! printf '%s\n' "$IMS_DNS" |
    awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9A-Fa-f.:]+$/) print "nameserver " $i }' |
    ims_write_file "$(ims_path /etc/resolv.conf)" 644; then
    ims_warn "cannot write /etc/resolv.conf"
    return 0
  fi
  ims_say "dns $(ims_printable "$IMS_DNS")"
}
