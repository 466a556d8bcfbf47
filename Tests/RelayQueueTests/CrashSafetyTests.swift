import Foundation
import RelayQueue
import TestSupport
import Testing

/// A process killed with SIGKILL in the middle of its work loses nothing a call had returned, and no call is
/// half-applied. The subject is `relay-queue-probe` (Sources/relay-queue-probe), which appends and applies in a
/// loop and prints each returned result.
@Suite(.timeLimit(.minutes(2))) struct CrashSafetyTests {
    static let batchSize = 8

    @Test func everyReturnedCallSurvivesSIGKILLAndNoneIsHalfDone() async throws {
        let path = try freshQueuePath("crash")
        let probe = try RepositoryPaths.product("relay-queue-probe").path
        var earlierRounds: [QueuedDelivery] = []
        for round in 1...3 {
            let child = try ChildProcess.start(probe, [path, String(round), String(Self.batchSize)])
            try await Self.waitForLines(child, count: 300 + Int.random(in: 0..<300))

            let busy = #expect(throws: QueueError.self) { try DurableQueue(path: path) }
            #expect(busy?.code == .inUse)
            #expect(
                busy?.description.contains("pid \(child.processIdentifier)") == true, "\(busy.map { "\($0)" } ?? "")")

            let termination = try await child.kill()
            #expect(termination == .signalled(SIGKILL))
            let output = try ProbeOutput(child.standardOutput)
            #expect(output.batches.count >= 100)

            let queue = try DurableQueue(path: path)
            let rows = try queue.pending()
            #expect(try queue.depth().total == rows.count)
            queue.close()
            let mine = rows.filter { $0.delivery.messageID.hasPrefix("r\(round)-") }
            #expect(rows.filter { !$0.delivery.messageID.hasPrefix("r\(round)-") } == earlierRounds)
            Self.verify(output, rows: mine, round: round)
            earlierRounds = rows
        }
    }

    /// Every batch's fate as printed must be in the queue; the one call that may have committed without printing
    /// must be all there or not at all.
    static func verify(_ output: ProbeOutput, rows: [QueuedDelivery], round: Int) {
        let bySeq = Dictionary(uniqueKeysWithValues: rows.map { ($0.seq, $0.delivery) })
        let half = batchSize / 2
        var accounted = Set<Int64>()
        func id(_ batch: Int, _ index: Int) -> String { "r\(round)-b\(batch)-\(index)" }

        for (batch, seqs) in output.batches.enumerated() {
            #expect(seqs.count == batchSize)
            accounted.formUnion(seqs)
            if let applied = output.applied[batch] {
                #expect(applied.completed == Array(seqs[..<half]))
                #expect(applied.completed.allSatisfy { bySeq[$0] == nil }, "completed rows stay deleted")
                #expect(applied.replaced.map(\.old) == Array(seqs[half...]))
                for (offset, (old, new)) in applied.replaced.enumerated() {
                    #expect(bySeq[old] == nil, "replaced row \(old) is gone")
                    #expect(bySeq[new]?.messageID == id(batch, half + offset) && bySeq[new]?.target == "error")
                    accounted.insert(new)
                }
            } else if batch == output.batches.count - 2 {
                // Killed during (or right after) this batch's apply: one transaction, so all or nothing.
                let kept = seqs.filter { bySeq[$0] != nil }
                let replacedIDs = Set((half..<batchSize).map { id(batch, $0) })
                let errorRows = rows.filter {
                    $0.delivery.target == "error" && replacedIDs.contains($0.delivery.messageID)
                }
                if kept.isEmpty {
                    #expect(errorRows.count == half, "the apply committed: every replacement is there")
                } else {
                    #expect(kept == seqs, "the apply did not commit: the whole batch is still queued")
                    #expect(errorRows.isEmpty)
                }
                accounted.formUnion(errorRows.map(\.seq))
            } else {
                #expect(batch == output.batches.count - 1, "only the last batches may lack an apply line")
                for (index, seq) in seqs.enumerated() {
                    #expect(bySeq[seq]?.messageID == id(batch, index), "appended row \(seq) is queued")
                }
            }
        }
        // An append that committed but was killed before its line was written: the whole batch or nothing.
        let unprinted = rows.filter { !accounted.contains($0.seq) }
        #expect(unprinted.isEmpty || unprinted.count == batchSize, "\(unprinted.map(\.seq))")
        #expect(
            unprinted.map(\.delivery.messageID)
                == (unprinted.isEmpty ? [] : (0..<batchSize).map { id(output.batches.count, $0) }))
    }

    static func waitForLines(_ child: ChildProcess, count: Int) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while child.lines(.standardOutput).count < count {
            if let ended = child.termination {
                throw ProbeOutput.Failure(description: "the probe ended (\(ended)):\n\(child.outputTail())")
            }
            if ContinuousClock.now > deadline {
                throw ProbeOutput.Failure(description: "the probe printed too little:\n\(child.outputTail())")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// What `relay-queue-probe` printed before it was killed: its complete lines only.
struct ProbeOutput {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Applied {
        var completed: [Int64] = []
        var replaced: [(old: Int64, new: Int64)] = []
    }

    /// The seqs of each appended batch, in order.
    var batches: [[Int64]] = []
    /// The apply of each batch (by index), for those whose line was printed.
    var applied: [Int: Applied] = [:]

    init(_ text: String) throws {
        // The last piece has no line break: a line cut off by the kill, or nothing.
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let words = line.split(separator: " ")
            switch words.first {
            case "open": continue
            case "appended":
                batches.append(try words.dropFirst().map { try Self.seq($0) })
            case "applied":
                var applied = Applied()
                for word in words.dropFirst() {
                    if word.hasPrefix("-") {
                        applied.completed.append(try Self.seq(word.dropFirst()))
                    } else {
                        let parts = word.dropFirst().split(separator: ">")
                        guard word.hasPrefix("~"), parts.count == 2 else {
                            throw Failure(description: "bad word \(word)")
                        }
                        applied.replaced.append((try Self.seq(parts[0]), try Self.seq(parts[1])))
                    }
                }
                // Printed after the next batch's append: it is the apply of the batch before the newest.
                self.applied[batches.count - 2] = applied
            default:
                throw Failure(description: "unexpected probe line: \(line)")
            }
        }
    }

    private static func seq(_ word: Substring) throws -> Int64 {
        guard let seq = Int64(word) else { throw Failure(description: "not a seq: \(word)") }
        return seq
    }
}
