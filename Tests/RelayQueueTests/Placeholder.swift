import Testing

@Test func placeholderRelayQueue() {}
