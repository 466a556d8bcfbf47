// Placeholder: SQS is being built (issue #6/#7).
