import Basics

/// A bench command's `id`: `F<phase>-<µs since the epoch at send>-<sequence>`, so whoever sees it come back (the
/// robot's `command` telemetry on the broker, a viewer's `telemetry` frame) knows the phase and the send time
/// without asking the sender. Robot and bench read CLOCK_REALTIME on one machine.
struct CommandID: Equatable {
    var phase: Character
    var sentMicros: Int64
    var sequence: Int

    var text: String { "F\(phase)-\(sentMicros)-\(sequence)" }

    init(phase: Character, sentMicros: Int64, sequence: Int) {
        self.phase = phase
        self.sentMicros = sentMicros
        self.sequence = sequence
    }

    /// Nil for an id the bench did not make.
    init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 2, parts[0].first == "F", let micros = Int64(parts[1]),
            let sequence = Int(parts[2])
        else { return nil }
        self.init(phase: parts[0].last!, sentMicros: micros, sequence: sequence)
    }
}

func wallClockMicros() -> Int64 {
    Timestamp.now().microsecondsSinceEpoch
}
