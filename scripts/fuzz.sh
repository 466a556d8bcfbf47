#!/usr/bin/env bash
# Builds and runs the libFuzzer targets (Fuzz/Targets; how and why: docs/FUZZING.md).
#
#   ./scripts/fuzz.sh [--list] [--target NAME]... [--seconds N | --runs N]
#
# --list prints the target names, one a line. Without --target every target runs, one after the other, for N
# seconds each (default 60) or N executions each. Prints per target `NAME: N executions in S s: ok` (with the
# coverage libFuzzer reached), or the failure and the reproducer libFuzzer wrote; exits 1 when any target found a
# crash, a leak, a timeout (-timeout, seconds per input) or ran out of memory (-rss_limit_mb).
#
# The targets are compiled with `swiftc -sanitize=fuzzer,address` straight from the sources of the pure modules
# (Basics, StrictJSON, DriveProtocol, EventPattern, JSONConfig, SignalingProtocol), of apple/swift-system (its
# SystemPackage and CSystem, from the checkout `swift build` made) and of the config loaders' files,
# into .build-fuzz (ROBOT_FUZZ_BUILD); a rebuild happens only when a source changed. Each run starts from a scratch
# copy of Fuzz/corpus/NAME, so the repository's seeds never grow; logs and reproducers stay in .build-fuzz.
# Replay a reproducer: .build-fuzz/bin/NAME .build-fuzz/artifacts/NAME/crash-…
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib/common.sh"
cd "$(dirname "$0")/.."
root=$PWD
out=${ROBOT_FUZZ_BUILD:-$root/.build-fuzz}

all_targets=(strict-json drive-command event-pattern signaling robotd-config server-config)
timeout_seconds=10
rss_limit_mb=2048

usage() {
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
}

selected=()
seconds=
runs=
list=false
while (($# > 0)); do
    case $1 in
    --list) list=true ;;
    --target)
        (($# > 1)) || die "--target needs a name (see --list)"
        selected+=("$2")
        shift
        ;;
    --seconds)
        [[ ${2:-} =~ ^[0-9]+$ ]] || die "--seconds needs a whole number"
        seconds=$2
        shift
        ;;
    --runs)
        [[ ${2:-} =~ ^[0-9]+$ ]] || die "--runs needs a whole number"
        runs=$2
        shift
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *) die "unknown argument $1 (usage: scripts/fuzz.sh [--list] [--target NAME] [--seconds N | --runs N])" ;;
    esac
    shift
done
[[ -n $seconds && -n $runs ]] && die "give --seconds or --runs, not both"
if $list; then
    printf '%s\n' "${all_targets[@]}"
    exit 0
fi
((${#selected[@]} > 0)) || selected=("${all_targets[@]}")
for target in "${selected[@]}"; do
    [[ " ${all_targets[*]} " == *" $target "* ]] || die "no fuzz target \"$target\"; targets: ${all_targets[*]}"
done
[[ -n $seconds || -n $runs ]] || seconds=60
command -v swiftc >/dev/null 2>&1 ||
    die "swiftc not found: install the Swift 6.3 toolchain (https://www.swift.org/install/linux/) and put it on PATH"

# MARK: build

# The modules a target links, dependencies first.
modules_of() {
    case $1 in
    strict-json) echo StrictJSON ;;
    drive-command) echo SystemPackage Basics StrictJSON DriveProtocol ;;
    event-pattern) echo StrictJSON EventPattern ;;
    signaling) echo StrictJSON SignalingProtocol ;;
    robotd-config) echo SystemPackage Basics StrictJSON JSONConfig RobotDaemon ;;
    server-config)
        echo SystemPackage StrictJSON JSONConfig EventPattern RelayQueue Relay SignalingProtocol RobotServer
        ;;
    esac
}

# The modules a module imports (as in Package.swift, for the parts compiled here).
dependencies_of() {
    case $1 in
    SystemPackage | StrictJSON | RelayQueue) ;;
    Basics) echo SystemPackage ;;
    DriveProtocol) echo SystemPackage Basics StrictJSON ;;
    SignalingProtocol) echo StrictJSON ;;
    Relay) echo StrictJSON JSONConfig EventPattern RelayQueue ;;
    RobotServer) echo StrictJSON JSONConfig Relay SignalingProtocol ;;
    RobotDaemon) echo SystemPackage Basics StrictJSON JSONConfig ;;
    *) echo SystemPackage StrictJSON JSONConfig ;;
    esac
}

# A module's sources. Pure modules whole; of the service modules only the config loaders' files and what they use,
# which must not need more than these modules (a loader that starts to use another file fails this build: add the
# file here; one that needs another module cannot be fuzzed this way, see docs/FUZZING.md).
sources_of() {
    case $1 in
    RelayQueue) echo Sources/RelayQueue/Durability.swift ;;
    Relay)
        echo Sources/Relay/RelayConfig*.swift Sources/Relay/TopicFilter.swift Sources/Relay/TopicTemplate.swift \
            Sources/Relay/FieldTemplate.swift Sources/Relay/WebhookRedaction.swift
        ;;
    RobotServer)
        echo Sources/RobotServer/ServerConfig*.swift Sources/RobotServer/AuthConfig*.swift \
            Sources/RobotServer/VideoConfig*.swift Sources/RobotServer/RobotSet.swift Sources/RobotServer/Hex.swift \
            Sources/RobotServer/Role.swift Sources/RobotServer/Permissions.swift Sources/RobotServer/TURNConfig*.swift \
            Sources/RobotServer/TURNSecret.swift
        ;;
    RobotDaemon) echo Sources/RobotDaemon/RobotConfig*.swift ;;
    SystemPackage) find "$system/Sources/System" -name '*.swift' | sort | tr '\n' ' ' ;;
    *) echo "Sources/$1"/*.swift ;;
    esac
}

# Optimised (libFuzzer's executions per second matter), with debug info for the sanitizer's stack traces, in the
# package's language mode and upcoming features (Package.swift's swiftSettings).
# SystemPackage imports the C module CSystem, so every module that imports SystemPackage must find its module map.
system=$root/.build/checkouts/swift-system
csystem=(-Xcc "-fmodule-map-file=$system/Sources/CSystem/include/module.modulemap" -Xcc -I -Xcc
    "$system/Sources/CSystem/include")
swift_flags=(-swift-version 6 -parse-as-library -O -g "-sanitize=fuzzer,address"
    -enable-upcoming-feature ExistentialAny -enable-upcoming-feature InternalImportsByDefault
    -use-ld=lld -I "$out/modules" "${csystem[@]}")
# swift-system's own settings (its Package.swift): its availability macros, SYSTEM_PACKAGE, Lifetimes.
system_flags=(-swift-version 6 -parse-as-library -O -g "-sanitize=fuzzer,address" -suppress-warnings
    -DSYSTEM_PACKAGE -enable-experimental-feature Lifetimes -package-name swift_system "${csystem[@]}")

# Whether $1 is missing or older than any of the other files.
stale() {
    local output=$1 input
    shift
    [[ -e $output ]] || return 0
    for input in "$@"; do
        [[ $input -nt $output ]] && return 0
    done
    return 1
}

# swift-system's checkout and its availability macros (`@available(System 1.1.0, *)`), read from its manifest.
prepare_system() {
    [[ -d $system/Sources/System ]] || (swift package resolve >/dev/null) ||
        die "cannot resolve the package's dependencies (swift-system): run swift build once"
    local version
    while read -r version; do
        system_flags+=(-enable-experimental-feature "AvailabilityMacro=System $version:macOS 10.10")
    done < <(sed -n 's/.*Available("\([0-9.]*\)".*/\1/p' "$system/Package.swift")
}

# SystemPackage and its C shims in one object (libFuzzer's coverage is kept for them too: cheap, and harmless).
build_system() {
    local sources
    read -r -a sources <<<"$(sources_of SystemPackage)"
    stale "$out/obj/SystemPackage.o" "${sources[@]}" "$system/Sources/CSystem/shims.c" "$0" || return 0
    note "fuzz: compiling SystemPackage (swift-system)"
    clang -O1 -g -fPIC -I "$system/Sources/CSystem/include" -c "$system/Sources/CSystem/shims.c" \
        -o "$out/obj/CSystem.o"
    swiftc "${system_flags[@]}" -module-name SystemPackage -wmo -emit-module \
        -emit-module-path "$out/modules/SystemPackage.swiftmodule" -c -o "$out/obj/SystemPackage.swift.o" \
        "${sources[@]}"
    ld -r -o "$out/obj/SystemPackage.o" "$out/obj/SystemPackage.swift.o" "$out/obj/CSystem.o"
    touch "$out/obj/SystemPackage.o"
}

build_module() {
    local module=$1 sources dependency inputs=("$0")
    [[ $module != SystemPackage ]] || {
        build_system
        return 0
    }
    read -r -a sources <<<"$(sources_of "$module")"
    for dependency in $(dependencies_of "$module"); do
        inputs+=("$out/obj/$dependency.o")
    done
    stale "$out/obj/$module.o" "${sources[@]}" "${inputs[@]}" || return 0
    note "fuzz: compiling $module"
    local implicit=()
    # In the package, these modules see Foundation through their dependencies (AsyncHTTPClient, NIO) without
    # importing it, and some of their files use its String methods; the subsets compiled here get it the same way.
    [[ $module != Relay && $module != RobotServer ]] || implicit=(-Xfrontend -import-module -Xfrontend Foundation)
    swiftc "${swift_flags[@]}" "${implicit[@]}" -module-name "$module" -wmo -emit-module \
        -emit-module-path "$out/modules/$module.swiftmodule" -c -o "$out/obj/$module.o" "${sources[@]}"
    touch "$out/obj/$module.o" # swiftc keeps an unchanged object's old time
}

build_target() {
    local target=$1 module objects=()
    for module in $(modules_of "$target"); do
        [[ " ${built[*]} " == *" $module "* ]] || build_module "$module"
        built+=("$module")
        objects+=("$out/obj/$module.o")
    done
    stale "$out/bin/$target" "Fuzz/Targets/$target.swift" Fuzz/Support/*.swift "${objects[@]}" || return 0
    note "fuzz: linking $target"
    swiftc "${swift_flags[@]}" -module-name "fuzz_${target//-/_}" "Fuzz/Targets/$target.swift" Fuzz/Support/*.swift \
        "${objects[@]}" -o "$out/bin/$target"
    touch "$out/bin/$target"
}

mkdir -p "$out/modules" "$out/obj" "$out/bin" "$out/logs" "$out/artifacts" "$out/run"
started=$SECONDS
prepare_system
built=()
for target in "${selected[@]}"; do
    build_target "$target"
done
note "fuzz: built ${#selected[@]} target(s) in $((SECONDS - started)) s"

# MARK: run

# The folder the config targets resolve relative paths against: the default certificate and key names exist
# (empty: loading checks that they are readable, nothing more), so the fuzzer gets past them.
config_dir=$out/run/config
mkdir -p "$config_dir/certs"
for file in certs/cacert.pem certs/certificate.pem certs/private.pem.key certs/robot-server.crt \
    certs/robot-server.key certs/idp-ca.pem certs/relay-ingestion.crt certs/relay-ingestion.key jwks.json; do
    : >"$config_dir/$file"
done

status=0
for target in "${selected[@]}"; do
    corpus=$out/run/$target/corpus
    artifacts=$out/artifacts/$target
    log=$out/logs/$target.log
    rm -rf "$corpus"
    mkdir -p "$corpus" "$artifacts"
    cp -R "Fuzz/corpus/$target/." "$corpus/"
    dictionary=$out/run/$target.dict
    cat Fuzz/dictionaries/json.dict > "$dictionary"
    [[ ! -e Fuzz/dictionaries/$target.dict ]] || cat "Fuzz/dictionaries/$target.dict" >>"$dictionary"
    options=(-timeout="$timeout_seconds" -rss_limit_mb="$rss_limit_mb" -max_len=8192 -use_value_profile=1
        -print_final_stats=1
        -dict="$dictionary" -artifact_prefix="$artifacts/")
    if [[ -n $runs ]]; then options+=(-runs="$runs"); else options+=(-max_total_time="$seconds"); fi
    begin=$SECONDS
    result=0
    # The Swift runtime's own crash backtracer would start a second process and hold the log open; libFuzzer and
    # ASan print the stack of a crash themselves.
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS="suppressions=$root/Fuzz/lsan.supp:print_suppressions=0" \
        ROBOT_FUZZ_CONFIG_DIR=$config_dir "$out/bin/$target" "${options[@]}" "$corpus" >"$log" 2>&1 || result=$?
    elapsed=$((SECONDS - begin))
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)
    coverage=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1 || true)
    if ((result == 0)); then
        echo "$target: ${executions:-?} executions in $elapsed s: ok" \
            "(${rate:-?} exec/s, ${coverage:-no coverage line}, peak RSS ${rss:-?} MB)"
        continue
    fi
    status=1
    finding=$(grep -Eo 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer): [a-z -]+' "$log" | head -n 1 || true)
    reproducer=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "$target: FAILED after ${executions:-?} executions in $elapsed s: ${finding:-exit status $result}"
    echo "  reproducer: ${reproducer:-none written}; log: $log"
    echo "  replay: $out/bin/$target ${reproducer:-<file>}"
    grep -E 'Fatal error|ERROR: |SUMMARY:' "$log" | head -n 3 | cut -c1-400 | sed 's/^/  /' || true
done
exit "$status"
