import AWSSigV4
import Foundation
import TestSupport

/// One vector of AWS's SigV4 test suite in `Fixtures/sigv4/NAME/`: the request, parsed, and the expected outputs.
struct SigV4SuiteVector: CustomStringConvertible {
    static let folder = RepositoryPaths.root.appending(
        path: "Tests/SQSTests/Fixtures/sigv4", directoryHint: .isDirectory)
    static let credentials = AWSCredentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

    /// The vectors' names: every folder under ``folder``.
    static var names: [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return entries.filter { !$0.contains(".") && !["LICENSE", "NOTICE"].contains($0) }.sorted()
    }

    let name: String
    let request: SigV4Request
    let date: AmzDate
    let sessionToken: String?
    let canonicalRequest: String
    let stringToSign: String
    let authorization: String

    var description: String { name }

    /// Reads and parses the vector. The request's `X-Amz-Date` becomes the signing date and its
    /// `X-Amz-Security-Token` (or the signed request's) the credentials' session token: the signer adds both.
    init(_ name: String) throws {
        self.name = name
        func read(_ suffix: String) throws -> String {
            try String(contentsOf: Self.folder.appending(path: "\(name)/\(name).\(suffix)"), encoding: .utf8)
        }
        let text = try read("req")
        let (head, body) = Self.split(text)
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst()
        guard let methodEnd = requestLine.firstIndex(of: " "), requestLine.hasSuffix(" HTTP/1.1") else {
            throw TestSupportError("\(name).req: bad request line \(requestLine)")
        }
        let target = String(requestLine[requestLine.index(after: methodEnd)...].dropLast(" HTTP/1.1".count))
        let (path, query) = Self.splitTarget(target)
        var headers: [(name: String, value: String)] = []
        var date: AmzDate?
        var token: String?
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else {
                throw TestSupportError("\(name).req: header line without a colon: \(line)")
            }
            let header = (name: String(line[..<colon]), value: String(line[line.index(after: colon)...]))
            switch header.name.lowercased() {
            case "x-amz-date": date = AmzDate(header.value)
            case "x-amz-security-token": token = header.value
            default: headers.append(header)
            }
        }
        guard let date else { throw TestSupportError("\(name).req: no valid X-Amz-Date header") }
        if token == nil {
            token = try read("sreq").split(separator: "\n")
                .first { $0.lowercased().hasPrefix("x-amz-security-token:") }
                .map { String($0.drop { $0 != ":" }.dropFirst()) }
        }
        self.date = date
        self.sessionToken = token
        self.request = SigV4Request(
            method: String(requestLine[..<methodEnd]), path: path, query: query, headers: headers,
            body: Array(body.utf8))
        self.canonicalRequest = try read("creq")
        self.stringToSign = try read("sts")
        self.authorization = try read("authz")
    }

    /// Head (request line and headers) and body, split at the first blank line.
    private static func split(_ text: String) -> (head: String, body: String) {
        guard let blank = text.range(of: "\n\n") else { return (text, "") }
        return (String(text[..<blank.lowerBound]), String(text[blank.upperBound...]))
    }

    /// The path as written, and the query's parameters percent-decoded.
    private static func splitTarget(_ target: String) -> (path: String, query: [(name: String, value: String)]) {
        guard let mark = target.firstIndex(of: "?") else { return (target, []) }
        let query = target[target.index(after: mark)...].split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (name: percentDecoded(parts[0]), value: parts.count > 1 ? percentDecoded(parts[1]) : "")
        }
        return (String(target[..<mark]), query)
    }

    private static func percentDecoded(_ text: Substring) -> String {
        text.removingPercentEncoding ?? String(text)
    }
}
