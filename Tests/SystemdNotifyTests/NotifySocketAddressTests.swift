import SystemdNotify
import Testing

/// `NOTIFY_SOCKET` spellings: what systemd sets is accepted, anything else is refused with a reason.
@Suite struct NotifySocketAddressTests {
    @Test func anAbsolutePathIsASocketFile() throws {
        let address = try NotifySocketAddress("/run/systemd/notify")
        #expect(address.namespace == .filesystem)
        #expect(address.name == "/run/systemd/notify")
        #expect(address.description == "/run/systemd/notify")
    }

    @Test func anAtSignNamesAnAbstractSocket() throws {
        let address = try NotifySocketAddress("@/org/freedesktop/systemd1/notify/1234")
        #expect(address.namespace == .abstract)
        #expect(address.name == "/org/freedesktop/systemd1/notify/1234")
        #expect(address.description == "@/org/freedesktop/systemd1/notify/1234")
    }

    @Test(arguments: [
        ("run/notify", "expected an absolute path or an @abstract name"),
        ("@", "the abstract socket name is empty"),
        ("vsock:2:1234", "expected an absolute path or an @abstract name"),
        ("/" + String(repeating: "x", count: 107), "longer than the 107 bytes a socket name may have"),
        ("@" + String(repeating: "x", count: 108), "longer than the 107 bytes a socket name may have"),
    ])
    func otherSpellingsAreRefusedWithAReason(text: String, reason: String) {
        #expect {
            try NotifySocketAddress(text)
        } throws: { error in
            guard let error = error as? NotifyError else { return false }
            return error.kind == .badAddress(text) && error.description == "NOTIFY_SOCKET=\(text): \(reason)"
        }
    }

    @Test func theLongestNamesThatFitAreAccepted() throws {
        // sun_path holds 108 bytes: a path needs its NUL terminator, an abstract name its leading NUL.
        #expect(throws: Never.self) { try NotifySocketAddress("/" + String(repeating: "x", count: 106)) }
        #expect(throws: Never.self) { try NotifySocketAddress("@" + String(repeating: "x", count: 107)) }
    }
}
