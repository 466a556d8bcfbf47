import BrowserControl
import Foundation
import NetworkLab
import StrictJSON
import Testing
import TestSupport

/// The issue's proof: across two NATs that map every flow to a random public port, the robot's video reaches the
/// page only through the relay, driving moves the motors and the sound plays. First the topology itself, with plain
/// sockets: no route home → office, and a symmetric NAT.
@Suite(.serialized, .enabled(if: Lab.isAvailable, Lab.skipReason))
struct NATTraversalRelayTests {
    @Test(
        "home reaches only the public server; office is unreachable from home; the NAT maps each flow to a random port")
    func topologyIsTwoSymmetricNATs() async throws {
        let topology = try NATTopology.create()
        defer { topology.destroy() }
        let checks = LabChecks(topology: topology)

        let toServer = try await checks.tcpConnects(
            from: .home, to: NATTopology.serverAddress, port: 7000, listenerIn: .inet)
        #expect(toServer.connected, "home → 203.0.113.10 failed: \(toServer.error)")
        let toOffice = try await checks.tcpConnects(
            from: .home, to: NATTopology.officeAddress, port: 7001, listenerIn: .office)
        // inet has no route to 192.168.20.0/24: the packets go to its "rest of the internet" and nothing answers.
        #expect(!toOffice.connected, "home reached office's private address directly")
        let toOfficeRouter = try await checks.tcpConnects(
            from: .home, to: "198.51.100.6", port: 7002, listenerIn: .office)
        #expect(!toOfficeRouter.connected, "home reached office through its router's public address")

        let ports = try await checks.publicPorts(sourcePort: 40001, to: [5000, 5001, 5002])
        #expect(ports.count == 3, "the home router tracked \(ports.count) of 3 flows")
        #expect(Set(ports).count == ports.count, "one private port got one public port for several peers: \(ports)")
    }
}

extension NATTraversalRelayTests {
    @Test("through both NATs the page decodes ≥ 100 frames over a TURN relay, drives the robot and hears it")
    func videoDriveAndAudioThroughTheRelay() async throws {
        try await NATStack.with { stack in
            let page = try await stack.openPage()
            let opened = ContinuousClock.now
            try await stack.waitForPage(page, "a first frame", timeout: .seconds(45)) {
                ($0["framesDecoded"]?.intValue ?? 0) > 0
            }
            let firstSeen = ContinuousClock.now - opened
            let hundred = try await stack.waitForPage(page, "100 decoded frames") {
                ($0["framesDecoded"]?.intValue ?? 0) >= 100
            }

            // The selected pair has a relay end: the only way across two symmetric NATs.
            let path = try await stack.path(of: page)
            print(
                "NAT relay: candidate types \(path.candidateTypes) (page local \(path.localAddress ?? "?"), robot "
                    + "\(path.remoteAddress ?? "?")); first frame \(Int(hundred["firstFrameMs"]?.doubleValue ?? -1)) ms after "
                    + "navigation (seen by the test after \(firstSeen))")
            #expect(path.isRelayed, "the selected pair is \(path.candidateTypes), not through the relay")
            #expect(
                path.localType == "relay",
                "the office browser's own candidate is its TURN relay: \(path.candidateTypes)")
            #expect(path.framesDecoded >= 100)

            // Driving from the page moves the simulated motors in home.
            let before = stack.motorSettings().count
            let forward = try await page.centre(of: ".drive[data-direction=\"forward\"]")
            try await page.mouse("mousePressed", x: forward.x, y: forward.y)
            try await waitFor("the motors driving forward", stack) {
                stack.motorSettings().dropFirst(before).contains { $0.left > 0 && $0.right > 0 }
            }
            try await page.mouse("mouseReleased", x: forward.x, y: forward.y)
            try await waitFor("the motors stopped after the release", stack) {
                stack.motorSettings().count > before && stack.motorSettings().last.map { $0 == (0, 0) } == true
            }

            // The robot's test tone arrives: audio packets and energy keep growing.
            let earlier = try await stack.path(of: page)
            try await Task.sleep(for: .seconds(2))
            let later = try await stack.path(of: page)
            #expect(later.audioPacketsReceived > earlier.audioPacketsReceived, "no audio packets in 2 s")
            #expect(
                (later.totalAudioEnergy ?? 0) > (earlier.totalAudioEnergy ?? 0),
                "the audio carries no energy (level \(later.audioLevel ?? -1))")
        }
    }

    private func waitFor(
        _ description: String, _ stack: NATStack, timeout: Duration = .seconds(10), _ condition: () -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else {
                throw TestSupportError("no \(description) within \(timeout); robotd:\n\(stack.robotd.outputTail())")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// ``ICEPath`` reads a getStats report as Chromium writes it (pure: no lab needed).
@Suite struct NATTraversalICEPathTests {
    static let report: [JSONValue] = [
        ["type": "transport", "id": "T1", "selectedCandidatePairId": "CP2"],
        [
            "type": "candidate-pair", "id": "CP1", "localCandidateId": "L1", "remoteCandidateId": "R1",
            "nominated": true,
            "state": "failed",
        ],
        [
            "type": "candidate-pair", "id": "CP2", "localCandidateId": "L2", "remoteCandidateId": "R2",
            "nominated": true,
            "state": "succeeded", "bytesReceived": 1200, "currentRoundTripTime": 0.002,
        ],
        [
            "type": "local-candidate", "id": "L1", "candidateType": "host", "address": "192.168.20.2", "port": 5000,
            "protocol": "udp",
        ],
        [
            "type": "local-candidate", "id": "L2", "candidateType": "relay", "address": "203.0.113.10", "port": 50000,
            "protocol": "udp",
        ],
        [
            "type": "remote-candidate", "id": "R1", "candidateType": "host", "address": "192.168.10.2", "port": 6000,
            "protocol": "udp",
        ],
        ["type": "remote-candidate", "id": "R2", "candidateType": "prflx", "port": 7000, "protocol": "udp"],
        [
            "type": "inbound-rtp", "kind": "video", "framesDecoded": 120, "packetsReceived": 500, "packetsLost": 3,
            "bytesReceived": 400_000, "freezeCount": 1,
        ],
        ["type": "inbound-rtp", "kind": "audio", "packetsReceived": 200, "audioLevel": 0.05, "totalAudioEnergy": 0.5],
    ]

    @Test func theTransportsSelectedPairNamesTheCandidateTypes() {
        let path = ICEPath(stats: Self.report)
        #expect(path.candidateTypes == "relay/prflx")
        #expect(path.isRelayed)
        #expect(path.localAddress == "203.0.113.10:50000/udp")
        #expect(path.remoteAddress == nil, "a prflx candidate without an address has none")
        #expect(path.bytesReceived == 1200)
        #expect(path.framesDecoded == 120 && path.videoPacketsLost == 3 && path.freezeCount == 1)
        #expect(path.audioPacketsReceived == 200 && path.totalAudioEnergy == 0.5)
    }

    @Test func withoutATransportTheNominatedSucceededPairIsSelected() {
        let path = ICEPath(stats: Self.report.filter { $0["type"] != "transport" })
        #expect(path.candidateTypes == "relay/prflx")
    }

    @Test func anEmptyReportHasNoPath() {
        let path = ICEPath(stats: [])
        #expect(path.candidateTypes == "?/?")
        #expect(!path.isRelayed)
    }
}
