"""What the reports API answers (CONTRACT "Reports") and the queries it reads."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from core.api import ListQuery, QueryModel
from core.schemas import Timestamp

Priority = Literal["emergent", "urgent", "routine"]
FROM_HELP = "start of the period, included: an ISO 8601 date-time with its offset, or a date (local midnight)"
TO_HELP = "end of the period, not included: an ISO 8601 date-time with its offset, or a date (local midnight)"


class ReportQuery(QueryModel):
    """The period as text: reports.periods reads it, so a bad date is a 422 in words."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str | None = Field(default=None, alias="from", max_length=40, description=FROM_HELP)
    to: str | None = Field(default=None, max_length=40, description=TO_HELP)
    priority: Priority | None = Field(default=None, description="only calls of this priority")
    area: str | None = Field(default=None, min_length=1, max_length=80, description="only incidents in this area")


class DailyQuery(ListQuery):
    """The daily report is a list: `limit` is the most days it answers (a longer period is a 422,
    never a silently shortened report)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str | None = Field(default=None, alias="from", max_length=40, description=FROM_HELP)
    to: str | None = Field(default=None, max_length=40, description=TO_HELP)
    priority: Priority | None = Field(default=None, description="only calls of this priority")
    area: str | None = Field(default=None, min_length=1, max_length=80, description="only incidents in this area")


class IntervalRead(BaseModel):
    n: int
    median_s: int | None
    p90_s: int | None


class IntervalsRead(BaseModel):
    answer_to_dispatch: IntervalRead
    acknowledge: IntervalRead
    turnout: IntervalRead
    travel: IntervalRead
    response: IntervalRead
    on_scene: IntervalRead


class ByDispositionRead(BaseModel):
    phone: int
    mobile_team: int
    co_response: int
    emergency_911: int


class FollowupsRead(BaseModel):
    due: int
    done_in_window: int
    share: float | None


class TransfersRead(BaseModel):
    n: int
    median_s: int | None


class SummaryRead(BaseModel):
    """One period's figures (DOMAIN "Figures the product reports"); shares are 0..1."""

    model_config = ConfigDict(serialize_by_alias=True, populate_by_name=True)

    from_: Timestamp = Field(alias="from")
    to: Timestamp
    calls: int
    by_disposition: ByDispositionRead
    incidents: int
    cleared: int
    police_free_share: float | None
    outcomes: dict[str, int]
    intervals: IntervalsRead
    response_within_target_share: float | None
    followups: FollowupsRead
    transfers_911: TransfersRead


class DayRead(SummaryRead):
    """One local day (TIMEZONE) of the daily report; `from`/`to` are that day cut to the period."""

    day: date
