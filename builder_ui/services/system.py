"""What the machine Atelier runs on offers beyond Python: the programs some features need, and
what to tell the person who runs the app when one is missing (``atelier ui`` at start, the
knowledge page)."""

from __future__ import annotations

import errno
import socket


def ocr_available() -> bool:
    """Whether scanned pages can be read: Tesseract installed with French or English, the same
    check the PDF reader makes before it tries."""
    from store.knowledge.parsers.pdf import tesseract_command

    return tesseract_command() is not None


def ocr_missing_key() -> str | None:
    """The message key that says OCR is missing and how to install it, or None when it is
    there."""
    return None if ocr_available() else "setup.ocr.missing"


def port_taken(port: int, host: str = "127.0.0.1") -> bool:
    """Whether another program already listens on ``host:port``. The probe binds the way the
    web server will (with ``SO_REUSEADDR``), so a port left in TIME_WAIT by a previous run
    counts as free."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    except OSError as exc:
        return exc.errno in (errno.EADDRINUSE, errno.EACCES)
    finally:
        probe.close()
    return False
