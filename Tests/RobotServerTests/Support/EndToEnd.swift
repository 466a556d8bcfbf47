import Testing

/// The suites that start robot-server (with brokers, robotd, JWKS servers) run one at a time: each is
/// already serialized inside, and on a 2-CPU machine a dozen of them at once, next to the rest of the
/// project's tests, would make timing-sensitive tests elsewhere flaky without testing anything more.
@Suite(.serialized) enum EndToEnd {}
