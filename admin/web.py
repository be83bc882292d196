"""Wiring of the administration area: its pages, its API, two-factor sign-in (/account/2fa), the
`users set-password` command, and sign-ins on the audit trail."""

from __future__ import annotations

from flask import Flask

import admin.cli  # noqa: F401  (adds `users set-password`)
from admin import account, signins
from admin.pages import pages
from admin.views import api


def init_app(app: Flask) -> None:
    app.register_blueprint(pages)
    app.register_blueprint(api)
    signins.init_app(app)
    account.init_app(app)
