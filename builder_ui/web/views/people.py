"""People and teams (administrators only): the accounts, their roles and one-time links, and
the teams with their members. The workspace refuses every one of these actions to anyone else,
whatever page asks (``store.people``)."""

from __future__ import annotations

import streamlit as st

from builder_ui.web.panels.people import accounts_section, teams_section
from builder_ui.web.state import tr


def main() -> None:
    st.title(tr("ui.people.title"))
    st.caption(tr("ui.people.intro"))
    accounts, teams = st.tabs([tr("ui.people.tab.accounts"), tr("ui.people.tab.teams")])
    with accounts:
        accounts_section()
    with teams:
        teams_section()


main()
