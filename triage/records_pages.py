"""Finding calls: the call search page and the page of one call (operator, dispatcher, supervisor).

The pages are shells: their scripts read the calls through the API (`GET /api/v1/calls?…`,
`GET /api/v1/calls/<id>`, the incident's timeline, the call's follow-ups), so every view of a
call record is audited where the API audits it, and a search is refused with the API's own words.
The search page's query is its address (a GET form): Back and Reload show the same results.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from core.auth import roles_required
from core.errors import NotFound
from core.extensions import db
from core.roles import STAFF
from triage.models import Call
from triage.questionnaire import DISPOSITION_LABELS

# Templates and scripts are triage's own (triage.pages serves triage/templates and triage/static).
records = Blueprint("call_records", __name__)

# The search form's fields, as `GET /api/v1/calls` names them (CONTRACT "Calls (amended)").
SEARCH_FIELDS = ("q", "phone", "from", "to", "risk_level", "disposition", "transfer")
# The choices of the form's lists: (value, words).
RISK_LEVELS = tuple((level, level) for level in ("high", "moderate", "low", "none", "incomplete"))
DISPOSITIONS = tuple(DISPOSITION_LABELS.items())
TRANSFERS = (("pending", "not yet recorded"),)


@records.get("/calls")
@roles_required(*STAFF)
def search() -> Any:
    given = {name: request.args.get(name, "") for name in SEARCH_FIELDS}
    return render_template(
        "triage/calls_search.html",
        given=given,
        risk_levels=RISK_LEVELS,
        dispositions=DISPOSITIONS,
        transfers=TRANSFERS,
    )


@records.get("/calls/<int:call_id>")
@roles_required(*STAFF)
def call_page(call_id: int) -> Any:
    # Only whether the call exists is read here (nothing of it is shown): the page's script reads
    # the call through GET /api/v1/calls/<id>, which audits the view.
    if db.session.scalar(sa.select(Call.id).where(Call.id == call_id)) is None:
        raise NotFound("There is no call with this number. Search for it on the call search page.")
    return render_template("triage/call.html", call_id=call_id)
