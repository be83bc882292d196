"""Durable timers: acknowledgement, safety check-ins, pending SLA, follow-ups and stale positions.

Timers are rows with a due time. A sweep claims due rows with a lease and fires each in its own
transaction; APScheduler only runs the sweep, it is not the store of record.
"""
