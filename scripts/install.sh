#!/usr/bin/env bash
# Installs robotd on a Raspberry Pi (Raspberry Pi OS bookworm, 64-bit), headless over SSH.
#
#   sudo ./scripts/install.sh [OPTIONS]                      from a checkout of this repository
#   curl -fsSL URL/scripts/install.sh | sudo bash -s -- --repo GIT-URL [OPTIONS]
#
# Run --help for the options. In order, it:
#   1. installs the Debian packages robotd needs (and the build dependencies when it builds);
#   2. enables I2C (and the camera, where raspi-config still has the switch) with raspi-config;
#   3. creates the groups i2c, gpio and video where missing and the system user robot in them;
#   4. builds robotd in release mode (swift build -c release --product robotd --static-swift-stdlib) when a
#      Swift toolchain is present, or takes prebuilt binaries from --binaries DIR, strips it and installs it
#      to /usr/local/bin; without either it stops, before changing anything, and says how to get one;
#   5. creates /etc/robot/config.json from config.json.example — only if absent — with MOTOR_DRIVER and
#      ROBOT_NAME applied, and /etc/robot/certs/ with placeholders and the Amazon root CA (downloaded when
#      the internet is reachable);
#   6. with --with-webrtc, also installs robot-webrtc (built or prebuilt like robotd) and the GStreamer
#      runtime, creates the producer's token /etc/robot/webrtc.token (only if absent), gives a new config a
#      robot-webrtc `video` section (no `credentials`: self-hosted video needs no AWS), and for an existing
#      config prints the section to put in by hand; with --with-kvs-producer, robot-webrtc as the Kinesis Video
#      Streams master instead (a `video.kvs` section; the `credentials` section stays: robotd hands it AWS
#      credentials in a file);
#   7. installs the systemd units and enables them; it does not start them (they need certificates first);
#   8. with --with-kvs-c-sdk, builds the Kinesis Video Streams WebRTC C SDK sample into /opt/robot;
#   9. prints the next steps.
#
# Idempotent: every step first checks whether there is anything to do, a second run changes nothing and says
# so, and an existing config, certificate, key or token is never overwritten.
#
# --root DIR puts every file under DIR instead of /, creates users and groups there (useradd/groupadd --root)
# and enables the units there (systemctl --root); it never installs packages on, or reconfigures, the machine
# it runs on. --dry-run only prints the plan. Both change nothing outside DIR, for tests and for review.
set -euo pipefail

readonly kvs_repository=https://github.com/awslabs/amazon-kinesis-video-streams-webrtc-sdk-c.git
readonly kvs_default_tag=v1.10.2
readonly amazon_root_ca_url=https://www.amazontrust.com/repository/AmazonRootCA1.pem
readonly clone_folder=/usr/local/src/telepresence-robot
readonly webrtc_binary=/usr/local/bin/robot-webrtc
readonly webrtc_token_path=/etc/robot/webrtc.token

usage() {
    cat <<'EOF'
Usage: install.sh [OPTIONS]

Installs robotd (and optionally robot-server, and a video producer: robot-webrtc for self-hosted video
or for Kinesis Video Streams on AWS, or the KVS WebRTC C SDK sample) on a Raspberry Pi running Raspberry
Pi OS bookworm (64-bit), as a hardened systemd service. Run as root.

Options:
  --source DIR          the source tree (default: the checkout this script is in)
  --repo URL            no checkout (e.g. piped from curl): clone URL with git into
                        /usr/local/src/telepresence-robot (kept, and reused by later runs)
  --ref REF             branch or tag to clone with --repo (default: the repository's default branch)
  --binaries DIR        install the prebuilt robotd (and robot-server, robot-webrtc) from DIR instead
                        of building
  --swift PATH          the swift executable to build with (default: $ROBOT_SWIFT, else swift on PATH,
                        else the invoking user's swiftly toolchain)
  --with-server         also install robot-server and its unit (a small server can run it instead)
  --with-webrtc         self-hosted video: install robot-webrtc to /usr/local/bin and the GStreamer
                        runtime, create its token /etc/robot/webrtc.token (mode 0640 root:robot, only if
                        absent) and print the token's line for robot-server's auth.tokens; a new config
                        gets a robot-webrtc video section and no credentials section
  --webrtc-server URL   robot-server as robot-webrtc reaches it, ws://HOST:PORT or wss://HOST[:PORT]
                        (default ws://127.0.0.1:8080: robot-server on the robot itself)
  --webrtc-source SRC   robot-webrtc's --source: libcamera (default: the Pi camera), v4l2 (a USB camera,
                        /dev/video0), v4l2:/dev/videoN or videotestsrc (a test picture)
  --print-video-config  print the robot-webrtc video section for config.json even when the config
                        already runs robot-webrtc (implies --with-webrtc, or the KVS one with
                        --with-kvs-producer)
  --with-kvs-producer   video on AWS: install robot-webrtc to /usr/local/bin and the GStreamer runtime as
                        the Kinesis Video Streams master on the channel named after the thing; a new config
                        gets a video.kvs section (robotd hands robot-webrtc the AWS credentials it fetches,
                        in a file that it rewrites without restarting it); not with --with-webrtc
  --with-kvs-c-sdk      build the Kinesis Video Streams WebRTC C SDK sample kvsWebrtcClientMasterGstSample
                        (needs the internet) and install it to /opt/robot (video.kvs.producer kvs-sample)
  --root DIR            install into the staging root DIR; never touches this machine's packages or settings
  --dry-run             print what would be done; change nothing
  -h, --help            this help

Environment:
  MOTOR_DRIVER          adafruit | explorerhat (default, as the original) | simulated — for a new config
  ROBOT_NAME            the thing name for a new config (default sts-pi): topics <name>/action, <name>/telemetry
  ROBOT_REPO_URL        default for --repo
  ROBOT_SWIFT           default for --swift
  KVS_WEBRTC_TAG        SDK release to build with --with-kvs-c-sdk (default v1.10.2)
  ROBOT_CA_URL          where to download the Amazon root CA from (default Amazon's AmazonRootCA1.pem)

Never overwrites /etc/robot/config.json, a certificate, a key or a token. A second run changes nothing.
EOF
}

# ---------------------------------------------------------------------------------------------------------
# Output and bookkeeping

changes=0
warnings=()
next_notes=()

die() {
    echo "install.sh: error: $*" >&2
    exit 1
}

step() {
    printf '==> %s\n' "$*"
}

# Something already is as wanted.
unchanged() {
    printf '    ok: %s\n' "$*"
}

# Something was changed (or, in a dry run, would be).
changed() {
    changes=$((changes + 1))
    if $dry_run; then
        printf '    would: %s\n' "$*"
    else
        printf '    done: %s\n' "$*"
    fi
}

warn() {
    printf '    warning: %s\n' "$*"
    warnings+=("$*")
}

note() {
    printf '    %s\n' "$*"
}

# A command line as it can be pasted back into a shell.
quoted() {
    local word out=()
    for word in "$@"; do
        if [[ $word =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
            out+=("$word")
        else
            out+=("'${word//\'/\'\\\'\'}'")
        fi
    done
    echo "${out[*]}"
}

# Runs a command that changes something; in a dry run only prints it.
run() {
    if $dry_run; then
        printf '      $ %s\n' "$(quoted "$@")"
    else
        "$@"
    fi
}

# ---------------------------------------------------------------------------------------------------------
# Options

root=/
dry_run=false
source_dir=
repo_url=${ROBOT_REPO_URL:-}
repo_ref=
binaries=
swift=${ROBOT_SWIFT:-}
with_server=false
with_kvs=false
with_kvs_sdk=false
with_webrtc=false
print_video_config=false
webrtc_server=ws://127.0.0.1:8080
webrtc_source=libcamera

while [[ $# -gt 0 ]]; do
    case $1 in
        -h | --help)
            usage
            exit 0
            ;;
        --dry-run) dry_run=true ;;
        --with-server) with_server=true ;;
        --with-kvs-producer) with_kvs=true ;;
        --with-kvs-c-sdk) with_kvs_sdk=true ;;
        --with-webrtc) with_webrtc=true ;;
        --print-video-config) print_video_config=true ;;
        --root | --source | --repo | --ref | --binaries | --swift | --webrtc-server | --webrtc-source)
            [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value (see --help)"
            case $1 in
                --webrtc-server) webrtc_server=$2 ;;
                --webrtc-source) webrtc_source=$2 ;;
                --root) root=$2 ;;
                --source) source_dir=$2 ;;
                --repo) repo_url=$2 ;;
                --ref) repo_ref=$2 ;;
                --binaries) binaries=$2 ;;
                --swift) swift=$2 ;;
            esac
            shift
            ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
    shift
done

# --print-video-config prints robot-webrtc's section: the KVS one with --with-kvs-producer, else the self-hosted one.
$print_video_config && ! $with_kvs && with_webrtc=true
if $with_webrtc && $with_kvs; then
    die "--with-webrtc (self-hosted video through robot-server) and --with-kvs-producer (video through Kinesis" \
        "Video Streams on AWS) write different video sections; pick one"
fi
[[ $root == /* ]] || die "--root needs an absolute path, not '$root'"
root=${root%/}
staging=false
[[ -n $root ]] && staging=true

motor_driver=${MOTOR_DRIVER:-explorerhat}
case $motor_driver in
    adafruit | explorerhat | simulated) ;;
    *) die "MOTOR_DRIVER must be adafruit, explorerhat or simulated, not '$motor_driver'" ;;
esac
robot_name=${ROBOT_NAME:-sts-pi}
if [[ ! $robot_name =~ ^[A-Za-z0-9:_-]{1,128}$ ]]; then
    die "ROBOT_NAME '$robot_name' is not a valid thing name (1-128 of A-Z a-z 0-9 : _ -)"
fi
kvs_tag=${KVS_WEBRTC_TAG:-$kvs_default_tag}
# Both end up inside config.json as JSON strings: only characters that need no escaping.
server_url_pattern='^wss?://[][A-Za-z0-9._~%:@-]+(/[A-Za-z0-9._~%/-]*)?$'
if [[ ! $webrtc_server =~ $server_url_pattern ]]; then
    die "--webrtc-server '$webrtc_server' is not robot-server's base URL: ws://HOST:PORT or wss://HOST[:PORT]," \
        "e.g. ws://192.168.1.20:8080"
fi
if [[ ! $webrtc_source =~ ^(libcamera|v4l2|videotestsrc|v4l2:/dev/[A-Za-z0-9._/-]+)$ ]]; then
    die "--webrtc-source '$webrtc_source' is not a source robot-webrtc knows: libcamera, v4l2," \
        "v4l2:/dev/videoN or videotestsrc"
fi
ca_url=${ROBOT_CA_URL:-$amazon_root_ca_url}

# A path on the target system: under --root when staging.
target() {
    printf '%s%s' "$root" "$1"
}

if ! $dry_run && ! $staging && [[ $(id -u) -ne 0 ]]; then
    die "run as root (sudo), or use --dry-run to see the plan or --root DIR to stage into a folder"
fi

if $dry_run; then
    echo "Dry run: nothing is changed; the commands that would run are shown with \$."
fi
if $staging; then
    echo "Staging root $root: files go there; this machine's packages and settings are left alone."
fi

# ---------------------------------------------------------------------------------------------------------
# 1. Where things come from (decided before anything changes)

step "source tree"
script_path=${BASH_SOURCE[0]:-}
if [[ -z $source_dir && -f $script_path ]]; then
    candidate=$(cd "$(dirname "$script_path")/.." && pwd)
    if [[ -f $candidate/Package.swift && -f $candidate/systemd/robotd.service ]]; then
        source_dir=$candidate
    fi
fi
clone_needed=false
if [[ -z $source_dir ]]; then
    if [[ -z $repo_url ]]; then
        die "no source tree: this script is not inside a checkout (piped from curl?). Give --source DIR, or" \
            "--repo URL (with ROBOT_REPO_URL or --repo) to clone it with git."
    fi
    source_dir=$(target "$clone_folder")
    if [[ -d $source_dir/.git ]]; then
        unchanged "using the clone in $source_dir (update it with: git -C $clone_folder pull)"
    else
        clone_needed=true
        note "will clone $repo_url${repo_ref:+ ($repo_ref)} into $source_dir"
    fi
else
    [[ -f $source_dir/Package.swift && -f $source_dir/systemd/robotd.service ]] ||
        die "$source_dir is not a checkout of this project (no Package.swift and systemd/robotd.service)"
    source_dir=$(cd "$source_dir" && pwd)
    unchanged "source tree $source_dir"
fi

# How robotd (and robot-server) get here: prebuilt, or built with a Swift toolchain found now.
# sudo resets PATH, so a toolchain installed with swiftly by the invoking user is looked for too.
find_swift() {
    local home
    if [[ -n $swift ]]; then
        [[ -x $swift ]] && echo "$swift"
        return 0
    fi
    if command -v swift >/dev/null 2>&1; then
        command -v swift
        return 0
    fi
    if [[ -n ${SUDO_USER:-} ]]; then
        home=$(getent passwd "$SUDO_USER" | cut -d: -f6) || home=
        if [[ -n $home && -x $home/.local/share/swiftly/bin/swift ]]; then
            echo "$home/.local/share/swiftly/bin/swift"
        fi
    fi
    return 0
}

products=(robotd)
$with_server && products+=(robot-server)
# robot-webrtc: self-hosted (--with-webrtc) or as the KVS master (--with-kvs-producer).
with_robot_webrtc=false
{ $with_webrtc || $with_kvs; } && with_robot_webrtc=true
$with_robot_webrtc && products+=(robot-webrtc)
build=false
if [[ -n $binaries ]]; then
    [[ -d $binaries ]] || die "--binaries $binaries: no such folder"
    for product in "${products[@]}"; do
        [[ -f $binaries/$product ]] || die "--binaries $binaries has no $product"
    done
    binaries=$(cd "$binaries" && pwd)
    unchanged "prebuilt binaries from $binaries"
else
    requested=$swift
    swift=$(find_swift)
    if [[ -z $swift ]]; then
        cat >&2 <<EOF
install.sh: error: no Swift toolchain found${requested:+ ($requested is not an executable)}, and no --binaries DIR
given. Nothing was changed.

Either install Swift 6 on this machine and run install.sh again:
  - Raspberry Pi OS bookworm 64-bit is Debian 12 on aarch64: get the "Debian 12 aarch64" toolchain from
    https://www.swift.org/install/linux/ (swiftly, or the tarball unpacked to /opt/swift), and put its
    usr/bin on PATH (or pass --swift /opt/swift/usr/bin/swift). A Pi 3 (1 GB) needs 2 GB of swap to build:
    set CONF_SWAPSIZE=2048 in /etc/dphys-swapfile, then: sudo systemctl restart dphys-swapfile
Or build elsewhere and bring the binary:
  - on a 64-bit Arm Debian 12 machine (another Pi, an Arm VM):
        swift build -c release --product robotd --static-swift-stdlib
    or cross-compile on a PC with a Swift SDK for aarch64-unknown-linux-gnu (swift sdk install ...):
        swift build -c release --product robotd --static-swift-stdlib --swift-sdk aarch64-swift-linux-musl
  - copy .build/release/robotd to the Pi and run:  sudo ./scripts/install.sh --binaries DIR
EOF
        exit 1
    fi
    build=true
    unchanged "will build with $swift"
fi

# ---------------------------------------------------------------------------------------------------------
# 2. Debian packages

step "Debian packages"
packages=(libmosquitto1 libi2c0 openssl ca-certificates curl)
if $build; then
    packages+=(libmosquitto-dev libi2c-dev pkg-config binutils)
fi
$clone_needed && packages+=(git)
if $with_robot_webrtc; then
    # robot-webrtc at run time: GStreamer, its plugins (sources, x264enc, Opus, webrtcbin, DTLS/SRTP, webrtcdsp),
    # libnice for ICE and ALSA's elements for the microphone and speaker (alsasrc, alsasink). The development files
    # only to build it here.
    packages+=(libgstreamer1.0-0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
        gstreamer1.0-plugins-ugly gstreamer1.0-nice gstreamer1.0-alsa)
    if $build; then
        packages+=(libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev)
    fi
fi
if $with_kvs_sdk; then
    packages+=(git cmake pkg-config build-essential binutils libssl-dev libcurl4-openssl-dev liblog4cplus-dev
        libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-plugins-base-apps
        gstreamer1.0-plugins-bad gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-tools)
fi
# The Pi's camera through libcamera (Raspberry Pi OS ships it; plain Debian may not).
if { $with_robot_webrtc || $with_kvs_sdk; } && command -v apt-cache >/dev/null 2>&1 &&
    apt-cache show gstreamer1.0-libcamera >/dev/null 2>&1; then
    packages+=(gstreamer1.0-libcamera)
fi
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | awk '!seen[$0]++')

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
    for package in "${packages[@]}"; do
        status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null) || status=
        [[ $status == "install ok installed" ]] || missing+=("$package")
    done
else
    missing=("${packages[@]}")
fi
if $staging; then
    note "staging root: packages are not installed here; the robot needs: ${packages[*]}"
elif [[ ${#missing[@]} -eq 0 ]]; then
    unchanged "installed: ${packages[*]}"
elif ! command -v apt-get >/dev/null 2>&1; then
    die "apt-get not found: this is not Debian or Raspberry Pi OS; install: ${missing[*]}"
else
    changed "install ${missing[*]}"
    run env DEBIAN_FRONTEND=noninteractive apt-get update -q
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# ---------------------------------------------------------------------------------------------------------
# 3. Interfaces: I2C (the Motor HAT, the Explorer HAT's touch and ADC chips) and the camera

step "I2C and camera"
reboot_needed=false
if $staging; then
    note "staging root: enable I2C on the robot with: sudo raspi-config nonint do_i2c 0"
elif ! command -v raspi-config >/dev/null 2>&1; then
    note "raspi-config not found (not Raspberry Pi OS): enable I2C yourself if the robot needs it"
else
    # raspi-config's get_* print 0 when the interface is on.
    if [[ $(raspi-config nonint get_i2c 2>/dev/null || true) == 0 ]]; then
        unchanged "I2C is enabled"
    else
        changed "enable I2C (raspi-config nonint do_i2c 0)"
        run raspi-config nonint do_i2c 0
        reboot_needed=true
    fi
    camera=$(raspi-config nonint get_camera 2>/dev/null || true)
    if [[ $camera == 0 ]]; then
        unchanged "camera is enabled"
    elif [[ $camera == 1 ]]; then
        changed "enable the camera (raspi-config nonint do_camera 0)"
        run raspi-config nonint do_camera 0
        reboot_needed=true
    else
        # Bookworm has no switch: the firmware detects the camera (camera_auto_detect=1 in config.txt).
        config_txt=/boot/firmware/config.txt
        [[ -f $config_txt ]] || config_txt=/boot/config.txt
        if grep -qs '^camera_auto_detect=1' "$config_txt"; then
            unchanged "camera: detected at boot (camera_auto_detect=1 in $config_txt)"
        else
            warn "camera: add camera_auto_detect=1 to $config_txt (or the dtoverlay for your sensor) and reboot"
        fi
    fi
fi

# ---------------------------------------------------------------------------------------------------------
# 4. Groups and the robot user

step "groups and the robot user"
# Staging: the root's own user database; else the system's (getent also sees NSS).
group_entry() {
    if $staging; then
        grep -s "^$1:" "$root/etc/group" | head -n 1 || true
    else
        getent group "$1" || true
    fi
}
user_entry() {
    if $staging; then
        grep -s "^$1:" "$root/etc/passwd" | head -n 1 || true
    else
        getent passwd "$1" || true
    fi
}
root_option=()
$staging && root_option=(--root "$root")

ensure_group() {
    if [[ -n $(group_entry "$1") ]]; then
        unchanged "group $1"
    else
        changed "create group $1"
        run groupadd "${root_option[@]}" --system "$1"
    fi
}

device_groups=(i2c gpio video)
for group in "${device_groups[@]}" robot; do
    ensure_group "$group"
done
$with_server && ensure_group robot-server-config

if [[ -n $(user_entry robot) ]]; then
    unchanged "user robot"
else
    changed "create system user robot (no login, no home)"
    run useradd "${root_option[@]}" --system --gid robot --home-dir /var/lib/robot --no-create-home \
        --shell /usr/sbin/nologin --comment "telepresence robot daemon" robot
fi
missing_groups=()
for group in "${device_groups[@]}"; do
    members=$(group_entry "$group" | cut -d: -f4)
    [[ ,$members, == *,robot,* ]] || missing_groups+=("$group")
done
if [[ ${#missing_groups[@]} -eq 0 ]]; then
    unchanged "robot is in ${device_groups[*]}"
else
    changed "add robot to ${missing_groups[*]}"
    run usermod "${root_option[@]}" --append --groups "$(
        IFS=,
        echo "${missing_groups[*]}"
    )" robot
fi

# user:group for chown: names on this system; numbers from the staging root's own database.
owner() {
    local user=$1 group=$2 uid gid
    if $staging; then
        uid=0 gid=0
        [[ $user == root ]] || uid=$(user_entry "$user" | cut -d: -f3)
        [[ $group == root ]] || gid=$(group_entry "$group" | cut -d: -f3)
        echo "${uid:-$user}:${gid:-$group}"
    else
        echo "$user:$group"
    fi
}

# ---------------------------------------------------------------------------------------------------------
# 5. The source (when cloning) and the binaries

if $clone_needed; then
    step "clone"
    changed "clone $repo_url into $source_dir"
    run mkdir -p "$(dirname "$source_dir")"
    run git clone --depth 1 ${repo_ref:+--branch "$repo_ref"} "$repo_url" "$source_dir"
    if $dry_run; then
        note "(the rest of the plan assumes the clone; run without --dry-run to see it for real)"
        echo
        echo "Dry run: nothing was changed; $changes changes would be made."
        exit 0
    fi
fi

file_mode() { stat -c '%a' "$1"; }
file_owner() {
    if $staging; then stat -c '%u:%g' "$1"; else stat -c '%U:%G' "$1"; fi
}

# Owners can only be set as root: staging as another user leaves them to whoever deploys the root.
set_owners=true
if $staging && [[ $(id -u) -ne 0 ]]; then
    set_owners=false
    note "not root: files in the staging root keep your user as their owner"
fi

# set_owner USER GROUP PATH
set_owner() {
    $set_owners || return 0
    run chown "$(owner "$1" "$2")" "$3"
}

# ensure_mode_owner PATH MODE USER GROUP: fixes the mode and owner of something of ours.
ensure_mode_owner() {
    local path=$1 mode=$2
    if [[ $(file_mode "$path") != "$mode" ]]; then
        changed "mode $mode on $path"
        run chmod "$mode" "$path"
    fi
    if $set_owners && [[ $(file_owner "$path") != "$(owner "$3" "$4")" ]]; then
        changed "owner $3:$4 on $path"
        set_owner "$3" "$4" "$path"
    fi
}

# ensure_directory PATH MODE USER GROUP
ensure_directory() {
    local before=$changes
    if [[ -d $1 ]]; then
        ensure_mode_owner "$@"
        [[ $changes -eq $before ]] && unchanged "$1/ (mode $2, $3:$4)"
    else
        changed "create $1/ (mode $2, $3:$4)"
        run mkdir -p "$1"
        run chmod "$2" "$1"
        set_owner "$3" "$4" "$1"
    fi
    return 0
}

# install_file SOURCE DEST MODE USER GROUP: our own file (binary, unit, doc): replaced when it differs.
install_file() {
    local source=$1 dest=$2 mode=$3 before=$changes
    if [[ -f $dest ]] && cmp -s "$source" "$dest"; then
        ensure_mode_owner "$dest" "$mode" "$4" "$5"
        [[ $changes -eq $before ]] && unchanged "$dest"
        return 0
    fi
    if [[ -f $dest ]]; then
        changed "update $dest"
    else
        changed "install $dest"
    fi
    [[ -d $(dirname "$dest") ]] || run mkdir -p "$(dirname "$dest")"
    # Through a temporary file and a rename: a running robotd keeps its old binary intact.
    run cp "$source" "$dest.new"
    run chmod "$mode" "$dest.new"
    set_owner "$4" "$5" "$dest.new"
    run mv -f "$dest.new" "$dest"
}

# create_file_once CONTENT-FILE DEST MODE USER GROUP [WHAT]: config, certificates, keys — never overwritten,
# never re-moded: a wrong mode or owner is reported with the command that fixes it. WHAT describes the content.
create_file_once() {
    local content=$1 dest=$2 mode=$3 what=${6:-}
    if [[ -e $dest ]]; then
        unchanged "$dest exists (left as it is)"
        if [[ $(file_mode "$dest") != "$mode" ]] ||
            { $set_owners && [[ $(file_owner "$dest") != "$(owner "$4" "$5")" ]]; }; then
            warn "$dest is mode $(file_mode "$dest"), owner $(file_owner "$dest"); robotd expects $mode, $4:$5:" \
                "sudo chmod $mode $dest && sudo chown $4:$5 $dest"
        fi
        return 0
    fi
    changed "create $dest (mode $mode, $4:$5)${what:+: $what}"
    [[ -d $(dirname "$dest") ]] || run mkdir -p "$(dirname "$dest")"
    if $dry_run; then
        printf '      $ install -m %s %s %s\n' "$mode" "$(quoted "$content")" "$(quoted "$dest")"
    else
        # Created with no access for others from the start: a key is never readable by anyone else, not briefly.
        (umask 077 && cp "$content" "$dest")
        chmod "$mode" "$dest"
    fi
    set_owner "$4" "$5" "$dest"
}

# robotd's video section for robot-webrtc, as it goes into config.json (two-space indent, trailing comma).
webrtc_video_section() {
    cat <<EOF
  "video": {
    "enabled": true,
    "command": ["$webrtc_binary", "--server", "$webrtc_server", "--thing", "{thingName}",
                "--token-file", "$webrtc_token_path", "--source", "$webrtc_source"],
    "restartInitialMs": 1000,
    "restartMaxMs": 60000,
    "stopTimeoutSeconds": 5
  },
EOF
}

# robotd's video section for a Kinesis Video Streams master on the channel named after the thing: robot-webrtc
# (--with-kvs-producer), else the C SDK sample (--with-kvs-c-sdk).
kvs_video_section() {
    local producer=robot-webrtc arguments="\"arguments\": [\"--source\", \"$webrtc_source\"]"
    if ! $with_kvs; then
        producer=kvs-sample arguments='"arguments": []'
    fi
    cat <<EOF
  "video": {
    "enabled": true,
    "kvs": {
      "producer": "$producer",
      "channel": "{thingName}",
      $arguments
    },
    "restartInitialMs": 1000,
    "restartMaxMs": 60000,
    "stopTimeoutSeconds": 5
  },
EOF
}

# The config in $1 with its video section replaced by $2, and without its credentials section if $3 is true
# (each section from a line '  "NAME": {' to a line '  },').
replace_video_section() {
    VIDEO_SECTION=$2 DROP_CREDENTIALS=$3 awk '
        ENVIRON["DROP_CREDENTIALS"] == "true" && /^  "credentials": \{/ { skipping = 1; drop_blank = 1; next }
        /^  "video": \{/ { print ENVIRON["VIDEO_SECTION"]; skipping = 1; next }
        skipping { if ($0 ~ /^  \},?$/) skipping = 0; next }
        drop_blank && /^$/ { drop_blank = 0; next }
        { drop_blank = 0; print }
    ' "$1"
}

# Whether a config file runs robot-webrtc as its KVS master: robotd's format with a credentials section and an
# enabled video section with a kvs member that is not the C SDK sample's, or the original's flat format with a
# credential endpoint.
runs_kvs_robot_webrtc() {
    local video
    if grep -q '"IOT_THINGNAME"' "$1"; then
        grep -q '"IOT_GET_CREDENTIAL_ENDPOINT"' "$1"
        return
    fi
    video=$(awk '/^  "video": \{/ { inside = 1 } inside { print } inside && /^  \},?$/ { exit }' "$1")
    grep -q '"credentials"' "$1" && grep -q '"kvs": *{' <<<"$video" && ! grep -q '"kvs-sample"' <<<"$video" &&
        ! grep -q '"enabled": *false' <<<"$video"
}

# What robot-webrtc finds on this machine: GStreamer's elements, the camera, the encoder it would pick.
robot_webrtc_check() {
    if $staging || $dry_run; then
        return 0
    fi
    if timeout 120 "$webrtc_binary" check >"$work/webrtc-check.log" 2>&1; then
        unchanged "robot-webrtc check: $(grep -m 1 '^--codec h264' "$work/webrtc-check.log" || echo passed)"
    else
        warn "robot-webrtc check found nothing it can stream: $(grep '✗' "$work/webrtc-check.log" | tr -s ' \n' ' ')"
    fi
    if [[ $webrtc_source == libcamera ]] && grep -q '✗ libcamerasrc' "$work/webrtc-check.log"; then
        warn "--source libcamera needs libcamerasrc (gstreamer1.0-libcamera, in Raspberry Pi OS's archive);" \
            "a USB camera works with --webrtc-source v4l2"
    fi
}

# The thing name of a config file (robotd's format or the original's flat one), or nothing.
config_thing_name() {
    sed -n 's/^[[:space:]]*"\(thingName\|IOT_THINGNAME\)"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\2/p' "$1" 2>/dev/null |
        head -n 1
}

is_elf() {
    [[ $(head -c 4 "$1" | od -An -c | tr -d ' ') == '177ELF' ]]
}

work=$(mktemp -d "${TMPDIR:-/tmp}/robot-install.XXXXXX")
trap 'rm -rf "$work"' EXIT

step "binaries"
if $build; then
    build_folder=$(target /var/cache/robot-build)
    jobs=()
    memory_kib=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo 2>/dev/null || echo 0)
    if [[ ${memory_kib:-0} -gt 0 && $memory_kib -lt 1600000 ]]; then
        jobs=(-j 1)
        note "less than 1.6 GB of memory: building with one job (give the Pi 2 GB of swap if the build dies)"
    fi
    for product in "${products[@]}"; do
        note "building $product (release; the first build on a Pi takes a while)"
        run "$swift" build --package-path "$source_dir" --scratch-path "$build_folder" -c release \
            --product "$product" --static-swift-stdlib "${jobs[@]}"
    done
    if $dry_run; then
        binaries=$build_folder/release
    else
        binaries=$("$swift" build --package-path "$source_dir" --scratch-path "$build_folder" -c release \
            --show-bin-path)
    fi
fi
for product in "${products[@]}"; do
    candidate=$binaries/$product
    if [[ -f $candidate ]] && is_elf "$candidate" && command -v strip >/dev/null 2>&1; then
        if strip -o "$work/$product" "$candidate" 2>/dev/null; then
            candidate=$work/$product
        else
            note "$product: not stripped (strip does not know this architecture); installed as it is"
        fi
    fi
    if $dry_run && [[ ! -f $candidate ]]; then
        changed "install $(target "/usr/local/bin/$product") (after the build)"
        continue
    fi
    install_file "$candidate" "$(target "/usr/local/bin/$product")" 755 root root
    if ! $staging && ! $dry_run && is_elf "$candidate" && command -v ldd >/dev/null 2>&1; then
        if ldd "$(target "/usr/local/bin/$product")" 2>/dev/null | grep -q 'not found'; then
            warn "$product misses shared libraries: $(ldd "/usr/local/bin/$product" | grep 'not found' | tr -s ' \n' ' ')"
        fi
    fi
done

# ---------------------------------------------------------------------------------------------------------
# 6. /etc/robot: configuration and certificates

step "/etc/robot"
etc=$(target /etc/robot)
ensure_directory "$etc" 755 root root
ensure_directory "$etc/certs" 750 root robot

config=$work/config.json
sed -e "s/\"thingName\": \"sts-pi\"/\"thingName\": \"$robot_name\"/" \
    -e "s/\"driver\": \"explorerhat\"/\"driver\": \"$motor_driver\"/" \
    "$source_dir/config.json.example" >"$config"
if [[ $motor_driver == adafruit ]]; then
    # As the original's Adafruit variant: 0.7 speed, 1600 Hz, and both motors reversed (its wiring).
    sed -i -e 's/"speed": 0.5/"speed": 0.7/' -e 's/"pwmFrequency": 100/"pwmFrequency": 1600/' \
        -e 's/"invertLeft": false/"invertLeft": true/' -e 's/"invertRight": false/"invertRight": true/' "$config"
fi
if ! grep -q "\"thingName\": \"$robot_name\"" "$config" || ! grep -q "\"driver\": \"$motor_driver\"" "$config"; then
    die "config.json.example no longer has the \"thingName\" and \"driver\" lines this script edits"
fi
config_description="config.json.example with thingName $robot_name, driver $motor_driver"
if $with_webrtc; then
    # A new config runs robot-webrtc, without the credentials section: with one, robotd would first fetch AWS
    # credentials for the producer (the KVS path). An existing config is never edited (see step 7).
    replace_video_section "$config" "$(webrtc_video_section)" true >"$config.video"
    if grep -q '"credentials"' "$config.video" || ! grep -qF "\"$webrtc_binary\"" "$config.video"; then
        die "config.json.example no longer has the \"credentials\" and \"video\" sections (each from a line" \
            "'  \"NAME\": {' to a line '  },') that --with-webrtc replaces"
    fi
    mv "$config.video" "$config"
    config_description+=", video by robot-webrtc, no credentials section"
elif $with_kvs || $with_kvs_sdk; then
    # A new config streams through Kinesis Video Streams; its credentials section stays: robotd fetches the
    # producer's AWS credentials with it.
    replace_video_section "$config" "$(kvs_video_section)" false >"$config.video"
    if ! grep -q '"credentials"' "$config.video" || ! grep -q '"kvs": {' "$config.video"; then
        die "config.json.example no longer has the \"credentials\" and \"video\" sections (each from a line" \
            "'  \"NAME\": {' to a line '  },') that --with-kvs-producer relies on"
    fi
    mv "$config.video" "$config"
    if $with_kvs; then
        config_description+=", video by robot-webrtc as the Kinesis Video Streams master"
    else
        config_description+=", video by the Kinesis Video Streams C SDK sample"
    fi
fi
config_existed=false
[[ -e $etc/config.json ]] && config_existed=true
create_file_once "$config" "$etc/config.json" 640 root robot "$config_description"
if $with_server; then
    # robot-server (DynamicUser) reads it through the static group robot-server-config, never the robot's key.
    create_file_once "$source_dir/server.json.example" "$etc/server.json" 640 root robot-server-config \
        "server.json.example: fill in mqtt, robots and auth"
fi

printf '%s\n' "PLACEHOLDER: replace with the thing's certificate (certificate.pem.crt from AWS IoT, or" \
    "one issued by your own CA), keep mode 0640 root:robot." >"$work/certificate.pem"
printf '%s\n' "PLACEHOLDER: replace with the thing's private key (private.pem.key), keep mode 0600 robot:robot." \
    >"$work/private.pem.key"
create_file_once "$work/certificate.pem" "$etc/certs/certificate.pem" 640 root robot "a placeholder"
create_file_once "$work/private.pem.key" "$etc/certs/private.pem.key" 600 robot robot "a placeholder"

if [[ -e $etc/certs/cacert.pem ]]; then
    unchanged "$etc/certs/cacert.pem exists (left as it is)"
elif $dry_run; then
    changed "download the Amazon root CA to $etc/certs/cacert.pem"
    printf '      $ %s\n' "$(quoted curl -fsSL --max-time 30 -o "$etc/certs/cacert.pem" "$ca_url")"
elif curl -fsSL --connect-timeout 10 --max-time 30 -o "$work/cacert.pem" "$ca_url" 2>"$work/curl.log" &&
    grep -q 'BEGIN CERTIFICATE' "$work/cacert.pem"; then
    create_file_once "$work/cacert.pem" "$etc/certs/cacert.pem" 644 root root "the Amazon root CA from $ca_url"
else
    warn "could not download the Amazon root CA from $ca_url ($(tr -d '\n' <"$work/curl.log" || true))." \
        "Without the internet, copy it later: sudo curl -fsSL -o /etc/robot/certs/cacert.pem $amazon_root_ca_url" \
        "(self-hosted broker: copy your CA certificate there instead)"
fi

# ---------------------------------------------------------------------------------------------------------
# 7. The video producer (optional)

if $with_webrtc; then
    step "robot-webrtc (self-hosted video)"
    # The producer's own bearer token for robot-server: readable by robotd (group robot), which runs it.
    token_file=$(target "$webrtc_token_path")
    if [[ ! -e $token_file ]] && ! $dry_run; then
        (umask 077 && openssl rand -hex 24 >"$work/webrtc.token")
    fi
    create_file_once "$work/webrtc.token" "$token_file" 640 root robot "a new random token (openssl rand -hex 24)"

    # The config: a new one already runs robot-webrtc; an existing one is only read, and what to change is said.
    installed_config=$etc/config.json
    thing=$robot_name
    config_advice=
    if $config_existed; then
        thing=$(config_thing_name "$installed_config")
        thing=${thing:-$robot_name}
        if grep -qF "$webrtc_binary" "$installed_config" && ! grep -q '"credentials"' "$installed_config"; then
            unchanged "$installed_config runs robot-webrtc as its video producer"
        else
            config_advice="add robot-webrtc's \"video\" section (printed under \"robot-webrtc\" above) to"
            config_advice+=" $installed_config"
            if grep -q '"video"' "$installed_config"; then
                config_advice="replace the \"video\" section of $installed_config with robot-webrtc's (printed"
                config_advice+=" under \"robot-webrtc\" above)"
            fi
            if grep -q '"credentials"' "$installed_config"; then
                config_advice+=", and delete its \"credentials\" section (with one, robotd fetches AWS credentials"
                config_advice+=" before it starts the producer)"
            fi
            print_video_config=true
        fi
    else
        unchanged "the new $installed_config runs robot-webrtc (--server $webrtc_server, --source $webrtc_source)"
    fi
    if $print_video_config; then
        note "robotd's video section for robot-webrtc (in /etc/robot/config.json):"
        echo
        webrtc_video_section
        echo
    fi
    if [[ -n $config_advice ]]; then
        warn "$installed_config is left as it is; for robot-webrtc, $config_advice"
        next_notes+=("Video: $config_advice.")
    fi

    # robot-server knows the producer by the token's SHA-256 (robot-webrtc sends the token without the newline).
    if [[ -r $token_file ]]; then
        token=$(<"$token_file")
        token=${token#"${token%%[![:space:]]*}"}
        token=${token%"${token##*[![:space:]]}"}
        if [[ -z $token ]]; then
            warn "$token_file is empty: delete it and run install.sh again for a new token"
        else
            token_sha256=$(printf %s "$token" | sha256sum | cut -d' ' -f1)
            # The producer's token may only produce (it is on the robot: it must not drive it or watch others).
            token_line="{ \"name\": \"$thing-video\", \"sha256\": \"$token_sha256\", \"robots\": [\"$thing\"],"
            token_line+=" \"roles\": [\"produce\"] }"
            note "robot-server accepts the producer with this line in its server.json's auth.tokens"
            note "(and \"$thing\" in its robots):"
            note "  $token_line"
            next_notes+=("Video: add this line to robot-server's server.json auth.tokens (and \"$thing\" to robots),
    then restart robot-server:  $token_line")
        fi
        unset token
    else
        note "the token's line for robot-server's auth.tokens is printed once the token exists"
    fi

    robot_webrtc_check
fi

if $with_kvs; then
    step "robot-webrtc (the Kinesis Video Streams master)"
    # robotd hands it the AWS credentials in a file (video.credentialsFile in the unit's RuntimeDirectory) and
    # rewrites the file at every refresh: no token, no robot-server. An existing config is only read.
    installed_config=$etc/config.json
    config_advice=
    if ! $config_existed; then
        unchanged "the new $installed_config runs robot-webrtc as the KVS master (--source $webrtc_source)"
    elif runs_kvs_robot_webrtc "$installed_config"; then
        unchanged "$installed_config runs robot-webrtc as its KVS master"
    else
        config_advice="replace the \"video\" section of $installed_config with the KVS one (printed under"
        config_advice+=" \"robot-webrtc\" above)"
        if ! grep -q '"credentials"' "$installed_config"; then
            config_advice+=", and add a \"credentials\" section (see config.json.example): robotd fetches the"
            config_advice+=" producer's AWS credentials with it"
        fi
        print_video_config=true
    fi
    if $print_video_config; then
        note "robotd's video section for robot-webrtc as the KVS master (in /etc/robot/config.json):"
        echo
        kvs_video_section
        echo
    fi
    if [[ -n $config_advice ]]; then
        warn "$installed_config is left as it is; for robot-webrtc, $config_advice"
        next_notes+=("Video: $config_advice.")
    fi
    robot_webrtc_check
fi

if $with_kvs_sdk; then
    step "Kinesis Video Streams WebRTC C SDK sample ($kvs_tag)"
    producer=$(target /opt/robot/kvsWebrtcClientMasterGstSample)
    stamp=$producer.version
    if [[ -x $producer && -f $stamp && $(cat "$stamp") == "$kvs_tag" ]]; then
        unchanged "$producer ($kvs_tag)"
    else
        kvs_folder=$(target /var/cache/robot-build)/kvs-webrtc-$kvs_tag
        changed "build $kvs_repository at $kvs_tag (unmodified) and install $producer"
        if [[ ! -d $kvs_folder/.git ]]; then
            run mkdir -p "$(dirname "$kvs_folder")"
            run git clone --depth 1 --branch "$kvs_tag" "$kvs_repository" "$kvs_folder"
        fi
        # Static libraries: the sample then needs only the system's GStreamer, OpenSSL and curl at run time.
        run cmake -S "$kvs_folder" -B "$kvs_folder/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_STATIC_LIBS=TRUE
        kvs_jobs=2
        [[ ${memory_kib:-0} -gt 0 && ${memory_kib:-0} -lt 1600000 ]] && kvs_jobs=1
        run cmake --build "$kvs_folder/build" --parallel "$kvs_jobs"
        if $dry_run; then
            printf '      $ install -m 755 %s %s\n' "$(quoted "$kvs_folder/build/samples/kvsWebrtcClientMasterGstSample")" \
                "$(quoted "$producer")"
        else
            built=$(find "$kvs_folder/build" -type f -name kvsWebrtcClientMasterGstSample -perm -u+x | head -n 1)
            [[ -n $built ]] || die "the SDK build produced no kvsWebrtcClientMasterGstSample (see the output above)"
            strip -o "$work/kvsWebrtcClientMasterGstSample" "$built"
            install_file "$work/kvsWebrtcClientMasterGstSample" "$producer" 755 root root
            echo "$kvs_tag" >"$stamp"
        fi
    fi
fi

# ---------------------------------------------------------------------------------------------------------
# 8. systemd units

step "systemd units"
units=(robotd.service)
$with_server && units+=(robot-server.service)
units_changed=$changes
for unit in "${units[@]}"; do
    install_file "$source_dir/systemd/$unit" "$(target "/etc/systemd/system/$unit")" 644 root root
done
install_file "$source_dir/README.md" "$(target /usr/local/share/doc/robot/README.md)" 644 root root
systemd_running=false
[[ -d /run/systemd/system ]] && ! $staging && systemd_running=true
if [[ $changes -ne $units_changed ]] && $systemd_running; then
    run systemctl daemon-reload
fi
systemctl_root=()
$staging && systemctl_root=(--root="$root")
# Staging on a machine without systemctl: do what `systemctl enable` does for WantedBy=multi-user.target.
wants=$(target /etc/systemd/system/multi-user.target.wants)
for unit in "${units[@]}"; do
    # Enabled (started at boot) but not started now: it needs the certificate, key and endpoint first.
    if command -v systemctl >/dev/null 2>&1; then
        state=$(systemctl "${systemctl_root[@]}" is-enabled "$unit" 2>/dev/null || true)
    elif $staging && [[ -L $wants/$unit ]]; then
        state=enabled
    else
        state=
    fi
    if [[ $state == enabled ]]; then
        unchanged "$unit is enabled"
    else
        changed "enable $unit (not started: configure it first)"
        if command -v systemctl >/dev/null 2>&1 || ! $staging; then
            run systemctl "${systemctl_root[@]}" enable "$unit"
        else
            [[ -d $wants ]] || run mkdir -p "$wants"
            run ln -sfn "/etc/systemd/system/$unit" "$wants/$unit"
        fi
    fi
done

# ---------------------------------------------------------------------------------------------------------
# Summary

echo
if $dry_run; then
    if [[ $changes -eq 0 ]]; then
        echo "Dry run: nothing to do — everything is already installed."
    else
        echo "Dry run: nothing was changed; $changes changes would be made."
    fi
elif [[ $changes -eq 0 ]]; then
    echo "Nothing to do: everything was already installed and configured; no changes made."
else
    echo "Done: $changes changes made."
fi
if [[ ${#warnings[@]} -gt 0 ]]; then
    echo "Warnings:"
    printf '  - %s\n' "${warnings[@]}"
fi
$reboot_needed && next_notes+=("Reboot once so that I2C (and the camera) come up: sudo reboot")
if $with_webrtc; then
    fill_in="  2. Fill in /etc/robot/config.json: mqtt.endpoint (your broker, or aws iot describe-endpoint
     --endpoint-type iot:Data-ATS). Video runs robot-webrtc through robot-server at $webrtc_server:
     no credentials section, no AWS."
elif $with_kvs || $with_kvs_sdk; then
    fill_in="  2. Fill in /etc/robot/config.json: mqtt.endpoint (aws iot describe-endpoint --endpoint-type iot:Data-ATS),
     credentials.endpoint (--endpoint-type iot:CredentialProvider), roleAlias and region. Video streams through
     Kinesis Video Streams on the signaling channel named after the thing (docs/INSTALL.md, step 3a)."
else
    fill_in="  2. Fill in /etc/robot/config.json: mqtt.endpoint (aws iot describe-endpoint --endpoint-type iot:Data-ATS),
     and for video credentials.endpoint (--endpoint-type iot:CredentialProvider), region, video.enabled."
fi

cat <<EOF

Next steps (see docs/INSTALL.md in the source tree):
  1. Copy the thing's certificate and private key to the robot, then:
       sudo install -m 0640 -o root -g robot certificate.pem.crt /etc/robot/certs/certificate.pem
       sudo install -m 0600 -o robot -g robot private.pem.key /etc/robot/certs/private.pem.key
     (a self-hosted broker: also your CA as /etc/robot/certs/cacert.pem)
$fill_in
  3. Check it:   sudo -u robot /usr/local/bin/robotd check --config /etc/robot/config.json
  4. Start it:   sudo systemctl start robotd && journalctl -u robotd -f
EOF
for line in "${next_notes[@]}"; do
    echo "  * $line"
done
