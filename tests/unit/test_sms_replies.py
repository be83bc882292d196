"""Reading a field team's SMS reply as a code."""

from __future__ import annotations

import pytest

from notifications.replies import Reply, ReplyCommand, parse_reply

C = ReplyCommand


@pytest.mark.parametrize(
    ("body", "command", "argument"),
    [
        # the numbered codes, with and without extra words
        ("1", C.ACKNOWLEDGE, None),
        ("1 on my way", C.ACKNOWLEDGE, "on my way"),
        (" 1. ", C.ACKNOWLEDGE, None),
        ("#1", C.ACKNOWLEDGE, None),
        ("1on my way", C.ACKNOWLEDGE, "on my way"),
        ("2", C.EN_ROUTE, None),
        ("2 - eta 10 min", C.EN_ROUTE, "eta 10 min"),
        ("3", C.ON_SCENE, None),
        ("4", C.CLEAR, None),
        ("4 stabilized on scene", C.CLEAR, "stabilized on scene"),
        ("9 too far, other call", C.DECLINE, "too far, other call"),
        ("9", C.DECLINE, None),
        # the word codes, any case
        ("ack", C.ACKNOWLEDGE, None),
        ("Ack!", C.ACKNOWLEDGE, None),
        ("ACKNOWLEDGED", C.ACKNOWLEDGE, None),
        ("ENR", C.EN_ROUTE, None),
        ("en route", C.EN_ROUTE, None),
        ("En Route now", C.EN_ROUTE, "now"),
        ("ons", C.ON_SCENE, None),
        ("on scene", C.ON_SCENE, None),
        ("CLR", C.CLEAR, None),
        ("decline: unit short-staffed", C.DECLINE, "unit short-staffed"),
        ("Decline", C.DECLINE, None),
        ("OK", C.CHECK_IN, None),
        ("ok.", C.CHECK_IN, None),
        ("Okay all good", C.CHECK_IN, "all good"),
        ("sos", C.DURESS, None),
        ("SOS knife in kitchen", C.DURESS, "knife in kitchen"),
        ("status", C.STATUS, None),
        ("Status?", C.STATUS, None),
        ("HELP", C.HELP, None),
        ("info", C.HELP, None),
        # Twilio's own keywords, only as the whole message (as Twilio reads them)
        ("STOP", C.OPT_OUT, None),
        ("stop.", C.OPT_OUT, None),
        ("StopAll", C.OPT_OUT, None),
        ("unsubscribe", C.OPT_OUT, None),
        ("cancel", C.OPT_OUT, None),
        ("End", C.OPT_OUT, None),
        ("quit", C.OPT_OUT, None),
        ("optout", C.OPT_OUT, None),
        ("revoke", C.OPT_OUT, None),
        ("start", C.OPT_IN, None),
        ("UNSTOP", C.OPT_IN, None),
        ("yes", C.OPT_IN, None),
        ("stop please", C.UNKNOWN, None),
        ("cancel that, en route", C.UNKNOWN, None),
        ("end of shift", C.UNKNOWN, None),
        # anything else
        ("", C.UNKNOWN, None),
        ("   ", C.UNKNOWN, None),
        ("12", C.UNKNOWN, None),
        ("5", C.UNKNOWN, None),
        ("on my way", C.UNKNOWN, None),
        ("acknowledging", C.UNKNOWN, None),
        ("okey dokey", C.UNKNOWN, None),
        ("👍", C.UNKNOWN, None),
        ("\uff11", C.ACKNOWLEDGE, None),  # a full-width digit from some keyboards
    ],
)
def test_parse_reply(body: str, command: ReplyCommand, argument: str | None) -> None:
    assert parse_reply(body) == Reply(command, argument)


def test_the_reason_keeps_its_own_case() -> None:
    assert parse_reply("9 Waiting for EMS at Oak St").argument == "Waiting for EMS at Oak St"


def test_commands_have_stable_names() -> None:
    assert {command.value for command in ReplyCommand} == {
        "acknowledge",
        "en_route",
        "on_scene",
        "clear",
        "decline",
        "check_in",
        "duress",
        "status",
        "opt_out",
        "opt_in",
        "help",
        "unknown",
    }
