#!/usr/bin/env bash
# THE test command: builds everything and runs every test, as CI does.
#
#   ./scripts/test.sh [SWIFT_TEST_ARGS...]      e.g. ./scripts/test.sh --filter BrokerTests
#
# Installs the Debian packages the build and the tests need when some are missing
# (apt-get; through sudo when not root), builds in debug (`swift build`, so the
# executables that end-to-end tests run exist), then runs `swift test`: the unit
# tests in parallel, then the end-to-end suites one at a time (see below); with
# arguments, one `swift test` with them. Without arguments it then runs every
# fuzz target for 5 s (scripts/fuzz.sh, docs/FUZZING.md; about a minute with
# its build), so a crash, leak or timeout they find fails the run too. The exit
# status is the tests'.
# `--scratch-path PATH` among the arguments applies to the build too.
#
# Tests start their own brokers (scripts/broker.sh) on free ports of 127.0.0.1;
# a system mosquitto on 1883 does not disturb them. Processes left behind by an
# interrupted test run (Ctrl-C) are killed when this script exits.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/lib/common.sh"
cd "$(dirname "$0")/.."

build_arguments=()
previous=
for argument in "$@"; do
    if [[ $previous == --scratch-path ]]; then
        build_arguments+=(--scratch-path "$argument")
    elif [[ $argument == --scratch-path=* ]]; then
        build_arguments+=("$argument")
    fi
    previous=$argument
done

# The deploy tests also need: shellcheck (the scripts' lint), systemd (systemd-analyze; no running systemd needed),
# curl and binutils (install.sh's CA download and strip); the video tests need chromium and GStreamer's plugins
# (robot-webrtc's pipelines: videotestsrc, x264enc, webrtcbin, libnice), the relay's tests moto; the NAT tests
# (network namespaces, NAT routers, a TURN relay; docs/NAT.md) iproute2, nftables, conntrack, coturn and socat; the KVS
# model (Tests/Fixtures/kvs_model.py) Debian's python3-websockets; the multi-instance suites nginx (the load balancer
# in front of two robot-servers, deploy/nginx/).
ensure_packages "${ROBOT_APT_PACKAGES[@]}" shellcheck systemd curl binutils chromium \
    gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly \
    gstreamer1.0-nice iproute2 nftables conntrack coturn socat python3-websockets nginx
ensure_moto
require_swift
reap_test_leftovers
trap reap_test_leftovers EXIT

swift build "${build_arguments[@]}"

# With arguments (a --filter, say), one run as asked.
if (($# > 0)) && [[ ${build_arguments[*]} != "$*" ]]; then
    swift test "$@"
    exit
fi

# Otherwise two runs. The unit tests run in parallel. The end-to-end suites — real brokers, robotd and
# robot-server processes, deadlines, reconnect times, PWM duty measured from the lines — run one at a time:
# on a 2-core machine, ~300 tests started at once starve each other's timers for seconds, and a timing
# assertion would then measure the crowd instead of the code. A test's id is `Target.Suite/test()`: the serial
# run takes every suite of the end-to-end targets except the pure ones listed (no process, socket, PKI or clock
# — they join the parallel run), so a new suite in those targets is serial until someone lists it here.
# robot-server's routes are tested in process in RobotServerUnitTests (docs/TESTING.md).
end_to_end_targets='MQTTTests|RobotDaemonTests|RobotServerTests|VideoTests|RelayTests|BrokerTests|MotorsTests'
end_to_end_targets+='|HardwareTests|CredentialProviderTests|ProcessSpawnTests|DeployTests|NATTraversalTests|KVSTests'
pure_suites='AdafruitMotorHATTests|MotorDriverFactoryTests|PCA9685RegisterFileTests|PCA9685Tests'
pure_suites+='|SimulatedDriverTests|WiringTests|HardwareErrorTests|LinuxGPIOOutputsTests|LinuxI2CBusTests'
pure_suites+='|CredentialResponseTests|SystemdSupervisionTests|AuthUnitTests|VideoConfigTests|ProducerMessageTests'
pure_suites+='|RelayConfigTests|RuleEvaluationTests|TopicAndTemplateTests|WebhookRedactionTests'
pure_suites+='|ClockStripeTests|AudioSettingsTests|WAVToneAudioTests|AudioConfigTests'
pure_suites+='|BitrateControllerTests|VideoBlockPickerTests|BitrateSettingsTests|SignalingEndpointTests|LinkConditionsTests'
pure_suites+='|NATTraversalICEPathTests|BitrateRetransmissionTests'
pure_suites+='|I2CBusReadWordTests|EstopLatchFileTests|BatteryServiceTests|BatteryConfigTests'
pure_suites+='|KVSPresignTests|KVSCredentialsSourceTests|KVSControlPlaneTests|KVSMessageTests|KVSViewerOfferTests|KVSProducerTimingTests'
end_to_end="^($end_to_end_targets)\\.(?!($pure_suites)(/|\$))"
status=0
swift test "$@" --skip "$end_to_end" || status=$?
swift test "$@" --no-parallel --filter "$end_to_end" || status=$?
./scripts/fuzz.sh --seconds 5 || status=$?
exit "$status"
