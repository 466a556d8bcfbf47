import Foundation
import TestSupport

/// Loudness of 16-bit samples, and the WAV files robot-webrtc's `--audio-sink file:PATH` writes.
enum AudioLevel {
    /// Root mean square of `samples` (0 for none).
    static func rms<C: Collection>(_ samples: C) -> Double where C.Element == Int16 {
        guard !samples.isEmpty else { return 0 }
        let sum = samples.reduce(0.0) { $0 + Double($1) * Double($1) }
        return (sum / Double(samples.count)).squareRoot()
    }

    /// A mono S16LE WAV: its rate and samples.
    struct Wave {
        var rate: Int
        var channels: Int
        var samples: [Int16]

        var seconds: Double { Double(samples.count) / Double(rate) }

        /// Reads a RIFF/WAVE file: `fmt ` must say PCM 16-bit; the `data` chunk runs to the end of the file when its
        /// length is unset (a writer stopped without end-of-stream).
        init(contentsOf url: URL) throws {
            let bytes = [UInt8](try Data(contentsOf: url))
            guard bytes.count >= 12, bytes[0..<4] == [0x52, 0x49, 0x46, 0x46],
                bytes[8..<12] == [0x57, 0x41, 0x56, 0x45]
            else { throw TestSupportError("\(url.path) is not a WAV file (\(bytes.count) bytes)") }
            func le(_ offset: Int, _ count: Int) -> Int {
                (0..<count).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
            }
            var offset = 12
            var format: (channels: Int, rate: Int, bits: Int)?
            while offset + 8 <= bytes.count {
                let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
                let size = le(offset + 4, 4)
                let body = offset + 8
                if id == "fmt " {
                    format = (le(body + 2, 2), le(body + 4, 4), le(body + 14, 2))
                } else if id == "data" {
                    guard let format, format.bits == 16 else {
                        throw TestSupportError("\(url.path): not 16-bit PCM (\(String(describing: format)))")
                    }
                    let end = size == 0 || body + size > bytes.count ? bytes.count : body + size
                    let count = (end - body) / 2
                    samples = (0..<count).map { Int16(truncatingIfNeeded: le(body + 2 * $0, 2)) }
                    rate = format.rate
                    channels = format.channels
                    return
                }
                offset = body + size + (size & 1)
            }
            throw TestSupportError("\(url.path): no data chunk")
        }

        /// How many consecutive windows of `milliseconds` have an RMS above `threshold`, in seconds.
        func loudSeconds(threshold: Double, windowMilliseconds: Int = 20) -> Double {
            let window = max(1, rate * windowMilliseconds / 1000)
            var loud = 0
            var start = 0
            while start + window <= samples.count {
                if AudioLevel.rms(samples[start..<start + window]) > threshold { loud += 1 }
                start += window
            }
            return Double(loud * window) / Double(rate)
        }

        /// The dominant frequency of the loud part, from zero crossings (a clean sine: twice per period).
        func zeroCrossingFrequency(threshold: Double) -> Double {
            let window = rate / 50
            var crossings = 0
            var loudSamples = 0
            var start = 0
            while start + window <= samples.count {
                let slice = samples[start..<start + window]
                if AudioLevel.rms(slice) > threshold {
                    loudSamples += window
                    crossings += zip(slice, slice.dropFirst()).filter { ($0 < 0) != ($1 < 0) }.count
                }
                start += window
            }
            guard loudSamples > 0 else { return 0 }
            return Double(crossings) / 2 / (Double(loudSamples) / Double(rate))
        }
    }
}
