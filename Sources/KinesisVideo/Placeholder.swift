// Placeholder so the target builds before K1 adds the KVS client; K1 replaces it.
