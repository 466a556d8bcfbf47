// Basics: small value types shared by every layer (filled in by the foundation move).
