"""Logging helpers for settings.LOGGING."""

import logging


class WithoutTraceback(logging.Filter):
    """Keep a record to its one line: a request with a forged Host header (bots send many) is an event, not a bug."""

    def filter(self, record):
        record.exc_info = record.exc_text = None
        return True
