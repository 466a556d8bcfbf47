// Placeholder so the target builds before the KVS suites exist; replaced by the first of them.
