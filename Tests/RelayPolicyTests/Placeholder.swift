// RelayPolicyTests
