public import StrictJSON

/// One battery measurement as telemetry reports it (`"battery": {"volts": 7.42, "amps": 0.31, "level": 0.62,
/// "low": false}`): heartbeats carry the latest, `battery` events the one that crossed the threshold.
public struct BatteryReading: Sendable, Equatable {
    /// The battery's voltage (after the divider is undone), in volts.
    public var volts: Double
    /// The current drawn, in amperes, where the sensor measures it (INA219); nil otherwise.
    public var amps: Double?
    /// The charge left as 0…1, estimated linearly between the configured empty and full voltages; nil without them.
    public var level: Double?
    /// Whether the battery is below its warning threshold (with hysteresis).
    public var low: Bool

    public init(volts: Double, amps: Double? = nil, level: Double? = nil, low: Bool = false) {
        self.volts = volts
        self.amps = amps
        self.level = level
        self.low = low
    }

    /// The telemetry object; numbers rounded to 3 decimals (millivolts, milliamps).
    public var json: JSONValue {
        var members: [JSONObject.Element] = [("volts", .number(Self.rounded(volts)))]
        if let amps { members.append(("amps", .number(Self.rounded(amps)))) }
        if let level { members.append(("level", .number(Self.rounded(level)))) }
        members.append(("low", .bool(low)))
        return .object(JSONObject(members))
    }

    /// `value` rounded to 3 decimals (millivolts, milliamps), as telemetry and logs show it.
    public static func rounded(_ value: Double) -> Double {
        (value * 1000).rounded() / 1000
    }
}
