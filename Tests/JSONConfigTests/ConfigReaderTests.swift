import JSONConfig
import StrictJSON
import Testing

/// The reader both robotd and robot-server load their configuration with: typed reads whose errors name
/// the key path.
@Suite struct ConfigReaderTests {
    func reader(_ json: String) throws -> ConfigReader {
        guard case .object(let object) = try JSONParser.parse(json) else { throw ConfigError(nil, "not an object") }
        return ConfigReader(object)
    }

    @Test func typedReadsNameTheKeyPathInErrors() throws {
        let root = try reader(#"{"a":{"b":"x","n":1.5,"list":[1]},"s":""}"#)
        let a = try #require(try root.object("a"))
        #expect(a.path == "a" && a.keyPath("b") == "a.b")
        #expect(try a.string("b") == "x")
        #expect(throws: ConfigError("a.n", "must be an integer, got number 1.5")) { try a.int("n", in: 0...10) }
        #expect(throws: ConfigError("a.list[0]", "must be a string, got number 1")) { try a.stringArray("list") }
        #expect(throws: ConfigError("s", "must not be empty")) { try root.string("s") }
        #expect(throws: ConfigError("missing", "is required")) { try root.requiredString("missing") }
    }

    @Test func arraysOfObjectsCarryTheirIndex() throws {
        let root = try reader(#"{"tokens":[{"x":1},{"y":2}],"bad":[{},3]}"#)
        let tokens = try #require(try root.objectArray("tokens"))
        #expect(tokens.map(\.path) == ["tokens[0]", "tokens[1]"])
        #expect(tokens[1].unknownKeys(known: ["x"]) == ["tokens[1].y"])
        #expect(throws: ConfigError("bad[1]", "must be an object, got number 3")) { try root.objectArray("bad") }
    }

    @Test(arguments: [("sts-pi", true), ("robot_1:a", true), ("a/b", false), ("a+", false), ("#", false), ("", false)])
    func thingNamesAreWhatAWSIoTAllows(name: String, valid: Bool) {
        #expect(ConfigReader.isValidThingName(name) == valid)
    }

    @Test func thingNamesOver128CharactersAreRefused() {
        #expect(ConfigReader.isValidThingName(String(repeating: "a", count: 128)))
        #expect(!ConfigReader.isValidThingName(String(repeating: "a", count: 129)))
    }

    @Test func filesResolveAgainstTheConfigFolderAndMustBeReadable() throws {
        let root = try reader(#"{"ca":"missing.pem","abs":"/etc/hostname"}"#)
        #expect(try root.readableFile("abs", directory: "/nowhere") == "/etc/hostname")
        #expect(try root.readableFile("absent", directory: "/etc") == nil)
        #expect(throws: ConfigError("ca", "cannot read /tmp/missing.pem: No such file or directory")) {
            try root.readableFile("ca", directory: "/tmp")
        }
    }

    @Test func configFilesMustHoldOneJSONObject() throws {
        #expect(throws: ConfigError(nil, "cannot read config file /nonexistent.json: No such file or directory")) {
            try ConfigFile.load(path: "/nonexistent.json")
        }
        #expect(ConfigFile.directory(of: "/etc/robot/server.json") == "/etc/robot")
        #expect(ConfigFile.directory(of: "server.json") == ".")
    }

    @Test func theMQTTSectionHasRobotdsDefaults() throws {
        let root = try reader(
            #"{"endpoint":"broker","caFile":"/etc/hostname","certFile":"/etc/hostname","keyFile":"/etc/hostname","port":443,"alpn":"x-amzn-mqtt-ca"}"#
        )
        let mqtt = try MQTTSettings.parse(root, directory: "/")
        #expect(mqtt.endpoint == "broker" && mqtt.port == 443 && mqtt.alpn == "x-amzn-mqtt-ca")
        #expect(mqtt.keepAliveSeconds == 30 && mqtt.reconnectInitialMs == 100 && mqtt.connectTimeoutSeconds == 10)
        #expect(root.unknownKeys(known: MQTTSettings.keys).isEmpty)
    }
}
