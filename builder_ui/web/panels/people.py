"""The accounts and the teams, as an administrator manages them on the "Personnes et équipes"
page.

Every action goes through the signed-in person's workspace (``workspace.people``), which refuses
it inside when they are not an administrator, whatever this page shows. Actions run in the
buttons' callbacks, before the page is drawn again, so the lists below show their effect at
once; a refusal (the last administrator, an address that is not one, an account that exists) is
shown where the action was asked, and the form keeps what was typed. What people typed (names,
addresses, team names) is shown as text: in tables and select boxes, which render no Markdown,
or through ``literal`` where Markdown is rendered.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from agents.errors import UserError
from builder_ui.services.sign_in_links import link_url
from builder_ui.web import state
from builder_ui.web.models.inert import literal
from builder_ui.web.state import keys, tr
from builder_ui.web.state.people import (
    Outcome,
    Place,
    ShownLink,
    ask_disable,
    disable_asked,
    forget_disable,
    set_outcome,
    show_link,
    take_link,
    take_outcome,
)
from builder_ui.web.state.session import Counter
from store.accounts import ROLES, AccountRecord, TeamRecord
from store.people import People
from store.sign_in import SignInLink

_MEMBERS_NONCE = Counter(keys.PEOPLE_MEMBERS_NONCE)


def _forget_unless_offered(key: str, options: list[str]) -> None:
    """A select box's choice is forgotten when no longer offered: it falls back on the first."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def _people() -> People:
    return state.services().workspace.people


def _role(role: str) -> str:
    return tr(f"role.{role}")


def _act(place: Place, action: Callable[[], str]) -> bool:
    """Run ``action`` (which returns the message of its success); a refusal of the workspace
    is kept, in words, to be shown at ``place``."""
    try:
        message = action()
    except UserError as exc:
        set_outcome(Outcome(place, "error", literal(exc.message(state.language()))))
        return False
    set_outcome(Outcome(place, "success", message))
    return True


def _show_outcome(place: Place) -> None:
    found = take_outcome(place)
    if found is None:
        return
    if found.kind == "error":
        st.error(found.message, icon=":material/error:")
    else:
        st.success(found.message, icon=":material/check_circle:")


def _keep_link(place: Place, link: SignInLink) -> None:
    until = link.expires_at.astimezone().strftime(tr("ui.people.date_format"))
    show_link(ShownLink(place, link.account_id, link.purpose, link_url(link), until))


def _show_link(place: Place) -> None:
    """The one-time link just made, in a block with a copy button; shown this once."""
    link = take_link(place)
    if link is None:
        return
    with st.container(border=True):
        st.markdown(tr(f"ui.people.link_{link.purpose}", login=literal(link.login)))
        st.code(link.url, language=None, wrap_lines=True)
        st.caption(tr("ui.people.link_note", until=link.until))


# --- accounts ------------------------------------------------------------------------------


def account_rows(people: People, accounts: list[AccountRecord]) -> list[dict[str, str]]:
    """The table of accounts, in words (a table renders its cells as text, never Markdown)."""
    yes, no = tr("ui.people.yes"), tr("ui.people.no")
    with_password = people.with_password()  # one query, not one per account
    return [
        {
            tr("ui.people.col.email"): account.id,
            tr("ui.people.col.name"): account.name,
            tr("ui.people.col.role"): _role(account.role),
            tr("ui.people.col.state"): tr(
                "ui.people.active" if account.active else "ui.people.disabled"
            ),
            tr("ui.people.col.origin"): tr(f"ui.people.origin.{account.origin}"),
            tr("ui.people.col.password"): yes if account.id in with_password else no,
        }
        for account in accounts
    ]


def accounts_section() -> None:
    people = _people()
    accounts = people.list_accounts()
    st.subheader(tr("ui.people.accounts_title"))
    st.dataframe(account_rows(people, accounts), hide_index=True, width="stretch")
    _add_account_form()
    _manage_account(people, accounts)


def _add_account_form() -> None:
    st.subheader(tr("ui.people.add_title"))
    st.caption(tr("ui.people.add_help"))
    state.seed_widgets({keys.PEOPLE_ADD_ROLE: "user"})
    with st.form(keys.PEOPLE_ADD_FORM):
        st.text_input(tr("ui.people.email"), key=keys.PEOPLE_ADD_LOGIN, autocomplete="off")
        st.text_input(tr("ui.people.name"), key=keys.PEOPLE_ADD_NAME, autocomplete="off")
        st.selectbox(tr("ui.people.role"), ROLES, format_func=_role, key=keys.PEOPLE_ADD_ROLE)
        st.form_submit_button(
            tr("ui.people.add_button"),
            key=keys.PEOPLE_ADD_SUBMIT,
            on_click=_add_account,
            type="primary",
        )
    _show_outcome("add")
    _show_link("add")


def _add_account() -> None:
    values = st.session_state

    def add() -> str:
        people = _people()
        account = people.add_account(
            str(values.get(keys.PEOPLE_ADD_LOGIN) or ""),
            str(values.get(keys.PEOPLE_ADD_NAME) or ""),
            str(values.get(keys.PEOPLE_ADD_ROLE) or "user"),
        )
        _keep_link("add", people.invitation(account.id))
        values[keys.PEOPLE_ADD_LOGIN] = ""
        values[keys.PEOPLE_ADD_NAME] = ""
        values[keys.PEOPLE_ACCOUNT] = account.id
        return tr("ui.people.added", login=literal(account.id), role=_role(account.role))

    _act("add", add)


def _manage_account(people: People, accounts: list[AccountRecord]) -> None:
    st.subheader(tr("ui.people.manage_title"))
    by_id = {account.id: account for account in accounts}
    _forget_unless_offered(keys.PEOPLE_ACCOUNT, list(by_id))
    login = st.selectbox(
        tr("ui.people.account"),
        list(by_id),
        format_func=lambda key: by_id[key].label if key in by_id else key,
        key=keys.PEOPLE_ACCOUNT,
    )
    if login is None:
        return
    account = by_id[login]
    status = tr("ui.people.active" if account.active else "ui.people.disabled")
    st.markdown(
        tr(
            "ui.people.account_line",
            who=literal(account.label),
            role=_role(account.role),
            state=status,
        )
    )
    role_key = keys.people_role_key(account.id)
    state.seed_widgets({role_key: account.role})
    st.selectbox(tr("ui.people.new_role"), ROLES, format_func=_role, key=role_key)
    role_column, state_column, link_column = st.columns(3)
    with role_column:
        st.button(
            tr("ui.people.set_role"),
            key=keys.PEOPLE_SET_ROLE,
            on_click=_set_role,
            args=(account.id,),
            icon=":material/badge:",
        )
    with state_column:
        if account.active:
            st.button(
                tr("ui.people.disable"),
                key=keys.PEOPLE_DISABLE,
                on_click=ask_disable,
                args=(account.id,),
                icon=":material/block:",
            )
        else:
            st.button(
                tr("ui.people.enable"),
                key=keys.PEOPLE_ENABLE,
                on_click=_enable,
                args=(account.id,),
                icon=":material/check_circle:",
            )
    with link_column:
        purpose = "reset" if people.has_password(account.id) else "invitation"
        st.button(
            tr(f"ui.people.new_link_{purpose}"),
            key=keys.PEOPLE_NEW_LINK,
            on_click=_new_link,
            args=(account.id, purpose),
            icon=":material/link:",
        )
    if disable_asked() == account.id and account.active:
        _confirm_disable(account)
    _show_outcome("account")
    _show_link("account")


def _confirm_disable(account: AccountRecord) -> None:
    with st.container(border=True):
        st.warning(
            tr("ui.people.disable_confirm", who=literal(account.label)), icon=":material/block:"
        )
        yes, no = st.columns(2)
        with yes:
            st.button(
                tr("ui.people.disable_yes"),
                key=keys.PEOPLE_CONFIRM_YES,
                on_click=_disable,
                args=(account.id,),
                type="primary",
            )
        with no:
            st.button(tr("ui.people.cancel"), key=keys.PEOPLE_CONFIRM_NO, on_click=forget_disable)


def _set_role(login: str) -> None:
    wanted = str(st.session_state.get(keys.people_role_key(login)) or "")

    def change() -> str:
        account = _people().set_role(login, wanted)
        return tr("ui.people.role_set", login=literal(account.id), role=_role(account.role))

    _act("account", change)


def _disable(login: str) -> None:
    forget_disable()

    def disable() -> str:
        account = _people().disable(login)
        return tr("ui.people.disabled_now", login=literal(account.id))

    _act("account", disable)


def _enable(login: str) -> None:
    def enable() -> str:
        account = _people().enable(login)
        return tr("ui.people.enabled_now", login=literal(account.id))

    _act("account", enable)


def _new_link(login: str, purpose: str) -> None:
    def make() -> str:
        people = _people()
        link = people.reset_link(login) if purpose == "reset" else people.invitation(login)
        _keep_link("account", link)
        return tr(f"ui.people.link_made_{purpose}", login=literal(link.account_id))

    _act("account", make)


# --- teams ---------------------------------------------------------------------------------


def teams_section() -> None:
    people = _people()
    st.subheader(tr("ui.people.teams_title"))
    st.caption(tr("ui.people.teams_help"))
    with st.form(keys.PEOPLE_TEAM_FORM):
        st.text_input(tr("ui.people.team_name"), key=keys.PEOPLE_TEAM_NAME, autocomplete="off")
        st.form_submit_button(
            tr("ui.people.team_add"), key=keys.PEOPLE_TEAM_ADD, on_click=_add_team
        )
    _show_outcome("team")
    teams = people.list_teams()
    if not teams:
        st.info(tr("ui.people.no_teams"), icon=":material/group:")
        return
    rows = [
        {tr("ui.people.col.team"): team.name, tr("ui.people.col.members"): team.members}
        for team in teams
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    by_id = {team.id: team for team in teams}
    _forget_unless_offered(keys.PEOPLE_TEAM, list(by_id))
    team_id = st.selectbox(
        tr("ui.people.team"),
        list(by_id),
        format_func=lambda key: by_id[key].name if key in by_id else key,
        key=keys.PEOPLE_TEAM,
    )
    if team_id is not None:
        _members(people, by_id[team_id])


def _add_team() -> None:
    values = st.session_state

    def add() -> str:
        team = _people().add_team(str(values.get(keys.PEOPLE_TEAM_NAME) or ""))
        values[keys.PEOPLE_TEAM_NAME] = ""
        values[keys.PEOPLE_TEAM] = team.id
        return tr("ui.people.team_added", name=literal(team.name))

    _act("team", add)


def _members(people: People, team: TeamRecord) -> None:
    st.markdown(tr("ui.people.members_of", name=literal(team.name)))
    members = people.team_members(team.id)
    if not members:
        st.caption(tr("ui.people.no_members"))
    for member in members:
        who, remove = st.columns([4, 1], vertical_alignment="center")
        with who:
            st.markdown(literal(member.label))
        with remove:
            st.button(
                tr("ui.people.remove"),
                key=keys.people_remove_key(f"{team.id}.{member.id}"),
                on_click=_remove_member,
                args=(team.id, member.id),
                help=tr("ui.people.remove_help", who=literal(member.label)),
            )
    others = {a.id: a for a in people.list_accounts() if a.id not in {m.id for m in members}}
    if others:
        st.selectbox(
            tr("ui.people.member"),
            list(others),
            format_func=lambda key: others[key].label if key in others else key,
            key=_member_key(),
        )
        st.button(
            tr("ui.people.member_add"),
            key=keys.PEOPLE_MEMBER_ADD,
            on_click=_add_member,
            args=(team.id,),
            icon=":material/person_add:",
        )
    _show_outcome("members")


def _member_key() -> str:
    """The "person to add" select box is a new one after each change of the members: the
    browser would otherwise keep showing the person just added."""
    return f"{keys.PEOPLE_MEMBER}.{_MEMBERS_NONCE.get()}"


def _add_member(team_id: str) -> None:
    login = str(st.session_state.get(_member_key()) or "")

    def add() -> str:
        team = _people().add_member(team_id, login)
        _MEMBERS_NONCE.renew()
        return tr("ui.people.member_added", login=literal(login), name=literal(team.name))

    _act("members", add)


def _remove_member(team_id: str, login: str) -> None:
    def remove() -> str:
        team = _people().remove_member(team_id, login)
        _MEMBERS_NONCE.renew()
        return tr("ui.people.member_removed", login=literal(login), name=literal(team.name))

    _act("members", remove)
