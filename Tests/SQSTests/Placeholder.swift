import Testing

@Test func placeholderSQS() {}
