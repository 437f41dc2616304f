"""The audit trail: append-only, hash-chained events for every change and patient-data read."""
