// Placeholder: Relay is being built (issue #6/#7).
