// Placeholder: RelayQueue is being built (issue #6/#7).
