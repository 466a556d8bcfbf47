import Testing

@Test func placeholderVideo() {}
