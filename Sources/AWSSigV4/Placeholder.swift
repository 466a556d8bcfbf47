// Placeholder: AWSSigV4 is being built (issue #6/#7).
