"""Application logging through structlog: readable in the terminal, JSON for log collectors.

The application log never carries personal data; who read whose data goes to the audit log.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import structlog


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


class WithoutQueryStrings(logging.Filter):
    """Drop the query string from logged request lines: residents type their questions into the
    address bar (the social map search), and those words must not end up in a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "django.server" and isinstance(record.args, tuple) and record.args:
            request_line = str(record.args[0])
            record.args = (_QUERY.sub(r"\1", request_line), *record.args[1:])
        return True


_QUERY = re.compile(r"^(\S+ [^?\s]*)\?\S*")


def logging_config(*, level: str, json: bool) -> dict[str, Any]:
    """Return Django's LOGGING dict and configure structlog to render through it."""
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    renderer,
                ],
                "foreign_pre_chain": _shared_processors(),
            },
        },
        "filters": {"without_query_strings": {"()": WithoutQueryStrings}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "structured",
                "filters": ["without_query_strings"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's default configuration gives these loggers handlers of their own; naming them here
            # replaces those, so each line is written once and in one format.
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.server": {"handlers": [], "level": level, "propagate": True},
            "django.db.backends": {"level": "WARNING"},
            # Axes logs user names and addresses of failed logins; keep them out of the log.
            "axes": {"level": "WARNING"},
            # WeasyPrint reports every step of every PDF at INFO; only its problems are worth a line.
            "weasyprint": {"level": "WARNING"},
            "fontTools": {"level": "WARNING"},
        },
    }
