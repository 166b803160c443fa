"""The administration's "Modèles" tab: the organisation's language models, each with who may use
it, "Tester la connexion", on/off and removal; a new model added with its key (a password field:
the value is stored encrypted and never shown again). The work is done by
``builder_ui.services.models_admin``, which ``atelier model`` calls too."""

from __future__ import annotations

from functools import partial
from typing import Any

import streamlit as st

from agents.errors import AtelierError
from builder_ui.services import models_admin
from builder_ui.services.installation import Services
from builder_ui.web import state
from builder_ui.web.models.transcript import escape_markdown
from builder_ui.web.panels.admin_section import (
    apply,
    delete_asked_twice,
    heading,
    seed,
    show_problems,
)
from builder_ui.web.state import tr
from store.admin_settings import MODEL_PROVIDERS, MODEL_ROLES, AdminSettings, OrgModelSettings

SECTION = "models"
DEFAULTS: dict[str, Any] = {
    state.ADMIN_MODEL_ID: "",
    state.ADMIN_MODEL_DISPLAY: "",
    state.ADMIN_MODEL_PROVIDER: "openai",
    state.ADMIN_MODEL_NAME: "",
    state.ADMIN_MODEL_URL: "",
    state.ADMIN_MODEL_KEY: "",
    state.ADMIN_MODEL_PRICE_IN: 0.0,
    state.ADMIN_MODEL_PRICE_OUT: 0.0,
    state.ADMIN_MODEL_SELF_HOSTED: False,
    state.ADMIN_MODEL_ROLES: [],
    state.ADMIN_MODEL_TEAMS: "",
    state.ADMIN_MODEL_ENABLED: True,
}


def models_section(services: Services, settings: AdminSettings, resets: set[str]) -> None:
    heading("ui.models")
    environment = [c.ref for c in services.providers.choices(services.env) if c.provider.generates]
    if environment:
        st.caption(tr("ui.models.env", models=", ".join(environment)))
    else:
        st.caption(tr("ui.models.env_none"))
    if not settings.models:
        st.caption(tr("ui.models.none"))
    for model in settings.models:
        with st.container(border=True):
            model_box(services, model)
    new_model_form(services, resets)


def model_box(services: Services, model: OrgModelSettings) -> None:
    """One model: its names, address, prices and access; test, on/off, remove."""
    text, test, toggle, delete = st.columns([5, 2, 2, 2], vertical_alignment="center")
    enabled = tr("models.state.enabled" if model.enabled else "models.state.disabled")
    text.markdown(f"**{escape_markdown(model.display_name)}** — {enabled}")
    text.caption(escape_markdown(model_line(model)))
    if test.button(tr("ui.models.test"), key=state.admin_model_test_key(model.id)):
        with st.spinner(tr("ui.models.testing", name=model.display_name)):
            state.set_model_test(model.id, *connection_test(services, model.id))
    if toggle.button(
        tr("ui.models.disable" if model.enabled else "ui.models.enable"),
        key=state.admin_model_toggle_key(model.id),
    ):
        apply(
            SECTION,
            partial(
                models_admin.set_model_enabled,
                services.workspace.organisation,
                model.id,
                not model.enabled,
            ),
            tr("ui.models.saved", name=model.display_name),
        )
    delete_asked_twice(
        delete,
        state.admin_model_delete_key(model.id),
        section=SECTION,
        item=("model", model.id),
        question=tr("ui.models.confirm", name=model.display_name),
        delete=partial(models_admin.remove_model, services.workspace.organisation, model.id),
        done=tr("ui.models.deleted", name=model.display_name),
    )
    result = state.model_tests().get(model.id)
    if result is not None:
        kind, message = result
        icon = ":material/check_circle:" if kind == "success" else ":material/error:"
        getattr(st, kind)(message, icon=icon)


def model_line(model: OrgModelSettings) -> str:
    roles = ", ".join(tr(f"ui.models.role.{r}") for r in model.roles)
    access = roles or tr("models.access.all_roles")
    if model.teams:
        access = tr("models.access.with_teams", roles=access, teams=", ".join(model.teams))
    return tr(
        "ui.models.line",
        ref=model.ref,
        address=model.base_url or tr("ui.models.default_address"),
        hosted=tr("ui.models.hosted" if model.self_hosted else "ui.models.external"),
        price=tr(
            "ui.models.price", price_in=f"{model.price_in:g}", price_out=f"{model.price_out:g}"
        ),
        access=access,
        credential=model.credential or tr("ui.models.no_credential"),
    )


def connection_test(services: Services, model_id: str) -> tuple[str, str]:
    """("success" | "error", what to say): one tiny real call, its failure in words."""
    try:
        done = models_admin.try_connection(
            services.workspace.organisation,
            model_id,
            providers=services.providers,
            env=services.env,
        )
    except AtelierError as exc:
        return "error", exc.message(state.language())
    seconds = f"{done.seconds:.1f}"
    if state.language() == "fr":
        seconds = seconds.replace(".", ",")
    return "success", tr("models.test.ok", name=done.display_name, seconds=seconds)


def new_model_form(services: Services, resets: set[str]) -> None:
    seed(SECTION, DEFAULTS, resets)
    with st.form(state.ADMIN_MODEL_FORM):
        st.markdown(f"**{tr('ui.models.new')}**")
        left, right = st.columns(2)
        left.text_input(
            tr("ui.models.field.display"),
            key=state.ADMIN_MODEL_DISPLAY,
            placeholder="Mistral Small (Europe)",
        )
        right.text_input(
            tr("ui.models.field.id"),
            key=state.ADMIN_MODEL_ID,
            placeholder="mistral-small",
            help=tr("ui.models.field.id.help"),
        )
        left.selectbox(
            tr("ui.models.field.provider"),
            list(MODEL_PROVIDERS),
            format_func=lambda p: tr(f"ui.model.provider.{p}"),
            key=state.ADMIN_MODEL_PROVIDER,
        )
        right.text_input(
            tr("ui.models.field.name"),
            key=state.ADMIN_MODEL_NAME,
            placeholder="mistral-small-latest",
        )
        left.text_input(
            tr("ui.models.field.base_url"),
            key=state.ADMIN_MODEL_URL,
            placeholder="https://albert.api.etalab.gouv.fr/v1",
            help=tr("ui.models.field.base_url.help"),
        )
        right.text_input(
            tr("ui.models.field.key"),
            key=state.ADMIN_MODEL_KEY,
            type="password",
            help=tr("ui.models.field.key.help"),
        )
        left.number_input(
            tr("ui.models.field.price_in"), min_value=0.0, step=0.1, key=state.ADMIN_MODEL_PRICE_IN
        )
        right.number_input(
            tr("ui.models.field.price_out"),
            min_value=0.0,
            step=0.1,
            key=state.ADMIN_MODEL_PRICE_OUT,
        )
        left.multiselect(
            tr("ui.models.field.roles"),
            list(MODEL_ROLES),
            format_func=lambda r: tr(f"ui.models.role.{r}"),
            key=state.ADMIN_MODEL_ROLES,
        )
        right.text_input(tr("ui.models.field.teams"), key=state.ADMIN_MODEL_TEAMS)
        st.checkbox(tr("ui.models.field.self_hosted"), key=state.ADMIN_MODEL_SELF_HOSTED)
        st.checkbox(tr("ui.models.field.enabled"), key=state.ADMIN_MODEL_ENABLED)
        added = st.form_submit_button(
            tr("ui.models.add"), type="primary", icon=":material/add:", key=state.ADMIN_MODEL_ADD
        )
    if added:
        values = {key: st.session_state.get(key) for key in DEFAULTS}
        apply(
            SECTION,
            lambda: add_from_form(services, values),
            tr("ui.models.added", name=str(values[state.ADMIN_MODEL_DISPLAY] or "").strip()),
        )
    show_problems(SECTION)


def add_from_form(services: Services, values: dict[str, Any]) -> OrgModelSettings:
    teams = [t.strip() for t in str(values[state.ADMIN_MODEL_TEAMS] or "").split(",")]
    return models_admin.add_model(
        services.workspace.organisation,
        str(values[state.ADMIN_MODEL_ID] or ""),
        provider=str(values[state.ADMIN_MODEL_PROVIDER] or ""),
        name=str(values[state.ADMIN_MODEL_NAME] or ""),
        display_name=str(values[state.ADMIN_MODEL_DISPLAY] or ""),
        base_url=str(values[state.ADMIN_MODEL_URL] or ""),
        key=str(values[state.ADMIN_MODEL_KEY] or "") or None,
        price_in=float(values[state.ADMIN_MODEL_PRICE_IN] or 0),
        price_out=float(values[state.ADMIN_MODEL_PRICE_OUT] or 0),
        self_hosted=bool(values[state.ADMIN_MODEL_SELF_HOSTED]),
        roles=list(values[state.ADMIN_MODEL_ROLES] or []),
        teams=[t for t in teams if t],
        enabled=bool(values[state.ADMIN_MODEL_ENABLED]),
    )
