"""The operator's call intake page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user

from core.auth import roles_required
from core.roles import INTAKE, INTAKE_PAGE

pages = Blueprint(
    "triage_pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/triage",
)


@pages.get("/operator")
@roles_required(*INTAKE_PAGE)
def operator() -> Any:
    can_log = current_user.has_any_role(INTAKE)
    return render_template("triage/operator.html", can_log=can_log)
