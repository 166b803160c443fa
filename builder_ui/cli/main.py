"""The ``atelier`` command: the web builder, agents, conversations and tools from a terminal.

Every command calls the same services as the Streamlit builder. Exit codes: 0 done, 2 bad input
(the message says what to fix), 3 not found, 1 anything else. Heavy modules (LangGraph, the
store, model providers, Streamlit) are imported inside the commands that use them, so that
``atelier --help`` answers at once.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from agents.i18n import t
from builder_ui.cli import approve as cli_approve
from builder_ui.cli import batch as cli_batch
from builder_ui.cli import catalogue as cli_catalogue
from builder_ui.cli import fiche as cli_fiche
from builder_ui.cli import kb_class as cli_kb_class
from builder_ui.cli import kb_reindex as cli_kb_reindex
from builder_ui.cli import kb_search as cli_kb_search
from builder_ui.cli import kb_show as cli_kb_show
from builder_ui.cli import openapi as cli_openapi
from builder_ui.cli import privacy as cli_privacy
from builder_ui.cli import review as cli_review
from builder_ui.cli import run as cli_run
from builder_ui.cli import sharing as cli_sharing
from builder_ui.cli import sso as cli_sso
from builder_ui.cli import usage as cli_usage
from builder_ui.cli.agent import agent_app
from builder_ui.cli.audit import audit_app
from builder_ui.cli.common import AtelierGroup, say
from builder_ui.cli.kb import kb_app
from builder_ui.cli.mcp import mcp_app
from builder_ui.cli.model import model_app
from builder_ui.cli.my_data import me_app
from builder_ui.cli.people import team_app, user_app
from builder_ui.cli.retention import retention_app
from builder_ui.cli.secret import admin_app, secret_app
from builder_ui.cli.tool import tool_app

DEFAULT_PORT = 8501
APP_PAGE = Path(__file__).parent.parent / "web" / "app.py"

app = typer.Typer(
    cls=AtelierGroup,
    name="atelier",
    help=t("cli.help.app"),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(agent_app, name="agent")
app.add_typer(tool_app, name="tool")
tool_app.command("openapi", help=t("openapi.cli.help"))(cli_openapi.list_operations)
app.add_typer(kb_app, name="kb")
kb_app.command("search", help=t("cli.help.kb_search"))(cli_kb_search.search)
kb_app.command("reindex", help=t("cli.help.kb_reindex"))(cli_kb_reindex.reindex)
kb_app.command("show", help=t("cli.help.kb_show"))(cli_kb_show.show)
for group, name, command in (
    (agent_app, "share", cli_sharing.share),
    (agent_app, "unshare", cli_sharing.unshare),
    (agent_app, "shares", cli_sharing.shares),
    (agent_app, "release", cli_sharing.release),
    (kb_app, "share", cli_sharing.share_kb),
    (kb_app, "unshare", cli_sharing.unshare_kb),
    (kb_app, "shares", cli_sharing.kb_shares),
):
    group.command(name, help=t(f"share.cli.help.{name if group is agent_app else 'kb_' + name}"))(
        command
    )
app.add_typer(secret_app, name="secret")
app.add_typer(admin_app, name="admin")
admin_app.add_typer(mcp_app, name="mcp")
admin_app.add_typer(retention_app, name="retention")
admin_app.command("set-sso", help=t("sso.cli.help.set_sso"))(cli_sso.set_sso)
admin_app.command("set-trusted-header", help=t("sso.cli.help.set_header"))(
    cli_sso.set_trusted_header
)
app.add_typer(user_app, name="user")
app.add_typer(team_app, name="team")
app.add_typer(me_app, name="me")
app.add_typer(model_app, name="model")
app.add_typer(audit_app, name="audit")
app.command("run", help=t("cli.help.run"))(cli_run.run)
app.command("chat", help=t("cli.help.chat"))(cli_run.chat)
app.command("approve", help=t("cli.help.approve"))(cli_approve.approve)
app.add_typer(cli_review.review_app, name="review")
agent_app.command("publish", help=t("cli.help.publish"))(cli_review.publish)
agent_app.command("unpublish", help=t("cli.help.unpublish"))(cli_review.unpublish)
agent_app.command("deprecate", help=t("cli.help.deprecate"))(cli_review.deprecate)
me_app.command("notifications", help=t("cli.help.notifications"))(cli_review.notifications)
app.command("usage", help=t("cli.help.usage"))(cli_usage.usage)
app.add_typer(cli_usage.quota_app, name="quota")
app.add_typer(cli_catalogue.catalogue_app, name="catalogue")
app.add_typer(cli_batch.batch_app, name="batch")
app.add_typer(cli_batch.draft_app, name="draft")
app.add_typer(cli_privacy.privacy_app, name="privacy")
kb_app.command("set-class", help=t("cli.kb.set_class_help"))(cli_kb_class.set_class)
admin_app.command("set-privacy", help=t("cli.privacy.admin_help"))(cli_kb_class.set_privacy)
agent_app.command("fiche", help=t("fiche.cli.help"))(cli_fiche.fiche)
agent_app.command("fork", help=t("cli.agent.fork.help"))(cli_catalogue.fork)
agent_app.command("feedback", help=t("cli.agent.feedback.help"))(cli_catalogue.feedback)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("atelier")
    except PackageNotFoundError:
        return "?"


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"atelier {_version()}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help=t("cli.help.version")
        ),
    ] = False,
    acting_as: Annotated[
        str | None,
        typer.Option("--as", metavar="EMAIL", help=t("cli.help.as")),
    ] = None,
) -> None:
    """Options of ``atelier`` itself; the work is done by the sub-commands."""
    from store.config import act_as

    act_as(acting_as)


@app.command("ui", help=t("cli.help.ui"))
def ui(
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, metavar="N", help=t("cli.help.port"))
    ] = DEFAULT_PORT,
) -> None:
    """Says first what the machine lacks (OCR) and stops at once, in words, when the port is
    taken (Streamlit would say it in English, and only after starting)."""
    from agents.errors import InternalError, UserError
    from builder_ui.services.system import ocr_missing_key, port_taken

    page = APP_PAGE
    if not page.is_file():
        raise InternalError("cli.ui.missing_app", path=str(page))
    missing = ocr_missing_key()
    if missing is not None:
        say(t(missing))
    if port_taken(port):
        raise UserError("cli.ui.port_taken", port=port, other=port + 1 if port < 65535 else 8502)
    from store.knowledge.records import Limits

    # The file picker says, and enforces, the same size limit as the knowledge store.
    upload_mb = max(1, math.ceil(Limits.from_env().max_file_mb))
    command = [
        sys.executable,
        "-P",  # not the current folder first on the import path: its own store/ or tools/ would
        "-m",  # shadow Atelier's
        "streamlit",
        "run",
        str(page),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--server.maxUploadSize",
        str(upload_mb),
    ]
    _say_setup_link(port)
    extra, environment = _single_sign_on()
    say(t("cli.ui.starting", url=f"http://127.0.0.1:{port}"))
    try:
        code = subprocess.run(  # noqa: S603 - fixed argument list
            [*command, *extra], check=False, env={**os.environ, **environment, **_address(port)}
        ).returncode
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)


def _address(port: int) -> dict[str, str]:
    """The links the builder shows (invitations, new passwords) name the port it really
    listens on, unless ``ATELIER_PUBLIC_URL`` says where people reach it."""
    from builder_ui.services.sign_in_links import public_url

    return {"ATELIER_PUBLIC_URL": public_url(port)}


def _single_sign_on() -> tuple[list[str], dict[str, str]]:
    """Streamlit's ``[auth]`` (for ``st.login``) written from the administrator's settings into
    the data directory (0600), and Streamlit told to read only that file."""
    from builder_ui.services.single_sign_on import streamlit_launch, write_streamlit_secrets
    from store.admin_settings import load_admin_settings
    from store.secrets import close_secret_stores

    try:
        return streamlit_launch(write_streamlit_secrets(load_admin_settings().sso))
    finally:
        close_secret_stores()


def _say_setup_link(port: int) -> None:
    """No default password, ever: while no administrator can sign in on the web, the person
    who starts the builder (the machine's owner) gets a one-time link to create one."""
    from agents.errors import AtelierError
    from builder_ui.services.sign_in_links import link_url
    from store.workspace import open_workspace

    try:
        link = open_workspace().people.setup_link()
    except AtelierError:  # not an administrator of this installation: nothing to offer
        return
    if link is not None:
        until = link.expires_at.astimezone().strftime("%d/%m/%Y %H:%M")
        say(t("cli.ui.setup_link", until=until))
        say(link_url(link, port))


@app.command("schema", help=t("cli.help.schema"))
def schema() -> None:
    import json

    from agents.spec import spec_json_schema

    typer.echo(json.dumps(spec_json_schema(), ensure_ascii=False, indent=2))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
