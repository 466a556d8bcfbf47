/// Pages of one lane's backlog: the relay holds a bounded window of each lane in memory and reads the rest from
/// the file as the lane drains.
extension QueueStore {
    /// One lane's queued deliveries in seq order, from the seq `from` on, at most `limit`: the relay pages a lane's
    /// backlog in from the file instead of holding it all in memory.
    ///
    /// No index on (rule, target): it would cost every append. The scan walks the table by seq from `from`,
    /// skipping other lanes' rows, so a page costs the rows between its first and last, of any lane.
    func pending(rule: String, target: String, from seq: Int64, limit: Int) throws(QueueError) -> [QueuedDelivery] {
        connection.operation = .pending
        let statement = try connection.prepare(
            """
            SELECT seq, message_id, rule, target, topic, payload, received_at, attempts, not_before, last_error
            FROM delivery WHERE seq >= ?1 AND rule = ?2 AND target = ?3 ORDER BY seq LIMIT ?4
            """)
        defer { statement.finalize() }
        try statement.bind(seq, at: 1)
        try statement.bind(rule, at: 2)
        try statement.bind(target, at: 3)
        try statement.bind(Int64(limit), at: 4)
        return try Self.deliveries(statement)
    }
}
