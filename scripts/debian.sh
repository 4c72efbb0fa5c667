# shellcheck shell=bash
# nicsched: Debian packages for the setup scripts, installed only when missing. Sourced (not run)
# by scripts/setup.sh, setup-kernel.sh, setup-system.sh and build-kernel.sh; uses their log and die.

export DEBIAN_FRONTEND=noninteractive

# have_pkg PKG: the package is installed.
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# apt_install PKG...: apt-get update (once per script), then install the packages; as root, or
# through `sudo -n`.
apt_install() {
  (($#)) || return 0
  local sudo=""
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to apt-get install: $*"
    sudo="sudo -n"
  fi
  if [[ -z "${NICSCHED_APT_UPDATED:-}" ]]; then
    log "apt-get update"
    $sudo apt-get update -qq >/dev/null || die "apt-get update failed"
    NICSCHED_APT_UPDATED=1
  fi
  log "apt-get install $*"
  $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null || die "apt-get install $* failed"
}
