import ArgumentParser
import FoundationEssentials
import WebRTCProducer

extension RobotWebRTC {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: """
                List which sources, encoders, audio and WebRTC elements are installed, and the cameras, microphones \
                and speakers found.
                """,
            discussion: """
                Prints one line per GStreamer element (✓ installed, ✗ missing with its Debian package), the \
                V4L2 devices, the ALSA capture and playback devices (/proc/asound/pcm; their names for \
                --audio-device/--audio-sink-device are plughw:CARD,DEVICE), and the encoder --encoder auto would \
                pick for each codec. Exits 0 when videotestsrc can be streamed with some H.264 or VP8 encoder, 1 \
                otherwise (missing audio elements only matter with the audio options).
                """)

        func run() async throws {
            do {
                try GStreamer.initialize()
            } catch {
                print("✗ \(error)")
                throw ExitCode(1)
            }
            print(GStreamer.version)
            let survey = ElementSurvey.current()
            for entry in survey.entries {
                let mark = entry.isInstalled ? "✓" : "✗"
                let install = entry.isInstalled ? "" : " — apt install \(entry.package)"
                let name = entry.element + String(repeating: " ", count: max(0, 15 - entry.element.count))
                print("\(mark) \(name) \(entry.role)\(install)")
            }
            let devices = ((try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? [])
                .filter { $0.hasPrefix("video") }.sorted().map { "/dev/" + $0 }
            print("V4L2 devices: \(devices.isEmpty ? "none" : devices.joined(separator: ", "))")
            let pcm = ALSADevices.parse((try? String(contentsOfFile: "/proc/asound/pcm", encoding: .utf8)) ?? "")
            print("ALSA capture devices (--audio-source alsa --audio-device …): \(ALSADevices.list(pcm.capture))")
            print("ALSA playback devices (--audio-sink alsa --audio-sink-device …): \(ALSADevices.list(pcm.playback))")
            var usable = false
            for codec in VideoCodec.allCases {
                let choice = VideoEncoder.preferred(for: codec, isAvailable: survey.isInstalled)
                print("--codec \(codec): \(choice.map { "--encoder auto uses \($0)" } ?? "no encoder installed")")
                if let choice {
                    let description = PipelineDescription(
                        source: .testPattern, encoder: choice, width: 640, height: 480, framesPerSecond: 30,
                        bitrateKbps: 1000)
                    let missing = survey.missingElements(for: description)
                    if missing.isEmpty {
                        usable = true
                    } else {
                        print("  missing for streaming: \(missing.joined(separator: ", "))")
                    }
                }
            }
            guard usable else {
                print("✗ nothing can be streamed: install the missing packages above")
                throw ExitCode(1)
            }
        }
    }
}
