#!/usr/bin/env bash
# install-deps.sh - install, on Debian 12, every package Netlens needs to build,
# run and test.  Idempotent: it installs only what is missing.
#   tools/install-deps.sh          build + run dependencies
#   tools/install-deps.sh --test   also everything the test suite uses
set -euo pipefail

build_pkgs=(
  build-essential pkg-config meson ninja-build gettext
  libglib2.0-dev libglib2.0-bin libgtk-4-dev libadwaita-1-dev
  libpcap-dev nettle-dev libbpf-dev bpftool clang llvm libelf-dev zlib1g-dev libjson-glib-dev
  libseccomp-dev libcap-dev libsqlite3-dev libmaxminddb-dev
  desktop-file-utils appstream appstream-util
  dbus polkitd pkexec libcap2-bin netbase
  xvfb xauth dbus-x11
)
test_pkgs=(
  x11-utils xdotool imagemagick at-spi2-core python3-dogtail python3-pyatspi
  notification-daemon
  tcpdump tshark iproute2 iputils-ping iputils-arping curl openssl
  nginx-light bind9-dnsutils dnsmasq-base openssh-server openssh-client
  ngtcp2-client ngtcp2-server socat tcpreplay libndpi-bin
  libclang-rt-14-dev libmaxmind-db-writer-perl sqlite3 strace python3
  flatpak flatpak-builder flex bison
)

pkgs=("${build_pkgs[@]}")
if [ "${1:-}" = "--test" ]; then
  pkgs+=("${test_pkgs[@]}")
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root or install them with apt-get" >&2
  exit 1
fi

echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o DPkg::Lock::Timeout=900 -o Dpkg::Use-Pty=0)
apt-get "${apt_opts[@]}" update </dev/null
apt-get "${apt_opts[@]}" install --no-install-recommends "${missing[@]}" </dev/null
