"""Alerts for dispatchers and supervisors: raised by timers and failures, acknowledged by a person."""
