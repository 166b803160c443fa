"""The ``current_datetime`` tool: a language model does not know what day it is.

The date is written out in French by this module (day and month names below), never through the
system locale, which is often missing on servers and is shared by every thread of the process.
Tests replace the module-level ``now`` to freeze time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agents.errors import UserError
from agents.i18n import t
from tools.registry import ToolDefinition

DEFAULT_TIMEZONE = "Europe/Paris"

MODEL_DESCRIPTION = (
    "Donne la date et l'heure actuelles (jour de la semaine, date, heure, fuseau horaire). "
    "Utilisez cet outil dès que la réponse dépend du jour ou de l'heure : vous ne les connaissez "
    "pas par vous-même."
)

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def _system_now(zone: ZoneInfo) -> datetime:
    return datetime.now(zone)


now: Callable[[ZoneInfo], datetime] = _system_now
"""The clock. Replace it in tests (``monkeypatch.setattr(clock, "now", ...)``)."""


class UnknownTimeZone(UserError, ValueError):
    """A ``UserError`` that pydantic accepts from a validator (it only catches ``ValueError``),
    so that the config form shows our sentence under the ``timezone`` field."""


class ClockConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timezone: str = Field(
        default=DEFAULT_TIMEZONE,
        description="Fuseau horaire IANA, par exemple Europe/Paris ou Indian/Reunion.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone_name = value.strip()
        try:
            ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise UnknownTimeZone("tool.clock.unknown_timezone", zone=value) from None
        return zone_name


class ClockArgs(BaseModel):
    """No arguments: the time zone is a setting of the agent, not the model's choice."""

    model_config = ConfigDict(extra="forbid")


def run(args: ClockArgs, config: ClockConfig) -> dict[str, Any]:
    zone = ZoneInfo(config.timezone)
    moment = now(zone).astimezone(zone)
    return {
        "timezone": config.timezone,
        "iso": moment.isoformat(timespec="seconds"),
        "date": french_date(moment),
        "time": moment.strftime("%H:%M"),
    }


DEFINITION = ToolDefinition(
    id="current_datetime",
    title=t("tool.current_datetime.title", "fr"),
    description=MODEL_DESCRIPTION,
    args_model=ClockArgs,
    config_model=ClockConfig,
    run=run,
    timeout_s=5.0,
    inline=True,
    effects=("computes",),
)


def french_date(moment: datetime) -> str:
    """``mercredi 25 novembre 2026``; the first of the month is written ``1er``."""
    day = "1er" if moment.day == 1 else str(moment.day)
    return f"{DAYS[moment.weekday()]} {day} {MONTHS[moment.month - 1]} {moment.year}"
