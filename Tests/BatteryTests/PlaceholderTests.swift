// Placeholder so the target builds before BatteryTests exist; the battery helper replaces it.
