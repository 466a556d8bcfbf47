// Placeholder: the NetworkLab library (issue 15) is being written; see NATTopology and NATStack.
