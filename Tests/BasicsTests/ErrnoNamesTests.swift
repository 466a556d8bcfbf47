import Basics
import Glibc
import SystemPackage
import Testing

@Suite struct ErrnoNamesTests {
    @Test func namesAreTheSymbolsOrTheNumber() {
        #expect(Errno.noSuchFileOrDirectory.name == "ENOENT")
        #expect(Errno.remoteIO.name == "EREMOTEIO")
        #expect(Errno.fileTooLarge.symbol == "EFBIG")
        #expect(Errno(rawValue: 9999).symbol == nil)
        #expect(Errno(rawValue: 9999).name == "errno 9999")
    }

    @Test func descriptionIsTheStrerrorText() {
        #expect(Errno.resourceBusy.description == "Device or resource busy")
        #expect(Errno.remoteIO.description == "Remote I/O error")
    }

    @Test func currentIsWhatTheLastFailedCallLeft() {
        #expect(open("/nonexistent/basics-errno-test", O_RDONLY) == -1)
        #expect(Errno.current == .noSuchFileOrDirectory)
        #expect(access("/", 0o77) == -1)  // a mode with bits access(2) does not know
        #expect(Errno.current == .invalidArgument)
    }
}
