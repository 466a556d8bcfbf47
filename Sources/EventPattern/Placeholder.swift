// Placeholder: EventPattern is being built (issue #6/#7).
