"""Administration: users, units, facilities, the active questionnaire and the audit trail."""
