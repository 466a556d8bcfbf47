// relay-queue-probe: RelayQueue's crash-test subject (Tests/RelayQueueTests/CrashSafetyTests.swift).
//
//     relay-queue-probe PATH ROUND BATCH
//
// Loops until killed. Iteration i appends BATCH deliveries (message ids `rROUND-bI-J`, target "0") and prints
// `appended S1 S2 …`; then, in one apply, completes the first half of batch i-1 and replaces its second half by
// error-action deliveries (target "error", same message ids), and prints `applied -S … ~OLD>NEW …`. Each line is
// written with one write(2) only after the call returned, so the test, after SIGKILL, knows which calls the queue
// must have kept. Exits 1 with the error on stderr if the queue fails.
import Glibc
import RelayQueue

/// Writes `line` and a line break to `descriptor` (stdout by default) in one write(2) when possible.
func writeLine(_ line: String, to descriptor: Int32 = 1) {
    let bytes = Array((line + "\n").utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { exit(2) }
        offset += written
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 4, let round = Int(arguments[2]), let batchSize = Int(arguments[3]), batchSize >= 2 else {
    writeLine("usage: relay-queue-probe PATH ROUND BATCH (BATCH >= 2)", to: 2)
    exit(64)
}

func delivery(batch: Int, index: Int, target: String) -> NewDelivery {
    let id = "r\(round)-b\(batch)-\(index)"
    return NewDelivery(
        messageID: id, rule: "probe", target: target, topic: "probe/\(round)",
        payload: Array(repeating: UInt8(truncatingIfNeeded: index), count: 100), receivedAt: 1_700_000_000_000)
}

do throws(QueueError) {
    let queue = try DurableQueue(path: arguments[1])
    writeLine("open")
    var previous: [Int64] = []
    var batch = 0
    while true {
        let seqs = try queue.append((0..<batchSize).map { delivery(batch: batch, index: $0, target: "0") })
        writeLine("appended " + seqs.map(String.init).joined(separator: " "))
        if !previous.isEmpty {
            let half = previous.count / 2
            let replacements = previous[half...].enumerated().map { offset, seq in
                QueueChanges.Replacement(
                    seq: seq, with: delivery(batch: batch - 1, index: half + offset, target: "error"))
            }
            let applied = try queue.apply(QueueChanges(completed: Array(previous[..<half]), replacements: replacements))
            let completed = previous[..<half].map { "-\($0)" }
            let replaced = zip(previous[half...], applied.replacementSeqs).map {
                "~\($0)>\($1.map(String.init) ?? "nil")"
            }
            writeLine("applied " + (completed + replaced).joined(separator: " "))
        }
        previous = seqs
        batch += 1
    }
} catch {
    writeLine("relay-queue-probe: \(error)", to: 2)
    exit(1)
}
