"""The tables ``store.migrations`` creates, as far as queries need to know them (SQLAlchemy
Core: the schema itself is the migrations')."""

from __future__ import annotations

from sqlalchemy import TableClause, column, table


def _table(name: str, columns: str) -> TableClause:
    return table(name, *(column(c) for c in columns.split()))


agents = _table(
    "agents",
    "id name owner description icon created_at updated_at latest_version published_version"
    " deprecated",
)
versions = _table("versions", "agent_id number author message created_at spec_yaml")
threads = _table("threads", "id agent_id owner title created_at")
previews = _table("preview_threads", "id agent_id owner created_at")
runs = _table(
    "runs",
    "id agent_id version thread_id principal model outcome input_tokens output_tokens"
    " latency_ms tool_calls error created_at team cost",
)
accounts = _table("accounts", "id name role active origin created_at updated_at")
teams = _table("teams", "id name name_key created_at")
team_members = _table("team_members", "team_id account_id added_at")
grants = _table(
    "grants",
    "resource_kind resource_id grantee_kind grantee_id permission granted_by created_at",
)
passwords = _table("passwords", "account_id hash updated_at")
sign_in_links = _table(
    "sign_in_links", "token_hash account_id purpose created_at expires_at used_at"
)
sign_in_failures = _table("sign_in_failures", "login failures last_failure_at")
browser_sessions = _table("browser_sessions", "token_hash account_id created_at last_seen_at")
conversation_bases = _table("conversation_bases", "thread_id kb_id")
audit_log = _table(
    "audit_log",
    "seq at actor action target_kind target_id details origin prev_hash hash salt sealed erased_by",
)
audit_head = _table("audit_head", "id count hash")
publication_requests = _table(
    "publication_requests",
    "id agent_id version requested_by message status reviewer comment created_at decided_at",
)
notifications = _table("notifications", "id account_id kind parameters created_at read_at")
usage_totals = _table(
    "usage_totals", "period dimension key runs input_tokens output_tokens cost people"
)
usage_people = _table("usage_people", "period dimension key principal")
quotas = _table("quotas", "subject_kind subject_id unit monthly_limit set_by updated_at")
version_facts = _table(
    "version_facts", "agent_id number category category_key model uses_documents uses_tools"
)
lineage = _table("lineage", "agent_id forked_from forked_version forked_name created_at")
feedback = _table(
    "feedback", "id agent_id version thread_id author rating comment exchange created_at"
)
catalogue_generation = _table("catalogue_generation", "part generation")
catalogue_changes = _table("catalogue_changes", "part generation agent_id")
reply_batches = _table(
    "reply_batches",
    "id agent_id owner file_name message_column context_columns assignee created_at",
)
reply_drafts = _table(
    "reply_drafts",
    "id agent_id agent_version batch_id row thread_id requester assignee message context draft"
    " final status reason instruction error created_at drafted_at decided_at decided_by"
    " attempts changed_at",
)
