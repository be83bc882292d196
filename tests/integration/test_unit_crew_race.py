"""Eight dispatchers set one unit's crew at once: the unit ends with exactly one of their lists,
whole and in order, never a mix of two and never an error."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from core.extensions import db
from dispatch.models import CrewMember
from tests.support.factories import make_unit, make_user

THREADS = 8


@pytest.mark.slow  # eight threads racing
def test_concurrent_crews_for_one_unit_leave_one_whole_crew(live_app):
    unit_id = make_unit(live_app)
    tokens = [make_user(live_app, "dispatcher")[1] for _ in range(THREADS)]
    crews = [
        [{"name": f"Clinician {n}", "role": "clinician"}, {"name": f"Peer {n}", "role": "peer_specialist"}]
        for n in range(THREADS)
    ]
    start = threading.Barrier(THREADS)
    codes: list[int] = []
    lock = threading.Lock()

    def dispatcher(crew: list[dict[str, str]], token: str) -> None:
        client = live_app.test_client()
        start.wait()
        response = client.put(
            f"/api/v1/units/{unit_id}/crew", json={"crew": crew}, headers={"Authorization": f"Bearer {token}"}
        )
        with lock:
            codes.append(response.status_code)

    threads = [threading.Thread(target=dispatcher, args=pair) for pair in zip(crews, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert codes == [200] * THREADS
    with live_app.app_context():
        rows = db.session.scalars(
            sa.select(CrewMember).where(CrewMember.unit_id == unit_id).order_by(CrewMember.position)
        ).all()
    names = [row.name for row in rows]
    assert len(names) == 2 and names[0].startswith("Clinician ") and names[1] == "Peer " + names[0].split()[1]
