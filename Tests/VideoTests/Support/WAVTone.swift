import Foundation

/// A pure tone in 16-bit PCM: written as the WAV that Chromium's fake microphone plays, and found again (Goertzel) in
/// the WAV robot-webrtc's `--audio-sink file:PATH` writes (read with ``AudioLevel/Wave``).
enum WAVTone {
    /// `seconds` of a sine at `frequency` Hz, `amplitude` a fraction of full scale.
    static func sine(frequency: Double, seconds: Double, rate: Int = 48_000, amplitude: Double = 0.5) -> [Int16] {
        let count = Int(seconds * Double(rate))
        let step = 2 * Double.pi * frequency / Double(rate)
        return (0..<count).map { Int16((amplitude * 32_767 * sin(step * Double($0))).rounded()) }
    }

    /// A RIFF/WAVE file of mono 16-bit little-endian PCM.
    static func wav(_ samples: [Int16], rate: Int = 48_000) -> Data {
        func le(_ value: Int, _ count: Int) -> [UInt8] {
            (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        }
        let data = samples.count * 2
        var bytes = Array("RIFF".utf8) + le(36 + data, 4) + Array("WAVEfmt ".utf8)
        // PCM, 1 channel, rate, byte rate, block align 2, 16 bits.
        bytes += le(16, 4) + le(1, 2) + le(1, 2) + le(rate, 4) + le(rate * 2, 4) + le(2, 2) + le(16, 2)
        bytes += Array("data".utf8) + le(data, 4)
        bytes.reserveCapacity(bytes.count + data)
        for sample in samples { bytes += le(Int(sample), 2) }
        return Data(bytes)
    }

    /// How much of `samples` is a sine at `frequency`, from the Goertzel filter at exactly that frequency:
    /// `amplitude`, the sine's peak in sample units (2|X|/N), and `fraction`, its share of the samples' power
    /// (2|X|²/(N·Σx²)): ≈ 1 for that pure tone, ≈ 0 for silence, noise or another frequency.
    struct Measure: CustomStringConvertible {
        var amplitude: Double
        var fraction: Double

        var description: String {
            "amplitude \(Int(amplitude.rounded())), \(Int((fraction * 100).rounded())) % of the power"
        }
    }

    /// ``measure(_:in:rate:)`` of each whole window of `milliseconds` in `samples`, in order.
    static func windows(
        _ frequency: Double, in samples: ArraySlice<Int16>, milliseconds: Int = 100, rate: Int = 48_000
    ) -> [Measure] {
        let size = rate * milliseconds / 1000
        return stride(from: samples.startIndex, to: samples.endIndex - size + 1, by: size).map {
            measure(frequency, in: samples[$0..<$0 + size], rate: rate)
        }
    }

    static func measure(_ frequency: Double, in samples: ArraySlice<Int16>, rate: Int = 48_000) -> Measure {
        guard !samples.isEmpty else { return Measure(amplitude: 0, fraction: 0) }
        let omega = 2 * Double.pi * frequency / Double(rate)
        let coefficient = 2 * cos(omega)
        var (previous, beforePrevious, power) = (0.0, 0.0, 0.0)
        for sample in samples {
            let value = Double(sample)
            (previous, beforePrevious) = (value + coefficient * previous - beforePrevious, previous)
            power += value * value
        }
        // |X(ω)|² of the last state pair.
        let squared = previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious
        let count = Double(samples.count)
        let magnitude = max(0, squared).squareRoot()
        return Measure(
            amplitude: 2 * magnitude / count, fraction: power > 0 ? min(1, 2 * squared / (count * power)) : 0)
    }
}
