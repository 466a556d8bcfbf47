/// The latency probe's picture code: the wall-clock time, in milliseconds since the Unix epoch, as a stripe of 64
/// black and white cells across the top 16 rows of a frame. The producer paints it (``ClockStripeProbe``); the
/// drive page reads it back from every frame it shows (`app.js`, `?probe=1`) and subtracts it from its own clock.
///
/// Cells, left to right: a white-black start marker; 48 bits of the time, most significant first (white = 1); 8
/// bits that are the XOR of the time's six bytes; a black-white-black-white-black-white end marker. Cells are
/// big (10 px at 640 wide) and pure black or white in luma with neutral chroma, so they survive H.264 and VP8 at
/// any bit rate a viewer gets; the markers and the check byte reject a frame whose stripe got mangled.
/// `docs/VIDEO.md` has the same layout for other readers.
public enum ClockStripe {
    public static let cellCount = 64
    /// Rows the stripe covers (frames must be at least ``minimumHeight`` high).
    public static let rows = 16
    public static let minimumHeight = 64
    public static let minimumWidth = cellCount * 4
    /// Studio-range luma of a white and a black cell.
    public static let white: UInt8 = 235
    public static let black: UInt8 = 16

    static let timeBits = 48
    static let startMarker: [Bool] = [true, false]
    static let endMarker: [Bool] = [false, true, false, true, false, true]

    /// The 64 cells (true = white) that say `milliseconds` (its low 48 bits: until the year 10889).
    public static func cells(for milliseconds: UInt64) -> [Bool] {
        let time = milliseconds & ((1 << UInt64(timeBits)) - 1)
        var cells = startMarker
        cells += (0..<timeBits).map { bit in time >> UInt64(timeBits - 1 - bit) & 1 == 1 }
        let check = checkByte(time)
        cells += (0..<8).map { bit in check >> UInt8(7 - bit) & 1 == 1 }
        cells += endMarker
        return cells
    }

    /// The time the cells say, or nil when a marker or the check byte is wrong.
    public static func time(fromCells cells: [Bool]) -> UInt64? {
        guard cells.count == cellCount, Array(cells[0..<2]) == startMarker, Array(cells[58...]) == endMarker
        else { return nil }
        let time = cells[2..<50].reduce(UInt64(0)) { $0 << 1 | ($1 ? 1 : 0) }
        let check = cells[50..<58].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) }
        return check == checkByte(time) ? time : nil
    }

    /// The time in 64 cell brightnesses (any scale: luma, or the mean of r, g and b): each cell is white when
    /// brighter than halfway between the start marker's white and black cells.
    public static func time(fromBrightness brightness: [Double]) -> UInt64? {
        guard brightness.count == cellCount, brightness[0] > brightness[1] else { return nil }
        let threshold = (brightness[0] + brightness[1]) / 2
        return time(fromCells: brightness.map { $0 > threshold })
    }

    /// The columns of cell `index` in a frame `width` wide: [index·width/64, (index+1)·width/64).
    public static func columns(ofCell index: Int, width: Int) -> Range<Int> {
        (index * width / cellCount)..<((index + 1) * width / cellCount)
    }

    /// Paints `milliseconds` into an 8-bit luma plane (`stride` bytes per row) of a frame `width` wide.
    public static func paintLuma(
        _ plane: UnsafeMutableRawBufferPointer, stride: Int, width: Int, milliseconds: UInt64
    ) {
        for (index, isWhite) in cells(for: milliseconds).enumerated() {
            let columns = columns(ofCell: index, width: width)
            for row in 0..<rows {
                let start = row * stride
                for column in columns { plane[start + column] = isWhite ? white : black }
            }
        }
    }

    /// The time painted in a luma plane, sampled as the page does: the mean of rows 4..<12 over the middle half
    /// of each cell.
    public static func decodeLuma(_ plane: UnsafeRawBufferPointer, stride: Int, width: Int) -> UInt64? {
        let brightness = (0..<cellCount).map { index -> Double in
            let columns = columns(ofCell: index, width: width)
            let quarter = columns.count / 4
            let middle = (columns.lowerBound + quarter)..<max(columns.lowerBound + quarter + 1, columns.upperBound - quarter)
            var sum = 0
            for row in 4..<12 {
                for column in middle { sum += Int(plane[row * stride + column]) }
            }
            return Double(sum) / Double(8 * middle.count)
        }
        return time(fromBrightness: brightness)
    }

    static func checkByte(_ time: UInt64) -> UInt8 {
        (0..<6).reduce(UInt8(0)) { $0 ^ UInt8(truncatingIfNeeded: time >> UInt64(8 * $1)) }
    }
}
