import Hardware
import Testing

@Suite("MonotonicClock")
struct MonotonicClockTests {
    @Test("sleep(for:) sleeps at least that long and now() never goes back")
    func sleeps() {
        let start = MonotonicClock.now()
        MonotonicClock.sleep(for: .milliseconds(3))
        let end = MonotonicClock.now()
        #expect(end >= start + 3_000_000)
        #expect(end - start < 1_000_000_000)
    }

    @Test("hexByte writes two digits")
    func hex() {
        #expect(hexByte(0x60) == "0x60")
        #expect(hexByte(0x08) == "0x08")
        #expect(hexByte(0xFE) == "0xfe")
    }
}
