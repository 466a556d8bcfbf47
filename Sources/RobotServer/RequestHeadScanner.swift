/// Finds the end of an HTTP/1 request head (the blank line, `CRLF CRLF`) in bytes that arrive in pieces.
///
/// ``ConnectionGuard`` uses it to tell a client that has sent its request head from one still trickling it
/// (slowloris). Only the last three bytes of each piece are kept, so a head split anywhere is still found.
struct RequestHeadScanner: Sendable, Equatable {
    /// How many bytes of `\r\n\r\n` the bytes seen so far end with.
    private(set) var matched = 0

    /// Feeds the next bytes; true once the head's blank line has been seen.
    mutating func scan(_ bytes: some Sequence<UInt8>) -> Bool {
        for byte in bytes {
            switch (matched, byte) {
            case (0, 13), (2, 13): matched += 1
            case (1, 10): matched = 2
            case (3, 10): matched = 4; return true
            case (_, 13): matched = 1
            default: matched = 0
            }
        }
        return false
    }
}
