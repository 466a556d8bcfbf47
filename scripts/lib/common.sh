# Shared shell functions for the scripts in scripts/. Source it; do not run it.
# shellcheck shell=bash
#
#   . "$(dirname "$0")/lib/common.sh"
#
# Requires bash (arrays, [[ ]]).

# The Debian packages that building, testing and running the stack needs:
# the broker and its command-line clients (local stand-in for AWS IoT Core),
# the C libraries behind the CMosquitto, CI2C, CCurl and COpenSSL targets,
# pkg-config to find them, openssl for the throwaway PKI, and python3 for the
# test fixtures (the credential provider stand-in, the fake video producer).
ROBOT_APT_PACKAGES=(mosquitto mosquitto-clients libmosquitto-dev libi2c-dev libcurl4-openssl-dev libssl-dev openssl
    pkg-config python3 libsqlite3-dev util-linux
    libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev)

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

# Packages that ensure_packages installed in this run (empty if none).
ROBOT_INSTALLED_NOW=()

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
    ROBOT_INSTALLED_NOW+=("${missing[@]}")
    if [[ " ${missing[*]} " == *" mosquitto "* ]]; then
        stop_system_broker
    fi
}

# Debian's mosquitto package starts a system broker (port 1883, loopback only)
# when it is installed. It does not collide with ours — we run our own config on
# 8883 or on free ports — but it is not ours either: ensure_packages stops it
# right after installing it, so a fresh machine runs only the brokers we start.
# A system broker that was there before is left alone. Never fails.
stop_system_broker() {
    if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
        if systemctl is-active --quiet mosquitto 2>/dev/null; then
            note "stopping the mosquitto system service that the package started"
            as_root systemctl stop mosquitto || true
        fi
    elif [[ -x /etc/init.d/mosquitto ]]; then
        as_root /etc/init.d/mosquitto stop >/dev/null 2>&1 || true
    fi
}

# Test processes that died (Ctrl-C, a crash) leave their scratch folder
# ($TMPDIR/telepresence-robot-tests-<pid>, see Sources/TestSupport/ScratchDirectory.swift)
# and possibly brokers and daemons they started, listed in its `children` file as
# "pid start-time". Kills those that still run — the start time from
# /proc/PID/stat proves it is the same process — and removes the folders.
reap_test_leftovers() {
    local folder owner pid start stat fields
    for folder in "${TMPDIR:-/tmp}"/telepresence-robot-tests-*; do
        [[ -d $folder ]] || continue
        owner=${folder##*-}
        [[ $owner =~ ^[0-9]+$ ]] || continue
        if [[ -d /proc/$owner ]] || kill -0 "$owner" 2>/dev/null; then
            continue  # its test process still runs (or belongs to someone else)
        fi
        if [[ -r $folder/children ]]; then
            while read -r pid start; do
                [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/stat ]] || continue
                stat=$(<"/proc/$pid/stat")
                read -ra fields <<<"${stat##*) }"
                if [[ ${fields[19]:-} == "$start" ]]; then
                    kill -KILL -- "-$pid" 2>/dev/null || true
                    kill -KILL "$pid" 2>/dev/null || true
                fi
            done <"$folder/children"
        fi
        rm -rf "$folder"
    done
    reap_lab_namespaces
}

# The NAT lab (Sources/NetworkLab) names its network namespaces rlab-<run>-<host>
# and lists each <run> in its test process's scratch folder (rlab-runs). Deletes
# every rlab-* namespace whose run no live test process lists, after killing
# what still runs in it; a concurrent run's namespaces stay.
reap_lab_namespaces() {
    command -v ip >/dev/null 2>&1 || return 0
    local folder owner name run pid live=" "
    for folder in "${TMPDIR:-/tmp}"/telepresence-robot-tests-*; do
        owner=${folder##*-}
        [[ -r $folder/rlab-runs && $owner =~ ^[0-9]+$ && -d /proc/$owner ]] || continue
        while read -r run; do live+="$run "; done <"$folder/rlab-runs"
    done
    for name in $(ip netns list 2>/dev/null | awk '$1 ~ /^rlab-/ { print $1 }'); do
        run=${name#rlab-}
        run=${run%%-*}
        [[ $live == *" $run "* ]] && continue
        for pid in $(ip netns pids "$name" 2>/dev/null); do
            kill -KILL "$pid" 2>/dev/null || true
        done
        ip netns del "$name" 2>/dev/null || true
    done
}

# moto 5 with its server extra (`python3 -m moto.server`): the local stand-in for Amazon SQS that the SQS
# client's and the relay's tests start (Sources/TestSupport/MotoServer.swift). Installs it with pip when
# python3 cannot import it (pip from apt if python3 has none; on a Debian python that refuses
# pip installs, PEP 668, with --break-system-packages).
ensure_moto() {
    python3 -c 'import moto.server' >/dev/null 2>&1 && return 0
    python3 -m pip --version >/dev/null 2>&1 || ensure_packages python3-pip
    note "installing moto[server] with pip"
    python3 -m pip install --quiet 'moto[server]>=5,<6' ||
        python3 -m pip install --quiet --break-system-packages 'moto[server]>=5,<6' ||
        die "cannot install moto: run python3 -m pip install 'moto[server]'"
}

# Fails with a hint when the Swift toolchain is missing.
require_swift() {
    command -v swift >/dev/null 2>&1 ||
        die "swift not found: install the Swift 6.3 toolchain (https://www.swift.org/install/linux/) and put it on PATH"
}

# Prints its arguments as one shell command line that can be pasted: plain
# words as they are, anything else in single quotes.
shell_quote() {
    local word quoted=()
    for word in "$@"; do
        if [[ $word =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
            quoted+=("$word")
        else
            quoted+=("'${word//\'/\'\\\'\'}'")
        fi
    done
    echo "${quoted[*]}"
}

# write_local_robotd_config FILE THING PORT HEARTBEAT_SECONDS [VIDEO_COMMAND_JSON [AUDIO_JSON]]
# A robotd config for a local broker on PORT with the simulated driver; video off, or the producer
# VIDEO_COMMAND_JSON (a JSON array: robotd's video.command) without AWS credentials, with robotd's `audio`
# section AUDIO_JSON (a JSON object; absent: no sound). Its certificate paths (pki/THING.crt …) and its
# stateDirectory (state/: the emergency-stop latch) resolve against FILE's folder, which holds the PKI as pki/.
write_local_robotd_config() {
    local video='{ "enabled": false }' audio='{ "enabled": false }'
    if [[ -n ${5:-} ]]; then
        video="{ \"enabled\": true, \"command\": $5, \"restartInitialMs\": 500, \"restartMaxMs\": 5000 }"
    fi
    [[ -z ${6:-} ]] || audio=$6
    cat >"$1" <<EOF
{
  "thingName": "$2",
  "mqtt": {
    "endpoint": "localhost",
    "port": $3,
    "caFile": "pki/ca.crt",
    "certFile": "pki/$2.crt",
    "keyFile": "pki/$2.key"
  },
  "motors": { "driver": "simulated" },
  "stateDirectory": "state",
  "video": $video,
  "audio": $audio,
  "telemetry": { "heartbeatSeconds": $4 }
}
EOF
}

# write_bench_server_config FILE HTTP_PORT MQTT_PORT THING TOKEN_SHA256: the benchmarks' robot-server config:
# listens on 127.0.0.1:HTTP_PORT, connects to the local broker on MQTT_PORT as robot-server (pki/ beside FILE),
# drives THING, and lets one static token in (TOKEN_SHA256: the hex SHA-256 of the token).
write_bench_server_config() {
    cat >"$1" <<EOF
{"listen":{"host":"127.0.0.1","port":$2},
 "mqtt":{"endpoint":"localhost","port":$3,"caFile":"pki/ca.crt","certFile":"pki/robot-server.crt","keyFile":"pki/robot-server.key"},
 "robots":["$4"],
 "auth":{"tokens":[{"name":"bench","sha256":"$5","robots":["$4"]}]}}
EOF
}

# busy_percent SECONDS: how busy all CPUs were over the next SECONDS (percent).
busy_percent() {
    local before after busy idle
    read -r -a before < <(head -1 /proc/stat)
    sleep "$1"
    read -r -a after < <(head -1 /proc/stat)
    # cpu user nice system idle iowait irq softirq steal
    busy=$(((after[1] + after[2] + after[3] + after[6] + after[7] + after[8]) -
        (before[1] + before[2] + before[3] + before[6] + before[7] + before[8])))
    idle=$(((after[4] + after[5]) - (before[4] + before[5])))
    echo $((100 * busy / (busy + idle > 0 ? busy + idle : 1)))
}

# check_quiet: prints how busy the machine is; when the caller's $wait_quiet is true, first waits (up to
# 10 min) until it is quiet (< 10 % busy). For the benchmarks.
check_quiet() {
    local busy waited=0
    busy=$(busy_percent 2)
    while ${wait_quiet:-false} && ((busy >= 10 && waited < 600)); do
        ((waited == 0)) && echo "waiting for a quiet machine (CPUs ${busy} % busy)..."
        sleep 8
        waited=$((waited + 10))
        busy=$(busy_percent 2)
    done
    echo "CPUs busy before this run (other processes): ${busy} %"
}

# free_port: a TCP port of 127.0.0.1 nothing listens on (the kernel picks it). For the benchmarks.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for_line FILE TEXT PID [SECONDS]: waits (default 20 s) until FILE contains TEXT; fails (die, with FILE's
# tail) if PID exits first or the time is up. For the benchmarks.
wait_for_line() {
    local tries=$((${4:-20} * 20))
    for _ in $(seq "$tries"); do
        grep -qF -- "$2" "$1" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || break
        sleep 0.05
    done
    tail -n 20 "$1" >&2
    die "no \"$2\" in $1"
}

# bench_cleanup WORK KEEP "PIDS" BROKER_DIR...: a benchmark's EXIT trap. Stops the processes PIDS (SIGTERM, then
# waits for each) and the brokers run from the BROKER_DIRs (scripts/broker.sh --stop), then removes the scratch
# folder WORK — or keeps it and says so when KEEP is true.
bench_cleanup() {
    local work=$1 keep=$2 pids=$3 pid broker
    shift 3
    for pid in $pids; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    for broker in "$@"; do
        scripts/broker.sh "$broker" --stop >/dev/null 2>&1 || true
    done
    if $keep; then echo "kept $work"; else rm -rf "$work"; fi
}
