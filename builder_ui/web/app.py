"""The builder's entry point: ``streamlit run builder_ui/app.py`` (or ``atelier ui``).

It sets the page, the language picker and the navigation; each page draws itself. Nobody
reaches a page before signing in (``views/sign_in.py``); the pages offered follow the person's
role, and every action is checked again inside their workspace. One
``Services`` per browser session lives in the session state (see ``builder_ui.web.state``): it holds
that person's workspace, so it is never shared through ``st.cache_resource``.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from agents.i18n import LANGUAGES
from builder_ui.web import state
from builder_ui.web.models.inert import literal
from builder_ui.web.panels import accessibility, draft_pages
from builder_ui.web.state import identity, tr
from store.accounts import BUILDER_ROLES

LANGUAGE_NAMES = {"fr": "Français", "en": "English"}

st.set_page_config(page_title="Atelier", page_icon="🧵", layout="wide")

state.seed_language_picker()
accessibility.render()  # the document's language, Streamlit's words in it, contrast, focus
with st.sidebar:
    st.selectbox(
        tr("ui.language"),
        list(LANGUAGES),
        format_func=lambda code: LANGUAGE_NAMES.get(code, code),
        key=state.LANGUAGE_PICKER,
        on_change=state.language_picker_changed,
    )

account = identity.signed_in(state.installation())
identity.write_cookie()


def _page(view: str, key: str, icon: str, url_path: str, default: bool = False) -> Any:
    return st.Page(view, title=tr(key), icon=icon, url_path=url_path, default=default)


def review_page() -> Any:
    """À relire, with how many requests wait in its title."""
    waiting = state.services().workspace.reviews.waiting()
    key = "ui.nav.review_count" if waiting else "ui.nav.review"
    return st.Page(
        "views/review.py",
        title=tr(key, count=waiting),
        icon=":material/rate_review:",
        url_path="relire",
    )


if account is None:
    pages = [_page("views/sign_in.py", "ui.nav.sign_in", ":material/login:", "connexion", True)]
else:
    builds = account.role in BUILDER_ROLES
    pages = []
    if builds:
        pages.append(
            _page("views/home.py", "ui.nav.home", ":material/home:", "accueil", default=True)
        )
    pages.append(
        _page("views/chat.py", "ui.nav.chat", ":material/forum:", "discuter", default=not builds)
    )
    pages.append(  # everyone's door to what others made
        _page("views/catalogue.py", "ui.nav.catalogue", ":material/storefront:", "catalogue")
    )
    if builds:
        pages += [
            _page("views/editor.py", "ui.nav.editor", ":material/edit_note:", "editeur"),
            _page(
                "views/knowledge.py",
                "ui.nav.knowledge",
                ":material/library_books:",
                "connaissances",
            ),
        ]
    pages.append(draft_pages.drafts_page())  # supervised drafting: anyone who uses agents
    if builds:
        pages.append(draft_pages.oversight_page())
    if account.role in ("reviewer", "admin"):
        pages.append(review_page())
    if account.role == "admin":
        pages.append(
            _page(
                "views/admin.py",
                "ui.nav.admin",
                ":material/admin_panel_settings:",
                "administration",
            )
        )
        pages.append(_page("views/people.py", "ui.nav.people", ":material/group:", "personnes"))
    # everyone: an administrator the installation's, a creator her agents', a user her own
    pages.append(_page("views/usage.py", "ui.nav.usage", ":material/monitoring:", "utilisation"))
    pages.append(_page("views/account.py", "ui.nav.account", ":material/person:", "compte"))
    with st.sidebar:
        who = literal(account.label)
        st.caption(tr("ui.sign_in.as", who=who, role=tr(f"role.{account.role}")))
        if st.button(tr("ui.sign_in.sign_out"), icon=":material/logout:", key="sign_out"):
            if identity.sign_out(state.installation()):
                st.stop()  # the browser goes to the provider's sign-out, then comes back
            st.rerun()
st.navigation(pages).run()
