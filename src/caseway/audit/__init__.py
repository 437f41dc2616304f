"""The audit trail: append-only, hash-chained events for every change and every patient-data read."""
