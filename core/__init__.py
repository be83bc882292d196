"""The service's core: app factory, database, sign-in and roles, errors, audit, event log, live stream."""
