"""Crisis triage: questionnaires as data, and the pure engine that reads answers."""
