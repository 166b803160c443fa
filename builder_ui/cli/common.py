"""What every ``atelier`` command shares: the error wrapper, the log, output helpers.

Kept light on purpose: this module and the command modules import only Typer and our small
leaf modules at start-up, so that ``atelier --help`` answers at once. LangGraph, the store and
the model providers are imported inside the commands that use them.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

import typer
from typer.core import TyperGroup

from agents.errors import AtelierError, UserError
from agents.i18n import t

if TYPE_CHECKING:
    from builder_ui.services.installation import Services

log = logging.getLogger("atelier.cli")

DEFAULT_RETRY_BASE_DELAY_S = 0.5
LOG_FILE = "atelier.log"


def debug_enabled() -> bool:
    return os.environ.get("ATELIER_DEBUG", "").strip().lower() not in ("", "0", "false", "no")


class _DataDirLog(logging.FileHandler):
    """The log file in the data directory, opened on the first record only: a command that logs
    nothing (``--help``, ``schema``) creates no directory and no file."""

    def __init__(self) -> None:
        super().__init__(os.devnull, encoding="utf-8", delay=True)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    def _open(self) -> Any:
        self.baseFilename = str(log_path())
        return super()._open()


def log_path() -> Path:
    from store.config import data_dir

    return data_dir() / LOG_FILE


class AtelierGroup(TyperGroup):
    """The root command group. Every command runs inside ``invoke``, so this is the one place
    where our errors become a message on stderr and an exit code: 2 bad input, 3 not found,
    1 anything else (with the details in the log, not in front of the person)."""

    def invoke(self, ctx: Any) -> Any:
        handlers: list[logging.Handler] = [_DataDirLog()]
        if debug_enabled():
            handlers.append(logging.StreamHandler())
        root = logging.getLogger()
        for handler in handlers:
            root.addHandler(handler)
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException, BrokenPipeError):
            raise  # Typer's own signals and usage errors: Typer reports them
        except AtelierError as exc:
            if exc.exit_code == 1:
                log.error("%s", exc.message("en"), exc_info=debug_enabled())
            fail(exc.message(), exc.exit_code)
        except Exception as exc:
            _internal_error(exc)
        finally:
            for handler in handlers:
                root.removeHandler(handler)
                handler.close()


def _internal_error(exc: Exception) -> NoReturn:
    log.exception("internal error")
    try:
        where = str(log_path())
    except OSError:
        where = "?"
    if debug_enabled():
        typer.echo(traceback.format_exc(), err=True, nl=False)
    fail(t("cli.internal_error", kind=type(exc).__name__, log=where), 1)


def fail(message: str, code: int) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def say(message: str) -> None:
    """A note for the person (confirmations, progress): stderr, so stdout stays for data."""
    typer.echo(message, err=True)


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def compact_json(value: Any, limit: int = 200) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Plain aligned columns: readable in a terminal, greppable, no box characters."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def parse_json_object(raw: str, option: str, example: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UserError(
            "cli.bad_json", option=option, problem=exc.msg, pos=exc.pos + 1, example=example
        ) from None
    if not isinstance(value, dict):
        raise UserError("cli.json_not_object", option=option, example=example)
    return value


def retry_base_delay() -> float:
    """``ATELIER_RETRY_BASE_DELAY``: the first wait before retrying a failing model, in
    seconds (tests set 0)."""
    raw = os.environ.get("ATELIER_RETRY_BASE_DELAY", "").strip()
    if not raw:
        return DEFAULT_RETRY_BASE_DELAY_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also rejects nan
        raise UserError("cli.bad_env_number", name="ATELIER_RETRY_BASE_DELAY", value=raw)
    return value


def open_services() -> Services:
    """This person's services over the embedded defaults under ``ATELIER_HOME``."""
    from agents.retry import RetryPolicy
    from builder_ui.services.installation import Services
    from store.audit import terminal_origin

    services = Services.open()
    services.workspace.origin = terminal_origin()  # "cli <system user>" in the audit log
    services.retry = RetryPolicy(base_delay_s=retry_base_delay())
    return services


def os_reason(error: OSError) -> str:
    """Why a file could not be read or written, in the person's language when we know the
    case (the system's own text is in English)."""
    for kind, key in (
        (FileNotFoundError, "cli.os.not_found"),
        (PermissionError, "cli.os.permission"),
        (IsADirectoryError, "cli.os.is_a_folder"),
        (NotADirectoryError, "cli.os.not_found"),
    ):
        if isinstance(error, kind):
            return t(key)
    return str(error.strerror or error)


YES = ("o", "oui", "y", "yes")
NO = ("", "n", "non", "no")


def ask_yes_no(question: str) -> bool:
    """Ask on stderr; "o"/"oui" (or "y"/"yes") confirm, anything else for "no" is the default.
    The end of the input (Ctrl-D) answers no."""
    import click

    while True:
        try:
            answer = click.prompt(
                f"{question} {t('cli.confirm.choices')}",
                default="",
                show_default=False,
                err=True,
            )
        except click.Abort:
            return False
        word = str(answer).strip().casefold()
        if word in YES:
            return True
        if word in NO:
            return False
        typer.echo(t("cli.confirm.again"), err=True)


def write_new_file(output: Path, write: Callable[[IO[bytes]], None]) -> Path:
    """Into a temporary file (0600) beside ``output``, then renamed: never half a file, never
    another file overwritten. Returns where it went."""
    target = output.expanduser()
    if target.exists():
        raise UserError("cli.my_data.exists", path=str(output))
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise UserError(
            "cli.my_data.cannot_write", path=str(output), reason=os_reason(exc)
        ) from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target
