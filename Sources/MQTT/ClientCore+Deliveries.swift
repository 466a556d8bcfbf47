import CMosquitto
import Synchronization

extension ClientCore {
    /// Runs `publish` and registers its message id for acknowledgement.
    func publishTracked(
        timeout: Duration, onComplete: (@Sendable (Result<Void, MQTTError>) -> Void)? = nil,
        _ publish: () throws(MQTTError) -> Int32
    ) throws(MQTTError) -> Delivery {
        let delivery = Delivery(timeout: timeout, onComplete: onComplete)
        let (_, error) = track(count: 1, { _ in .single(delivery) }) { _ throws(MQTTError) -> Int32 in try publish() }
        if let error { throw error }
        return delivery
    }

    /// Runs `publish` for each of `count` messages in order and registers their message ids, as one batch: one
    /// registration and no object per message. Returns how many were published, and the error that stopped the
    /// rest (those get no `onComplete` call).
    func publishTracked(
        batch count: Int, timeout: Duration, onComplete: @escaping @Sendable (Int, Result<Void, MQTTError>) -> Void,
        _ publish: (Int) throws(MQTTError) -> Int32
    ) -> (published: Int, error: MQTTError?) {
        let batch = DeliveryBatch(timeout: timeout, onComplete: onComplete)
        return track(count: count, { .member(batch, index: $0) }, publish)
    }

    /// Publishes and registers for acknowledgement (see ``DeliveryTracker`` for why the publish runs outside the
    /// lock, and what becomes of an acknowledgement that comes first).
    private func track(
        count: Int, _ tracked: (Int) -> TrackedDelivery, _ publish: (Int) throws(MQTTError) -> Int32
    ) -> (published: Int, error: MQTTError?) {
        guard isRunning else { return (0, MQTTError(.shutDown, "the MQTT client is shut down")) }
        deliveries.withLock { $0.beginRegistration() }
        var mids: [Int32] = []
        mids.reserveCapacity(count)
        var failure: MQTTError?
        for index in 0..<count {
            do throws(MQTTError) {
                mids.append(try publish(index))
            } catch {
                failure = error
                break
            }
        }
        var settled: [(TrackedDelivery, Result<Void, MQTTError>)] = []
        let startSweeper = deliveries.withLock { tracker -> Bool in
            for (index, mid) in mids.enumerated() {
                let delivery = tracked(index)
                switch tracker.register(delivery, mid: mid, deadline: delivery.deadline) {
                case .pending: break
                case .acknowledged(let reasonCode): settled.append((delivery, Self.result(reasonCode: reasonCode)))
                case .closed:
                    settled.append((delivery, .failure(MQTTError(.shutDown, "the MQTT client was shut down"))))
                }
            }
            return tracker.endRegistration()
        }
        for (delivery, result) in settled {
            delivery.complete(result)
        }
        if startSweeper {
            Task.detached { [self] in await sweepExpiredDeliveries() }
        }
        return (mids.count, failure)
    }

    /// How often overdue deliveries are looked for: a publish fails at most this much after its timeout.
    static let sweepInterval = Duration.milliseconds(50)

    /// Fails deliveries whose deadline passed, every ``sweepInterval`` while any is pending; ends when none is
    /// left (the next tracked publish starts it again), so an idle client has no timer at all.
    private func sweepExpiredDeliveries() async {
        while true {
            try? await Task.sleep(for: Self.sweepInterval)
            let (expired, sweeping) = deliveries.withLock { $0.sweep(now: .now) }
            for delivery in expired {
                delivery.expire()
            }
            if !sweeping { return }
        }
    }

    /// libmosquitto's publish callback: a QoS 1 message acknowledged, or a QoS 0 one written out.
    func acknowledged(mid: Int32, reasonCode: Int32) {
        let delivery = deliveries.withLock { $0.acknowledged(mid, reasonCode: reasonCode) }
        delivery?.complete(Self.result(reasonCode: reasonCode))
    }

    /// A PUBACK's reason code as an outcome: ≥ 0x80 is the broker's refusal (MQTT v5).
    private static func result(reasonCode: Int32) -> Result<Void, MQTTError> {
        guard reasonCode >= 0x80 else { return .success(()) }
        let reason = String(cString: mosquitto_reason_string(reasonCode))
        return .failure(
            MQTTError(.refused, "the broker refused the message: \(reason) (0x\(String(reasonCode, radix: 16)))"))
    }
}
