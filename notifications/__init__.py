"""SMS to field teams: senders (Twilio and console), message texts, and reply codes.

Pure Python: nothing here imports Flask or the database. The outbox relay, the Twilio
webhooks and the SMS simulator page build on these modules.
"""
