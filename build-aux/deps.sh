# Sourced by build-aux/run, build-aux/test and build-aux/bench: installs the Debian 12 packages
# the project needs, only those that are missing, so a second run costs one dpkg query.
# shellcheck shell=bash

yp_packages=(
  # build
  meson ninja-build pkg-config gcc gettext python3
  libglib2.0-dev libglib2.0-dev-bin libgtk-4-dev libadwaita-1-dev libsqlite3-dev
  libjson-glib-dev libsecret-1-dev libsoup-3.0-dev libsodium-dev
  # data-file validation
  desktop-file-utils appstream flatpak-builder
  # headless tests: a display, a session bus, a real keyring
  xvfb xauth dbus-x11 gnome-keyring
  # TLS for the server and the app (GIO's TLS backend), and the throwaway certificate of the
  # server's TLS test
  glib-networking openssl
  # looking at what the app shows, and its printouts
  imagemagick poppler-utils sqlite3
)

yp_install_deps ()
{
  local missing=() p
  for p in "${yp_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0

  echo "Installing missing Debian packages: ${missing[*]}" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then sudo="sudo"; else
      echo "Please install as root: apt-get install ${missing[*]}" >&2
      return 1
    fi
  fi
  $sudo apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
    "${missing[@]}" >&2
}

# Configures (once) and builds a tree. yp_build DIR [meson setup options…]
yp_build ()
{
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >&2
  fi
  meson compile -C "$dir" >&2
}
