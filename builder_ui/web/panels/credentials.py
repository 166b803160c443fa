"""Stored credentials on the administration page: the person's own ("Identifiants") and the
installation's (under the MCP servers). Names and dates only: a value goes in, it never comes
out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import streamlit as st

from agents.errors import AtelierError, UserError
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.panels.admin_section import (
    apply,
    delete_asked_twice,
    heading,
    seed,
    show_problems,
)
from builder_ui.web.state import tr
from store.secrets import SecretInfo


@dataclass(frozen=True)
class Credentials:
    """A list of stored credentials (a person's, or the installation's), shown the same way:
    names and dates, a value goes in and never comes out."""

    section: str
    messages: str
    """The prefix of its message keys."""
    form: str
    name_key: str
    value_key: str
    add_key: str
    delete_key: Callable[[str], str]
    listing: Callable[[Services], list[SecretInfo]]
    setter: Callable[[Services, str, str], object]
    deleter: Callable[[Services, str], object]


PERSONAL_CREDENTIALS = Credentials(
    section="secret",
    messages="ui.admin.secrets",
    form=state.ADMIN_CREDENTIAL_FORM,
    name_key=state.ADMIN_CREDENTIAL_NAME,
    value_key=state.ADMIN_CREDENTIAL_VALUE,
    add_key=state.ADMIN_CREDENTIAL_ADD,
    delete_key=state.admin_secret_delete_key,
    listing=lambda services: services.workspace.list_secrets(),
    setter=lambda services, name, value: services.workspace.set_secret(name, value),
    deleter=lambda services, name: services.workspace.delete_secret(name),
)

INSTALLATION_CREDENTIALS = Credentials(
    section="install_secret",
    messages="ui.admin.install",
    form=state.ADMIN_INSTALL_FORM,
    name_key=state.ADMIN_INSTALL_NAME,
    value_key=state.ADMIN_INSTALL_VALUE,
    add_key=state.ADMIN_INSTALL_ADD,
    delete_key=state.admin_install_delete_key,
    listing=lambda services: services.workspace.organisation.secrets(),
    setter=lambda services, name, value: services.workspace.organisation.set_secret(name, value),
    deleter=lambda services, name: services.workspace.organisation.delete_secret(name),
)


def secrets_section(services: Services, resets: set[str]) -> None:
    credentials(PERSONAL_CREDENTIALS, services, resets)


def credentials(box: Credentials, services: Services, resets: set[str]) -> None:
    heading(box.messages)
    try:
        secrets = box.listing(services)
    except AtelierError as exc:
        st.error(exc.message(state.language()), icon=":material/error:")
        return
    if not secrets:
        st.caption(tr(f"{box.messages}.none"))
    for info in secrets:
        with st.container(border=True):
            credential_row(box, services, info)
    new_credential_form(box, services, {info.name for info in secrets}, resets)


def credential_row(box: Credentials, services: Services, info: SecretInfo) -> None:
    text, action = st.columns([8, 2], vertical_alignment="center")
    text.markdown(f"`{info.name}`")
    text.caption(
        tr(
            "ui.admin.secrets.dates",
            created=_when(info.created_at),
            updated=_when(info.updated_at),
        )
    )
    delete_asked_twice(
        action,
        box.delete_key(info.name),
        section=box.section,
        item=(box.section, info.name),
        question=tr(f"{box.messages}.confirm", name=info.name),
        delete=partial(box.deleter, services, info.name),
        done=tr(f"{box.messages}.deleted", name=info.name),
    )


def new_credential_form(
    box: Credentials, services: Services, known: set[str], resets: set[str]
) -> None:
    """A name and a value; a known name has its value replaced."""
    seed(box.section, {key: "" for key in state.ADMIN_SECTION_KEYS[box.section]}, resets)
    with st.form(box.form):
        st.markdown(f"**{tr(f'{box.messages}.new')}**")
        name, value = st.columns(2)
        name.text_input(
            tr("ui.admin.secrets.name"),
            key=box.name_key,
            help=tr(f"{box.messages}.name.help"),
        )
        value.text_input(
            tr("ui.admin.secrets.value"),
            key=box.value_key,
            type="password",
            help=tr("ui.admin.secrets.value.help"),
        )
        added = st.form_submit_button(
            tr("ui.admin.secrets.add"),
            type="primary",
            icon=":material/key:",
            key=box.add_key,
        )
    if added:
        typed_name = (st.session_state.get(box.name_key) or "").strip()
        typed_value = st.session_state.get(box.value_key) or ""
        done = "ui.admin.secrets.replaced" if typed_name in known else "ui.admin.secrets.added"
        apply(
            box.section,
            lambda: _set_secret(box, services, typed_name, typed_value),
            tr(done, name=typed_name),
        )
    show_problems(box.section)


def _set_secret(box: Credentials, services: Services, name: str, value: str) -> None:
    if not name:
        raise UserError("ui.admin.secrets.name_missing")
    box.setter(services, name, value)


def _when(moment: Any) -> str:
    return str(moment.astimezone().strftime("%d/%m/%Y %H:%M"))
