"""The supervisor's live map: units, incidents, assignments, late timers and alerts."""
