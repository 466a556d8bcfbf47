@testable import RobotServer
import Testing

/// Finding the end of a request head in bytes that arrive in pieces (the slowloris guard's test of "head done").
@Suite struct RequestHeadScannerTests {
    func scan(_ pieces: [String]) -> Int? {
        var scanner = RequestHeadScanner()
        return pieces.firstIndex { scanner.scan($0.utf8) }
    }

    @Test func aWholeHeadIsFound() {
        #expect(scan(["GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"]) == 0)
    }

    @Test func aHeadSplitAnywhereIsFoundInThePieceThatEndsIt() {
        let head = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        for cut in 1..<head.utf8.count {
            let bytes = Array(head.utf8)
            let pieces = [bytes[..<cut], bytes[cut...]].map { String(decoding: $0, as: UTF8.self) }
            #expect(scan(pieces) == 1, "cut at \(cut)")
        }
        // One byte at a time, as a slowloris client sends it.
        #expect(scan(head.utf8.map { String(decoding: [$0], as: UTF8.self) }) == head.utf8.count - 1)
    }

    @Test func headerLinesWithoutTheBlankLineNeverEndIt() {
        let trickle = ["GET / HTTP/1.1\r\n"] + (0..<100).map { "X-Slow-\($0): 1\r\n" }
        #expect(scan(trickle) == nil)
        #expect(scan(["GET / HTTP/1.1\r\n\r", "X\r\n\n"]) == nil, "CR LF CR then anything else starts over")
        #expect(scan(["\r\r\n\r\n"]) == 0, "a stray CR before the blank line")
    }
}
