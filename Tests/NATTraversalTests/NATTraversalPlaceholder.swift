// Placeholder: the NATTraversal suites (issue 15) are being written.
