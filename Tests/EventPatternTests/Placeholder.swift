import Testing

@Test func placeholderEventPattern() {}
