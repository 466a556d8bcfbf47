import Foundation
import TestSupport
import Testing

/// ``WAVTone``: the WAV it writes reads back sample for sample, and its Goertzel measure finds a tone where there is
/// one and nowhere else. Pure: numbers and one scratch file.
@Suite struct WAVToneAudioTests {
    @Test func aWrittenWAVReadsBackAsTheSameSamples() throws {
        let samples = WAVTone.sine(frequency: 1000, seconds: 0.25, amplitude: 0.4)
        let file = try ScratchDirectory.make("wav-tone").appending(path: "tone.wav")
        try WAVTone.wav(samples).write(to: file)
        let wave = try AudioLevel.Wave(contentsOf: file)
        #expect(wave.rate == 48_000 && wave.channels == 1)
        #expect(wave.samples == samples)
        #expect(samples.count == 12_000 && samples.max() == Int16((0.4 * 32_767).rounded()))
    }

    @Test func theToneIsFoundAtItsFrequencyOnly() {
        let tone = WAVTone.sine(frequency: 1000, seconds: 0.2, amplitude: 0.25)[...]
        let at = WAVTone.measure(1000, in: tone)
        #expect(at.fraction > 0.99, "\(at)")
        #expect(abs(at.amplitude - 0.25 * 32_767) < 50, "\(at)")
        let elsewhere = WAVTone.measure(1500, in: tone)
        #expect(elsewhere.fraction < 0.001 && elsewhere.amplitude < 20, "\(elsewhere)")
    }

    @Test func aWindowThatIsNotWholePeriodsStillMeasuresTheTone() {
        // 1234 samples: 25.7 periods of 1 kHz at 48 kHz.
        let tone = WAVTone.sine(frequency: 1000, seconds: 1)[100..<1334]
        let at = WAVTone.measure(1000, in: tone)
        #expect(at.fraction > 0.95 && abs(at.amplitude - 0.5 * 32_767) < 0.05 * 32_767, "\(at)")
    }

    @Test func twoTonesShareThePowerAndSilenceHasNone() {
        let low = WAVTone.sine(frequency: 1000, seconds: 0.5, amplitude: 0.3)
        let high = WAVTone.sine(frequency: 1500, seconds: 0.5, amplitude: 0.3)
        let mixed = zip(low, high).map { $0 &+ $1 }[...]
        let first = WAVTone.measure(1000, in: mixed)
        let second = WAVTone.measure(1500, in: mixed)
        #expect(abs(first.fraction - 0.5) < 0.02 && abs(second.fraction - 0.5) < 0.02, "\(first); \(second)")
        let silence = [Int16](repeating: 0, count: 4800)[...]
        let quiet = WAVTone.measure(1000, in: silence)
        #expect(quiet.fraction == 0 && quiet.amplitude == 0)
        #expect(WAVTone.measure(1000, in: [][...]).amplitude == 0)
    }

    @Test func noiseIsNotATone() {
        // A fixed linear congruential sequence: deterministic, spread over every frequency.
        var state: UInt32 = 12_345
        let noise = (0..<48_000).map { _ -> Int16 in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Int16(truncatingIfNeeded: Int(state >> 16) - 32_768) / 4
        }[...]
        let measured = WAVTone.measure(1000, in: noise)
        #expect(measured.fraction < 0.01, "\(measured)")
    }
}
