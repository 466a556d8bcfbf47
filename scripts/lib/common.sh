# Shared shell functions for the scripts in scripts/. Source it; do not run it.
# shellcheck shell=bash
#
#   . "$(dirname "$0")/lib/common.sh"
#
# Requires bash (arrays, [[ ]]).

# The Debian packages that building, testing and running the stack needs:
# the broker and its command-line clients (local stand-in for AWS IoT Core),
# the C libraries behind the CMosquitto and CI2C targets, pkg-config to find
# libmosquitto, and openssl for the throwaway PKI.
ROBOT_APT_PACKAGES=(mosquitto mosquitto-clients libmosquitto-dev libi2c-dev openssl pkg-config)

# Prints "name: message" on stderr and exits 1.
die() {
    echo "${0##*/}: $*" >&2
    exit 1
}

# Prints "name: message" on stderr.
note() {
    echo "${0##*/}: $*" >&2
}

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root to run '$*' and sudo is not installed"
    fi
}

# Installs the given Debian packages (default: ROBOT_APT_PACKAGES) that are not
# installed yet. Does nothing, and needs no root, when all are present.
ensure_packages() {
    local packages=("$@")
    if [[ ${#packages[@]} -eq 0 ]]; then
        packages=("${ROBOT_APT_PACKAGES[@]}")
    fi
    if ! command -v dpkg >/dev/null 2>&1; then
        note "not a Debian system: make sure these (or their equivalents) are installed: ${packages[*]}"
        return 0
    fi
    local missing=() package
    for package in "${packages[@]}"; do
        if ! dpkg -s "$package" 2>/dev/null | grep -q '^Status: install ok installed'; then
            missing+=("$package")
        fi
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        return 0
    fi
    note "installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Debian's mosquitto package starts a system broker on port 1883. It does not
# collide with ours (we use 8883 or free ports, and our own config), but it is
# not ours either: stop it so that only the brokers we start are running. Works
# with systemd and with plain sysvinit containers; never fails.
stop_system_broker() {
    if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
        if systemctl is-active --quiet mosquitto 2>/dev/null; then
            note "stopping the system mosquitto service (our brokers use their own config and ports)"
            as_root systemctl stop mosquitto || true
        fi
    elif [[ -x /etc/init.d/mosquitto ]] && [[ -s /run/mosquitto/mosquitto.pid ]] &&
        kill -0 "$(cat /run/mosquitto/mosquitto.pid)" 2>/dev/null; then
        note "stopping the system mosquitto service (our brokers use their own config and ports)"
        as_root /etc/init.d/mosquitto stop >/dev/null || true
    fi
}

# The repository root (the folder above scripts/).
repo_root() {
    local here
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    echo "$here"
}
