"""What the whole-shift browser test counts and keeps: the keys and clicks of each step of the
shift, beside the counts measured before issue 12, and screenshots at a laptop's and a phone's size.

    tally = Tally()
    with tally.step("call 1", page, before="175 / 72") as keys:
        keys.type("802-555-0117")
        keys.press("Enter")
        keys.type("Took pills last month", narrative=True)
    tally.table()  # the printed table
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/shift-shots")


@dataclass
class Step:
    """One step of the shift: who does it, the keys and clicks it took, and the count before."""

    name: str
    who: str
    before: str
    pressed: list[str] = field(default_factory=list)
    narrative: int = 0  # of the keys, those that only write or reach the narrative
    clicks: int = 0

    @property
    def keys(self) -> int:
        return len(self.pressed)


class Keys:
    """page.keyboard and page clicks that count, for one step: each key press is one key, typed
    text counts its characters; `narrative=True` marks the keys a call without one would not need."""

    def __init__(self, page: Page, step: Step) -> None:
        self.page = page
        self.step = step

    def press(self, key: str, *, times: int = 1, narrative: bool = False) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)
            self.step.pressed.append(key)
            self.step.narrative += narrative

    def type(self, text: str, *, narrative: bool = False) -> None:
        for character in text:
            self.page.keyboard.type(character)
            self.step.pressed.append(character)
            self.step.narrative += narrative

    def click(self, target: Locator) -> None:
        target.click()
        self.step.clicks += 1

    def focused(self) -> str:
        """The id of the focused element ('' for none)."""
        return str(self.page.evaluate("document.activeElement ? document.activeElement.id : ''"))


class Tally:
    """The steps of the shift in order; `table()` is what the test prints and keeps."""

    def __init__(self) -> None:
        self.steps: list[Step] = []

    @contextmanager
    def step(self, name: str, page: Page, *, who: str, before: str = "") -> Iterator[Keys]:
        step = Step(name=name, who=who, before=before)
        self.steps.append(step)
        yield Keys(page, step)

    def table(self) -> str:
        head = ("step", "who", "keys", "without narrative", "clicks", "before issue 12")
        rows = [head]
        for s in self.steps:
            without = str(s.keys - s.narrative) if s.narrative else ""
            rows.append((s.name, s.who, str(s.keys), without, str(s.clicks), s.before))
        widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
        lines = [" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
        lines.insert(1, "-+-".join("-" * w for w in widths))
        return "\n".join(lines)


def seed_streets(app: Any, *streets: str) -> None:
    """The demo city's real address points on these streets, for the local geocoder."""
    from core.extensions import db
    from core.ports import current_ports
    from geo.local import read_address_csv
    from geo.service import import_address_points
    from geo.web import DEMO_ADDRESSES

    with app.app_context():
        points = [p for p in read_address_csv(DEMO_ADDRESSES) if p.street in streets]
        assert import_address_points(session=db.session, points=points)
        db.session.commit()
        current_ports().locator.forget_local_points()


def shoot(page: Page, name: str, *, sizes: tuple[dict[str, int], ...] = (LAPTOP, PHONE)) -> list[Path]:
    """Screenshots of `page` at each size, of what the screen shows (`<name>-<w>x<h>.png`) and of
    the whole page (`…-full.png`), in /tmp/shift-shots/; the page's own size is restored after."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    own = page.viewport_size
    made = []
    slug = re.sub(r"[^\w-]+", "-", name)
    for size in sizes:
        page.set_viewport_size(size)
        page.wait_for_timeout(150)  # a layout pass at the new width
        target = SHOTS / f"{slug}-{size['width']}x{size['height']}.png"
        page.screenshot(path=str(target))
        page.screenshot(path=str(target.with_name(target.stem + "-full.png")), full_page=True)
        made.append(target)
    if own is not None:
        page.set_viewport_size(own)
    return made


def pick(found: Any, pattern: str) -> str:
    """The first match of `pattern` in a text (group 1 if it has one); the test fails without one."""
    match = re.search(pattern, str(found))
    assert match is not None, f"{pattern!r} not in {found!r}"
    return match.group(1) if match.groups() else match.group(0)
