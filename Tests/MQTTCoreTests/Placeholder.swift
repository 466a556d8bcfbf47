// MQTTCoreTests
