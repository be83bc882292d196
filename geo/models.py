"""Imported address points and the cache of network geocoder answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UtcDateTime, utcnow
from core.extensions import db


class AddressPointRow(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "address_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20))
    street: Mapped[str] = mapped_column(sa.String(120))
    unit: Mapped[str] = mapped_column(sa.String(40), default="")
    city: Mapped[str] = mapped_column(sa.String(80))
    state: Mapped[str] = mapped_column(sa.String(20))
    postcode: Mapped[str] = mapped_column(sa.String(12), default="")
    lat: Mapped[float] = mapped_column(sa.Float)
    lon: Mapped[float] = mapped_column(sa.Float)

    __table_args__ = (
        sa.UniqueConstraint("number", "street", "unit", "city", "state", "lat", "lon", name="uq_address_points_place"),
    )


class GeocodeCacheEntry(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "geocode_cache"

    query_key: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    answer: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
