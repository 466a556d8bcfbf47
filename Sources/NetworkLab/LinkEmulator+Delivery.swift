/// The packets one direction of a ``LinkEmulator`` holds until their delivery time: a binary min-heap on
/// (time, arrival number), so packets due at the same time leave in the order they came.
struct DeliveryQueue {
    private struct Entry {
        let time: Int64
        let number: Int
        let packet: [UInt8]

        func precedes(_ other: Entry) -> Bool { (time, number) < (other.time, other.number) }
    }

    private var heap: [Entry] = []
    private var arrivals = 0

    /// When the first packet is due; nil when none waits.
    var nextTime: Int64? { heap.first?.time }

    mutating func insert(_ packet: [UInt8], at time: Int64) {
        heap.append(Entry(time: time, number: arrivals, packet: packet))
        arrivals += 1
        var child = heap.count - 1
        while child > 0, heap[child].precedes(heap[(child - 1) / 2]) {
            heap.swapAt(child, (child - 1) / 2)
            child = (child - 1) / 2
        }
    }

    /// Removes and returns the first packet due at or before `now`.
    mutating func popDue(at now: Int64) -> [UInt8]? {
        guard let first = heap.first, first.time <= now else { return nil }
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].precedes(heap[smallest]) { smallest = left }
            if right < heap.count, heap[right].precedes(heap[smallest]) { smallest = right }
            guard smallest != parent else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return first.packet
    }
}
