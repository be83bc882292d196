"""Wiring of triage: the questionnaire catalogue (checked at start-up), the API and the operator page."""

from __future__ import annotations

import logging

from flask import Flask

from triage.pages import pages
from triage.questionnaire import QUESTIONNAIRE_DIR
from triage.records_pages import records
from triage.service import CatalogueError, load_catalogue
from triage.views import api

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Load and check every questionnaire file; a file that is refused stops the app with the
    file's name and its problems (TRIAGE_QUESTIONNAIRE_DIR chooses another folder)."""
    directory = app.config.get("TRIAGE_QUESTIONNAIRE_DIR") or QUESTIONNAIRE_DIR
    try:
        app.extensions["triage_catalogue"] = load_catalogue(directory)
    except CatalogueError as error:
        log.error("%s", error)
        raise
    if "triage_api" not in app.blueprints:
        app.register_blueprint(api)
        app.register_blueprint(pages)
        app.register_blueprint(records)
