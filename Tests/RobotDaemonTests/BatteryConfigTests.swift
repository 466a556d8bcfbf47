import RobotDaemon
import StrictJSON
import Testing

/// The `battery` section: its defaults by sensor, its mistakes (each naming its key). Pure: parsed from text.
@Suite struct BatteryConfigTests {
    func battery(_ fields: String) throws -> RobotConfig.Battery? {
        // The identity files only have to be readable: the battery section never looks at them.
        let text = #"""
            {"thingName":"sts-pi","mqtt":{"endpoint":"localhost","caFile":"/dev/null","certFile":"/dev/null",\#
            "keyFile":"/dev/null"},"battery":{\#(fields)}}
            """#
        let root = try #require(try JSONParser.parse(text).objectValue)
        return try RobotConfig.parse(root, directory: "/etc/robot").battery
    }

    @Test func anADS1015DefaultsToTheExplorerHATsFirstInput() throws {
        let battery = try #require(try battery(#""sensor":"ads1015","lowVolts":6.8"#))
        #expect(battery.sensor == .ads1015)
        #expect(battery.i2cBus == 1 && battery.i2cAddress == 0x48 && battery.channel == 3)
        #expect(battery.dividerRatio == 1 && battery.intervalSeconds == 10)
        #expect(battery.lowVolts == 6.8 && battery.hysteresisVolts == 0.2)
        #expect(battery.fullVolts == nil && battery.emptyVolts == nil)
        #expect(battery.enabled)
    }

    @Test func aDisabledSectionIsStillChecked() throws {
        let battery = try #require(try battery(#""enabled":false,"sensor":"ads1015","lowVolts":7"#))
        #expect(!battery.enabled)
        #expect {
            try self.battery(#""enabled":false,"sensor":"ads1015","lowVolts":7,"shuntOhms":0.1"#)
        } throws: { error in
            "\(error)".hasPrefix("battery.shuntOhms: is only used with sensor ina219")
        }
    }

    @Test func anINA219DefaultsTo0x40AndATenthOfAnOhm() throws {
        let battery = try #require(
            try battery(
                #""sensor":"ina219","lowVolts":11.1,"i2cBus":3,"intervalSeconds":60,"fullVolts":12.6,"emptyVolts":10.5"#
            ))
        #expect(battery.i2cAddress == 0x40 && battery.shuntOhms == 0.1 && battery.i2cBus == 3)
        #expect(battery.intervalSeconds == 60 && battery.fullVolts == 12.6 && battery.emptyVolts == 10.5)
        #expect(batteryThresholds(battery).fullVolts == 12.6)
    }

    @Test func everyKeyIsTaken() throws {
        let battery = try #require(
            try battery(
                #""sensor":"ads1015","i2cAddress":73,"channel":0,"dividerRatio":2.5,"lowVolts":7,"hysteresisVolts":0.3"#
            ))
        #expect(battery.i2cAddress == 0x49 && battery.channel == 0 && battery.dividerRatio == 2.5)
        #expect(battery.hysteresisVolts == 0.3)
        let simulated = try #require(try self.battery(#""sensor":"simulated","volts":7.4,"lowVolts":6.8"#))
        #expect(simulated.volts == 7.4)
    }

    @Test(arguments: [
        (#""lowVolts":6.8"#, "battery.sensor: is required: one of ads1015, ina219, simulated"),
        (#""sensor":"ina219","lowVolts":6.8,"enabled":"yes""#, "battery.enabled: must be true or false"),
        (#""sensor":"ads1115","lowVolts":6.8"#, #"battery.sensor: unknown sensor "ads1115"; expected ads1015, "#),
        (#""sensor":"ads1015""#, "battery.lowVolts: is required"),
        (#""sensor":"ads1015","lowVolts":"6.8""#, "battery.lowVolts: must be a number"),
        (#""sensor":"ads1015","lowVolts":6.8,"channel":4"#, "battery.channel: must be between 0 and 3, got 4"),
        (#""sensor":"ads1015","lowVolts":6.8,"dividerRatio":0.5"#, "battery.dividerRatio: must be between 1 and"),
        (#""sensor":"ads1015","lowVolts":6.8,"i2cAddress":128"#, "battery.i2cAddress: must be between 3 and 119"),
        (#""sensor":"ads1015","lowVolts":6.8,"shuntOhms":0.1"#, "battery.shuntOhms: is only used with sensor ina219"),
        (#""sensor":"ina219","lowVolts":6.8,"channel":1"#, "battery.channel: is only used with sensor ads1015"),
        (#""sensor":"ina219","lowVolts":6.8,"shuntOhms":0"#, "battery.shuntOhms: must be greater than 0"),
        (#""sensor":"simulated","lowVolts":6.8"#, "battery.volts: is required with sensor simulated"),
        (#""sensor":"simulated","lowVolts":6.8,"volts":7,"i2cBus":1"#, "battery.i2cBus: is only used with sensor"),
        (#""sensor":"ina219","lowVolts":6.8,"volts":7"#, "battery.volts: is only used with sensor simulated"),
        (#""sensor":"ina219","lowVolts":6.8,"intervalSeconds":0"#, "battery.intervalSeconds: must be between 1 and"),
        (#""sensor":"ina219","lowVolts":6.8,"intervalSeconds":1.5"#, "battery.intervalSeconds: must be an integer"),
        (#""sensor":"ina219","lowVolts":6.8,"fullVolts":8.4"#, "battery.emptyVolts: is required with fullVolts"),
        (#""sensor":"ina219","lowVolts":6.8,"emptyVolts":6"#, "battery.fullVolts: is required with emptyVolts"),
        (#""sensor":"ina219","lowVolts":6.8,"fullVolts":6,"emptyVolts":6"#, "battery.fullVolts: must be above"),
    ])
    func mistakesNameTheKey(fields: String, message: String) {
        #expect {
            try battery(fields)
        } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }

    @Test func unknownKeysAreReported() throws {
        let text = #"""
            {"thingName":"sts-pi","mqtt":{"endpoint":"localhost","caFile":"/dev/null","certFile":"/dev/null",\#
            "keyFile":"/dev/null"},"battery":{"sensor":"ina219","lowVolts":6.8,"lowVolt":7}}
            """#
        let root = try #require(try JSONParser.parse(text).objectValue)
        #expect(try RobotConfig.parse(root, directory: "/etc/robot").unknownKeys == ["battery.lowVolt"])
    }

    @Test func withoutTheSectionThereIsNoBattery() throws {
        let text = #"""
            {"thingName":"sts-pi","mqtt":{"endpoint":"localhost","caFile":"/dev/null","certFile":"/dev/null",\#
            "keyFile":"/dev/null"}}
            """#
        let root = try #require(try JSONParser.parse(text).objectValue)
        #expect(try RobotConfig.parse(root, directory: "/etc/robot").battery == nil)
    }
}
