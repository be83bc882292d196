"""Administration: users, units, facilities, the active questionnaire and the audit trail; the
users and unit-details API, two-factor sign-in and the audit trail search."""
