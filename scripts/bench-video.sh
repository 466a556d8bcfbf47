#!/usr/bin/env bash
# The benchmark of the video path: glass-to-glass latency, first frame, frame
# rate, the producer's CPU and memory. It prints numbers; it is not a test (it
# never fails on a slow result, only when the measurement itself broke: no
# frame, no probe sample). Method and results: BENCHMARKS.md, section "Video".
#
#   ./scripts/bench-video.sh [--seconds N | --minutes N] [--keep] [--wait-quiet] [-- VIDEO_BENCH_OPTIONS...]
#
# 1. builds robotd, robot-server, robot-webrtc and video-bench in release mode
#    (scratch path .build-release, shared with the other benches; niced);
# 2. runs video-bench, which starts the real local stack itself: a TLS
#    mosquitto with a throwaway PKI (scripts/pki.sh, scripts/broker.sh),
#    robot-server, robotd on the simulated driver running robot-webrtc as its
#    producer (`--source clock --width 640 --height 480 --fps 30
#    --ice-loopback`, plus `--audio-source test` when this robot-webrtc has
#    audio, as run-local.sh), and headless Chromium opening the drive page with
#    the latency probe on (`/?probe=1#token=…`);
# 3. after the first frame and a 5 s warm-up, measures for N seconds (default
#    60): the glass-to-glass latency of every frame the page shows (the clock
#    stripe the producer paints, read back by the page), printed as
#    `glass-to-glass p50 X ms p95 Y ms`; page open → first frame; fps; the
#    producer's CPU (% of one core) and RSS;
# 4. prints the method and the numbers, writes them as JSON to
#    .build-release/bench-video/<time>.json (the path is printed), and stops
#    everything it started.
#
# --seconds N   the measured window (default 60)
# --minutes N   a long run: per-minute numbers and the drift check (the last
#               minute's p95 must not exceed the first's by more than 20 ms)
# --keep        keep the scratch folder (PKI, broker, robot-server, robotd and
#               producer logs)
# --wait-quiet  first wait (up to 10 min) until other processes use less than
#               10 % of the CPUs: on a shared 2-CPU machine a compiler next
#               door changes every number
# Options after -- go to video-bench (`.build-release/release/video-bench
# --help`): the variants that the latency work measures with and without,
#   -- --producer-args "--no-zero-latency"      (or "--no-leaky-queue",
#                                                 "--key-frame-seconds 10")
#   -- --jitter-buffer-target 0                 (the page's receiver, in ms)
#   -- --no-audio                               (video only)
#
# About 1.5 min for a 60 s run once built (a first release build takes ~13 min).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib/common.sh"
cd "$(dirname "$0")/.."

length=(--seconds 60)
keep=false
wait_quiet=false
bench_args=()
while [[ $# -gt 0 ]]; do
    case $1 in
    --seconds | --minutes)
        [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "$1 needs a whole number, not '${2:-}'"
        length=("$1" "$2")
        shift
        ;;
    --keep) keep=true ;;
    --wait-quiet) wait_quiet=true ;;
    --) shift; bench_args=("$@"); break ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done

# The browser, and GStreamer's plugins and libnice for robot-webrtc (test picture, x264enc, Opus, webrtcbin).
ensure_packages "${ROBOT_APT_PACKAGES[@]}" chromium gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
    gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-nice
require_swift

scratch=.build-release

# MARK: build

echo "== building (release, scratch path $scratch, niced)"
for product in robotd robot-server robot-webrtc video-bench; do
    nice -n 10 swift build -c release --scratch-path "$scratch" --product "$product"
done
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)

# MARK: scratch folder and clean-up

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-video.XXXXXX")
results=$scratch/bench-video
mkdir -p "$results"
result=$results/$(date -u +%Y%m%dT%H%M%SZ).json
bench_pid=

# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
    if [[ -n $bench_pid ]]; then
        # video-bench stops its stack on SIGTERM; whatever it could not stop is listed in its scratch folder.
        kill -TERM "$bench_pid" 2>/dev/null || true
        wait "$bench_pid" 2>/dev/null || true
    fi
    TMPDIR=$work reap_test_leftovers
    if $keep; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# MARK: run

echo
check_quiet
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if ! git diff --quiet HEAD -- Sources Package.swift 2>/dev/null; then commit+=" (with uncommitted changes)"; fi
# TMPDIR: video-bench's scratch files (PKI, logs) go into $work, which the clean-up removes or keeps (so
# video-bench itself keeps them: ROBOT_KEEP_TEST_FILES).
env TMPDIR="$work" ROBOT_BIN_PATH="$bin" ROBOT_KEEP_TEST_FILES=1 \
    "$bin/video-bench" "${length[@]}" --json "$result" --commit "$commit" ${bench_args[@]+"${bench_args[@]}"} &
bench_pid=$!
status=0
wait "$bench_pid" || status=$?
bench_pid=
((status == 0)) || die "video-bench failed (exit $status)"
