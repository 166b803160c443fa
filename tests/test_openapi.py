"""HTTP actions from OpenAPI documents: reading, bounding, tools, calls and the CLI.

Real documents come from ../shared/data/openapi (API Géo, Swagger 2.0; Wikimedia REST, OpenAPI
3.0). Calls go to a local server on 127.0.0.1 that answers with recorded data, through the real
egress guard with loopback allowed for these tests only.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from typer.testing import CliRunner

from agents.errors import UserError
from builder_ui.cli.main import app
from tools.egress import EgressGuard, EgressPolicy
from tools.openapi import (
    OpenApiError,
    load_bytes,
    load_document,
    loader,
    normalise,
)
from tools.openapi.model import DocumentTooLargeError
from tools.registry import ToolContext, ToolDefinition, ToolRegistry, default_registry

TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
SECRET = "s3cr3t-K3y/with+chars"
COMMUNES = [
    {"nom": "Paris", "code": "75056", "codesPostaux": ["75001", "75002"], "population": 2133111},
    {"nom": "Parisot", "code": "81202", "codesPostaux": ["81310"], "population": 572},
]


@pytest.fixture(autouse=True)
def french(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_LANG", "fr")


@pytest.fixture
def geo_file(shared_data: Path) -> Path:
    return shared_data / "openapi" / "geo.api.gouv.fr.definition.yml"


@pytest.fixture
def wiki_file(shared_data: Path) -> Path:
    return shared_data / "openapi" / "wikimedia.org.json"


def method_count(raw: dict[str, Any]) -> Counter[str]:
    return Counter(m.upper() for item in raw["paths"].values() for m in item if m in METHODS)


def inline(document: dict[str, Any]) -> str:
    """A document as the builder stores it in a spec: its own text."""
    return json.dumps(document, indent=1)


# --- a local API with recorded answers -------------------------------------------------------


class RecordedApi(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[dict[str, Any]] = []
        self.routes: dict[tuple[str, str], Callable[[dict[str, Any]], tuple[int, Any]]] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: RecordedApi

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        split = urlsplit(self.path)
        request = {
            "method": self.command,
            "path": split.path,
            "query": parse_qs(split.query),
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": self.rfile.read(length) if length else b"",
        }
        self.server.seen.append(request)
        route = self.server.routes.get((self.command, split.path))
        status, payload = route(request) if route else (404, {"message": "Ressource introuvable"})
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def api() -> Iterator[RecordedApi]:
    server = RecordedApi()
    server.routes[("GET", "/communes")] = lambda r: (200, COMMUNES)
    server.routes[("GET", "/communes/75056")] = lambda r: (200, COMMUNES[0])
    server.routes[("GET", "/departements")] = lambda r: (500, b"<h1>Internal error</h1>")
    server.routes[("GET", "/regions")] = lambda r: (
        200,
        {"headers": r["headers"], "query": r["query"]},
    )
    server.routes[("GET", "/epcis")] = lambda r: (
        200,
        [{"code": str(i), "nom": "x" * 40} for i in range(5000)],
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def context() -> ToolContext:
    secrets = {"geo_key": SECRET, "geo_login": f"agent:{SECRET}"}
    guard = EgressGuard(EgressPolicy(allow_loopback=True))
    return ToolContext(egress=guard, secret=lambda name: secrets[name])


def geo_config(api: RecordedApi, geo_file: Path, **extra: Any) -> dict[str, Any]:
    return {
        "document": str(geo_file),
        "name": "geo",
        "base_url": api.url,
        "operations": [
            "getCommunes",
            "getCommunesByCode",
            "GET /departements",
            "getRegions",
            "getEpcis",
        ],
        **extra,
    }


def tools_of(
    registry: ToolRegistry, config: dict[str, Any], context: ToolContext
) -> dict[str, ToolDefinition]:
    return {tool.id: tool for tool in registry.expand("http_action", config, context)}


# --- reading documents -----------------------------------------------------------------------


def test_geo_swagger_2_operations(geo_file: Path) -> None:
    raw = yaml.safe_load(geo_file.read_text("utf-8"))
    document = load_document(str(geo_file))
    assert len(raw["paths"]) == 13
    assert len(document.operations) == sum(method_count(raw).values()) == 13
    assert (document.spec_version, document.title) == ("2.0", "API Géo")
    assert document.base_url == "https://geo.api.gouv.fr"
    ids = [op.operation_id for op in document.operations]
    assert ids[:2] == ["getCommunes", "getCommunesByCode"] and len(set(ids)) == 13
    communes = document.find("getCommunes")
    params = {p.name: p for p in communes.parameters}
    assert params["nom"].location == "query" and not params["nom"].required
    assert params["fields"].schema["type"] == "array" and params["fields"].separator == ","
    assert "population" in params["fields"].schema["items"]["enum"]  # from #/parameters/...
    code = {p.name: p for p in document.find("GET /communes/{code}").parameters}["code"]
    assert (code.location, code.required) == ("path", True)
    assert not any(op.consequential or op.problem for op in document.operations)


def test_wikimedia_openapi_3_operations(wiki_file: Path) -> None:
    raw = json.loads(wiki_file.read_text("utf-8"))
    document = load_document(str(wiki_file))
    assert len(raw["paths"]) == 35
    assert Counter(op.method for op in document.operations) == method_count(raw)
    assert method_count(raw) == {"GET": 32, "POST": 3}
    assert document.spec_version == "3.0.0"
    assert document.base_url == "https://wikimedia.org/api/rest_v1"
    check = document.find("POST /media/math/check/{type}")
    assert check.consequential and check.operation_id == "postMediaMathCheck"
    assert check.body is not None and check.body.content_type == "application/x-www-form-urlencoded"
    assert check.body.schema["required"] == ["q"]
    translate = document.find("POST /transform/html/from/{from_lang}/to/{to_lang}")
    assert translate.body is not None and "html" in translate.body.schema["properties"]  # $ref body
    top = document.find("getMetricsPageviewsTop")
    assert [p.name for p in top.parameters] == ["project", "access", "year", "month", "day"]
    assert all(p.required for p in top.parameters)


def test_every_operation_becomes_a_sane_tool(geo_file: Path, wiki_file: Path) -> None:
    for file, prefix in ((geo_file, "geo"), (wiki_file, "wikimedia")):
        document = load_document(str(file))
        ids = [op.operation_id for op in document.operations]
        config = {"document": str(file), "name": prefix, "operations": ids}
        tools = default_registry().expand("http_action", config)
        assert len(tools) == len(ids)
        assert len({t.id for t in tools}) == len(tools)
        for tool, op in zip(tools, document.operations, strict=True):
            assert TOOL_NAME.match(tool.id), tool.id
            assert tool.consequential == (op.method == "POST")
            assert tool.uses_context and op.label in tool.description
            schema = tool.args_model.model_json_schema()
            json.dumps(schema)
            assert schema["type"] == "object" and schema["additionalProperties"] is False
            path_params = {p.name for p in op.parameters if p.location == "path"}
            assert path_params <= set(schema.get("required", []))
            for prop in schema["properties"].values():
                assert "anyOf" not in prop and "title" not in prop
    geo = {
        t.id: t
        for t in default_registry().expand(
            "http_action", {"document": str(geo_file), "name": "geo", "operations": ["getCommunes"]}
        )
    }
    communes = geo["geo__getCommunes"]
    props = communes.args_model.model_json_schema()["properties"]
    assert props["lat"]["type"] == "number" and props["nom"]["type"] == "string"
    assert props["fields"]["items"]["enum"][:2] == ["nom", "code"]
    assert communes.validate_args({"nom": "Paris", "fields": ["nom", "code"]})
    with pytest.raises(UserError, match="fields"):
        communes.validate_args({"fields": ["pas-un-champ"]})
    with pytest.raises(UserError):
        communes.validate_args({"inconnu": 1})
    wiki = default_registry().expand(
        "http_action",
        {"document": str(wiki_file), "name": "wiki", "operations": ["getMetricsEditsAggregate"]},
    )[0]
    props = wiki.args_model.model_json_schema()["properties"]
    assert "editor-type" in props and "all-editor-types" in props["editor-type"]["enum"]
    assert wiki.validate_args(
        {
            "project": "fr.wikipedia",
            "editor-type": "user",
            "page-type": "content",
            "granularity": "daily",
            "start": "20240101",
            "end": "20240131",
        }
    )


# --- bounds and clear errors -----------------------------------------------------------------

LOOPING = {
    "openapi": "3.0.3",
    "info": {"title": "Arbre", "version": "1"},
    "servers": [{"url": "https://arbre.example/v1"}],
    "paths": {
        "/nodes": {
            "post": {
                "operationId": "createNode",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Node"}}
                    },
                },
            }
        },
        "/pairs": {
            "post": {
                "requestBody": {
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}
                }
            }
        },
        "/self": {"get": {"parameters": [{"$ref": "#/components/parameters/Self"}]}},
        "/remote": {"get": {"parameters": [{"$ref": "https://evil.example/p.yaml#/Q"}]}},
    },
    "components": {
        "parameters": {"Self": {"$ref": "#/components/parameters/Self"}},
        "schemas": {
            "Node": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                },
            },
            "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
            "B": {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/A"}}},
        },
    },
}


def test_ref_loops_are_cut_and_other_operations_stay_usable() -> None:
    document = load_bytes(inline(LOOPING).encode(), "inline")
    node = document.find("createNode")
    assert node.problem is None and node.body is not None
    children = node.body.schema["properties"]["children"]["items"]
    assert children["type"] == "object" and "récursive" in children["description"]
    pairs = document.find("POST /pairs")
    assert pairs.operation_id == "postPairs"
    assert "récursive" in pairs.body.schema["properties"]["b"]["properties"]["a"]["description"]  # type: ignore[union-attr]
    looping = document.find("GET /self")
    assert looping.problem is not None and looping.problem.key == "openapi.ref_loop"
    config = {
        "document": inline(LOOPING),
        "name": "arbre",
        "operations": ["createNode", "postPairs"],
    }
    tools = default_registry().expand("http_action", config)
    schema = tools[0].args_model.model_json_schema()
    assert json.dumps(schema) and "body" in schema["required"]
    assert tools[0].validate_args({"body": {"name": "racine", "children": [{"name": "feuille"}]}})
    with pytest.raises(OpenApiError, match="getSelf") as err:
        default_registry().expand("http_action", {**config, "operations": ["getSelf"]})
    assert "boucle" in err.value.message()


def test_remote_refs_are_refused_with_a_clear_message() -> None:
    document = load_bytes(inline(LOOPING).encode(), "inline")
    remote = document.find("getRemote")
    assert remote.problem is not None
    message = remote.problem.message()
    assert "https://evil.example/p.yaml#/Q" in message and "externe" in message
    config = {"document": inline(LOOPING), "operations": ["getRemote"]}
    with pytest.raises(OpenApiError, match=r"evil\.example"):
        default_registry().expand("http_action", config)


def test_huge_documents_are_refused() -> None:
    too_big = b"openapi: 3.0.0\n" + b"#" * loader.MAX_DOCUMENT_BYTES
    with pytest.raises(DocumentTooLargeError, match="5 Mo"):
        load_bytes(too_big, "big.yaml")
    # YAML aliases: a few lines that expand to billions of nodes
    laughs = [
        "openapi: 3.0.0",
        "info: {title: x, version: '1'}",
        "x-l0: &l0 {type: string, enum: [a, b, c, d]}",
    ]
    for i in range(1, 12):
        properties = ", ".join(f"p{j}: *l{i - 1}" for j in range(8))
        laughs.append(f"x-l{i}: &l{i} {{type: object, properties: {{{properties}}}}}")
    one_bomb = [*laughs, "paths:", "  /bomb:", "    get:", "      parameters:"]
    one_bomb += [f"        - {{name: q{k}, in: query, schema: *l11}}" for k in range(50)]
    one_bomb += [
        "  /fine:",
        "    get: {parameters: [{name: q, in: query, schema: {type: string}}]}",
    ]
    document = load_bytes("\n".join(one_bomb).encode(), "bomb.yaml")
    bomb = document.find("getBomb")
    assert bomb.problem is not None and "trop complexes" in bomb.problem.message()
    assert document.find("getFine").problem is None
    many = [*laughs, "paths:"]
    for k in range(60):  # each operation within its bound, the document beyond its own
        many += [f"  /p{k}:", "    get: {parameters: [{name: q, in: query, schema: *l3}]}"]
    with pytest.raises(DocumentTooLargeError, match="trop complexe"):
        load_bytes("\n".join(many).encode(), "bomb.yaml")


def test_too_many_operations(geo_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(normalise, "MAX_OPERATIONS", 5)
    with pytest.raises(DocumentTooLargeError, match="plus de 5 opérations"):
        load_document(str(geo_file), cache=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("openapi: 3.0.0\npaths:\n  /a: [\n    get\n  b: c\n", "YAML valide, ligne 5"),
        ('{"openapi": "3.0.0",\n "paths": {,}}', "JSON valide, ligne 2, colonne 12"),
        ("- une\n- liste\n", "ne décrit pas une API"),
        ("title: pas une API\n", "ni champ « openapi »"),
        ("swagger: '1.2'\n", "version 1.2"),
        ("openapi: 3.0.0\npaths: [1, 2]\n", "« paths »"),
    ],
)
def test_broken_documents_name_the_problem(text: str, expected: str) -> None:
    with pytest.raises(OpenApiError) as err:
        load_bytes(text.encode(), "api.yaml")
    assert expected in err.value.message() and "api.yaml" in err.value.message()


def test_documents_by_path_and_url(tmp_path: Path) -> None:
    with pytest.raises(OpenApiError, match="introuvable"):
        load_document(str(tmp_path / "absent.yaml"))
    secret_file = tmp_path / "notes.txt"
    secret_file.write_text("password: hunter2\n", "utf-8")
    with pytest.raises(OpenApiError, match="n'est pas un document OpenAPI") as err:
        load_document(str(secret_file))
    assert "hunter2" not in err.value.message()
    with pytest.raises(OpenApiError, match="réseau"):
        load_document("https://geo.api.gouv.fr/definition.yml")  # no egress given


def test_document_from_url_through_the_guard(api: RecordedApi, context: ToolContext) -> None:
    text = inline(LOOPING)
    api.routes[("GET", "/openapi.json")] = lambda r: (200, text.encode())
    document = load_document(f"{api.url}/openapi.json", context.egress, cache=False)
    assert document.title == "Arbre" and len(document.operations) == 4
    refusing = EgressGuard(EgressPolicy())
    with pytest.raises(OpenApiError, match=r"127\.0\.0\.1"):
        load_document(f"{api.url}/openapi.json", refusing, cache=False)
    with pytest.raises(OpenApiError, match="404"):
        load_document(f"{api.url}/absent.json", context.egress, cache=False)


# --- config ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "path", "expected"),
    [
        ({"document": "a.yaml", "operations": []}, "operations", ""),
        (
            {"document": "a.yaml", "operations": ["x"], "auth": {"type": "bearer"}},
            "auth",
            "identifiant",
        ),
        ({"document": "a.yaml", "operations": ["x"], "base_url": "ftp://x"}, "base_url", "http"),
        (
            {
                "document": "a.yaml",
                "operations": ["x"],
                "auth": {"type": "api_key", "in": "cookie", "credential": "k"},
            },
            "auth.in",
            "",
        ),
        ({"document": "a.yaml", "operations": ["x"], "name": "a b"}, "name", ""),
        ({"document": "a.yaml", "operations": ["x"], "extra": 1}, "extra", ""),
    ],
)
def test_bad_configs_are_named(config: dict[str, Any], path: str, expected: str) -> None:
    tool = default_registry().get("http_action")
    with pytest.raises(UserError) as err:
        tool.validate_config(config)
    assert f"champ « {path} »" in err.value.message() and expected in err.value.message()


def test_the_builder_form_renders_the_config() -> None:
    from builder_ui.web.panels.forms import config_from_widgets, form_fields, widget_state

    fields = form_fields(default_registry().get("http_action").config_model)
    kinds = {f.name: f.kind for f in fields}
    assert kinds == {
        "document": "text",
        "name": "text",
        "operations": "lines",
        "base_url": "text",
        "auth": "json",
    }
    assert widget_state(fields, "k.", {})["k.auth"] == ""
    raw = {
        "document": "geo.yaml",
        "operations": "getCommunes\ngetRegions",
        "auth": '{"type": "bearer", "credential": "geo"}',
    }
    config = config_from_widgets(fields, raw)
    assert config["operations"] == ["getCommunes", "getRegions"]
    settings = default_registry().get("http_action").validate_config(config)
    assert settings.authentication.type == "bearer"  # type: ignore[attr-defined]


def test_a_broken_document_only_breaks_its_toolset(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("swagger: '2.0'\npaths:\n  /a: {get: [\n", "utf-8")
    registry = default_registry()
    with pytest.raises(OpenApiError, match="ligne 4"):
        registry.expand("http_action", {"document": str(broken), "operations": ["getA"]})
    with pytest.raises(OpenApiError, match="opération inconnue"):
        registry.expand("http_action", {"document": inline(LOOPING), "operations": ["nope"]})
    assert [t.id for t in registry.expand("calculator")] == ["calculator"]
    assert registry.run("calculator", {"expression": "6*7"}).output["result"] == 42
    toolset = registry.run(
        "http_action", {}, {"document": inline(LOOPING), "operations": ["createNode"]}
    )
    assert not toolset.ok and "par opération" in toolset.error


# --- calls -----------------------------------------------------------------------------------


def test_geo_communes_end_to_end(api: RecordedApi, geo_file: Path, context: ToolContext) -> None:
    registry = default_registry()
    config = geo_config(api, geo_file)
    tools = tools_of(registry, config, context)
    assert set(tools) == {
        "geo__getCommunes",
        "geo__getCommunesByCode",
        "geo__getDepartements",
        "geo__getRegions",
        "geo__getEpcis",
    }
    result = registry.run_definition(
        tools["geo__getCommunes"],
        {"nom": "Paris", "fields": ["nom", "code"], "lat": 48.85},
        config,
        context,
    )
    assert result.ok, result.error
    assert result.output == {"status": 200, "body": COMMUNES}
    [seen] = api.seen
    assert seen["path"] == "/communes"
    assert seen["query"] == {"nom": ["Paris"], "fields": ["nom,code"], "lat": ["48.85"]}
    assert "application/json" in seen["headers"]["accept"]
    one = registry.run_definition(
        tools["geo__getCommunesByCode"], {"code": "75056"}, config, context
    )
    assert one.ok and one.output["body"]["nom"] == "Paris"


AUTHS = [
    (
        {"type": "api_key", "in": "header", "name": "X-API-Key", "credential": "geo_key"},
        lambda s: s["headers"]["x-api-key"] == SECRET,
    ),
    (
        {"type": "api_key", "in": "query", "name": "apikey", "credential": "geo_key"},
        lambda s: s["query"]["apikey"] == [SECRET],
    ),
    (
        {"type": "bearer", "credential": "geo_key"},
        lambda s: s["headers"]["authorization"] == f"Bearer {SECRET}",
    ),
    (
        {"type": "basic", "credential": "geo_login"},
        lambda s: (
            s["headers"]["authorization"]
            == "Basic " + base64.b64encode(f"agent:{SECRET}".encode()).decode()
        ),
    ),
]


@pytest.mark.parametrize(("auth", "check"), AUTHS, ids=["header", "query", "bearer", "basic"])
def test_auth_reaches_the_api_and_never_the_result(
    api: RecordedApi,
    geo_file: Path,
    context: ToolContext,
    caplog: pytest.LogCaptureFixture,
    auth: dict[str, Any],
    check: Callable[[dict[str, Any]], bool],
) -> None:
    caplog.set_level(logging.DEBUG)
    registry = default_registry()
    config = geo_config(api, geo_file, auth=auth)
    tools = tools_of(registry, config, context)
    result = registry.run_definition(tools["geo__getRegions"], {"nom": "Bretagne"}, config, context)
    assert result.ok, result.error
    assert check(api.seen[-1])
    shown = json.dumps(result.output) + repr(result)
    assert SECRET not in shown and "s3cr3t" not in shown and "***" in shown  # the API echoed it
    failed = registry.run_definition(tools["geo__getDepartements"], {}, config, context)
    assert not failed.ok and SECRET not in failed.error
    refused = ToolContext(egress=EgressGuard(EgressPolicy()), secret=context.secret)
    blocked = registry.run_definition(tools["geo__getRegions"], {}, config, refused)
    assert not blocked.ok and "refusé" in blocked.error and "s3cr3t" not in blocked.error
    assert any(r.name.startswith("tools.openapi") for r in caplog.records)
    assert "s3cr3t" not in caplog.text  # ours, the guard's and httpx's records alike


def test_missing_credentials_are_explained(
    api: RecordedApi, geo_file: Path, context: ToolContext
) -> None:
    registry = default_registry()
    config = geo_config(api, geo_file, auth={"type": "bearer", "credential": "absent"})
    tool = tools_of(registry, config, context)["geo__getRegions"]
    result = registry.run_definition(tool, {}, config, context)
    assert not result.ok and "« absent » est introuvable" in result.error
    no_secrets = ToolContext(egress=context.egress)
    result = registry.run_definition(tool, {}, config, no_secrets)
    assert not result.ok and "identifiants enregistrés" in result.error
    result = registry.run_definition(tool, {}, config, ToolContext())
    assert not result.ok and "réseau" in result.error
    assert api.seen == []


def test_declared_key_parameters_are_left_to_the_config(context: ToolContext) -> None:
    document = {
        "swagger": "2.0",
        "info": {"title": "Clé", "version": "1"},
        "host": "api.example",
        "paths": {
            "/items": {
                "get": {
                    "operationId": "listItems",
                    "parameters": [
                        {"name": "X-API-Key", "in": "header", "type": "string", "required": True},
                        {"name": "q", "in": "query", "type": "string"},
                    ],
                }
            }
        },
    }
    config = {
        "document": inline(document),
        "operations": ["listItems"],
        "auth": {"type": "api_key", "name": "x-api-key", "credential": "geo_key"},
    }
    [tool] = default_registry().expand("http_action", config, context)
    assert list(tool.args_model.model_json_schema()["properties"]) == ["q"]


def test_path_values_cannot_walk_the_url(
    api: RecordedApi, geo_file: Path, context: ToolContext
) -> None:
    registry = default_registry()
    config = geo_config(api, geo_file)
    tool = tools_of(registry, config, context)["geo__getCommunesByCode"]
    result = registry.run_definition(tool, {"code": "../../etc/passwd"}, config, context)
    assert not result.ok and "404" in result.error
    assert api.seen[-1]["path"] == "/communes/..%2F..%2Fetc%2Fpasswd"
    for value in ("..", ".", ""):
        refused = registry.run_definition(tool, {"code": value}, config, context)
        assert not refused.ok and "« code »" in refused.error
    assert len(api.seen) == 1


def test_api_errors_become_tool_errors(
    api: RecordedApi, geo_file: Path, context: ToolContext
) -> None:
    registry = default_registry()
    config = geo_config(api, geo_file)
    tools = tools_of(registry, config, context)
    missing = registry.run_definition(
        tools["geo__getCommunesByCode"], {"code": "99999"}, config, context
    )
    assert (
        not missing.ok
        and missing.error == 'l\'API a répondu 404 : {"message": "Ressource introuvable"}'
    )
    broken = registry.run_definition(tools["geo__getDepartements"], {}, config, context)
    assert not broken.ok and "500" in broken.error and "Internal error" in broken.error
    assert "Erreur de l'outil geo__getDepartements" in broken.for_model()


def test_long_answers_are_cut_between_items(
    api: RecordedApi, geo_file: Path, context: ToolContext
) -> None:
    registry = default_registry()
    config = geo_config(api, geo_file)
    result = registry.run_definition(
        tools_of(registry, config, context)["geo__getEpcis"], {}, config, context
    )
    assert result.ok and result.output["truncated"] is True
    assert result.output["items_total"] == 5000 and 0 < result.output["items_shown"] < 5000
    assert len(json.dumps(result.output)) <= 21_000


def test_post_operations_ask_first_and_send_their_body(
    api: RecordedApi, wiki_file: Path, context: ToolContext
) -> None:
    registry = default_registry()
    api.routes[("POST", "/media/math/check/tex")] = lambda r: (
        200,
        {"success": True, "checked": "E=mc^{2}"},
    )
    config = {
        "document": str(wiki_file),
        "name": "wiki",
        "base_url": api.url,
        "operations": ["postMediaMathCheck", "getFeedAvailability"],
    }
    tools = tools_of(registry, config, context)
    check = tools["wiki__postMediaMathCheck"]
    assert check.consequential and not tools["wiki__getFeedAvailability"].consequential
    result = registry.run_definition(
        check, {"type": "tex", "body": {"q": "E=mc^2"}}, config, context
    )
    assert result.ok and result.output["body"]["success"] is True
    seen = api.seen[-1]
    assert seen["path"] == "/media/math/check/tex"
    assert seen["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert seen["body"] == b"q=E%3Dmc%5E2"
    json_api = {
        "openapi": "3.1.0",
        "info": {"title": "Tickets", "version": "1"},
        "servers": [{"url": "{root}/v1", "variables": {"root": {"default": api.url}}}],
        "paths": {
            "/tickets": {
                "post": {
                    "operationId": "createTicket",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["title"],
                                    "properties": {
                                        "title": {"type": "string"},
                                        "tags": {"type": "array", "items": {"type": "string"}},
                                        "urgent": {"type": ["boolean", "null"]},
                                    },
                                }
                            }
                        },
                    },
                }
            }
        },
    }
    api.routes[("POST", "/v1/tickets")] = lambda r: (201, {"id": 7})
    config = {"document": inline(json_api), "name": "tickets", "operations": ["createTicket"]}
    [create] = registry.expand("http_action", config, context)
    assert create.consequential
    result = registry.run_definition(
        create, {"body": {"title": "Panne", "tags": ["wifi"]}}, config, context
    )
    assert result.ok and result.output == {"status": 201, "body": {"id": 7}}
    assert json.loads(api.seen[-1]["body"]) == {"title": "Panne", "tags": ["wifi"]}
    assert api.seen[-1]["headers"]["content-type"] == "application/json"


# --- the CLI ---------------------------------------------------------------------------------


def atelier(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_cli_lists_operations(geo_file: Path, wiki_file: Path) -> None:
    result = atelier("tool", "openapi", str(geo_file), "--json")
    assert result.exit_code == 0, result.stderr
    listed = json.loads(result.stdout)
    assert listed["title"] == "API Géo" and len(listed["operations"]) == 13
    first = listed["operations"][0]
    assert (first["method"], first["path"], first["operation_id"]) == (
        "GET",
        "/communes",
        "getCommunes",
    )
    assert first["summary"] == "Recherche des communes" and first["consequential"] is False
    result = atelier("tool", "openapi", str(wiki_file))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["MÉTHODE", "CHEMIN", "OPÉRATION", "RÉSUMÉ"]
    assert len(lines) == 36
    assert any(line.startswith("POST") and "postMediaMathCheck" in line for line in lines)
    assert "35 opération(s)" in result.stderr


def test_cli_reports_broken_documents(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.0.0\ninfo:\n  title: [\n", "utf-8")
    result = atelier("tool", "openapi", str(broken))
    assert result.exit_code == 2 and "YAML valide, ligne 4" in result.stderr
    result = atelier("tool", "openapi", str(tmp_path / "absent.json"))
    assert result.exit_code == 2 and "introuvable" in result.stderr
    remote = tmp_path / "remote.json"
    remote.write_text(inline(LOOPING), "utf-8")
    result = atelier("tool", "openapi", str(remote))
    assert result.exit_code == 0 and "(inutilisable : référence externe refusée" in result.stdout


def test_cli_fetches_urls_through_the_default_guard() -> None:
    result = atelier("tool", "openapi", "http://127.0.0.1:9/openapi.json")
    assert result.exit_code == 2 and "127.0.0.1" in result.stderr and "refusée" in result.stderr


# --- in a running agent ----------------------------------------------------------------------


def test_an_agent_calls_an_openapi_operation_and_a_broken_document_leaves_the_rest_working(
    api: RecordedApi, geo_file: Path, context: ToolContext, tmp_path: Path
) -> None:
    from agents.checkpoints import memory_checkpointer
    from agents.models.scripted import ScriptedChatModel, ScriptedReply
    from agents.runtime import AgentRuntime
    from agents.spec import AgentSpec
    from tools.registry import default_registry

    broken = tmp_path / "broken.yaml"
    broken.write_text("swagger: '2.0'\npaths: [unclosed\n")
    spec = AgentSpec.model_validate(
        {
            "schema": "atelier/agent@1",
            "name": "Géo",
            "tools": [
                {"id": "http_action", "config": geo_config(api, geo_file)},
                {
                    "id": "http_action",
                    "config": {"document": str(broken), "name": "casse", "operations": ["getX"]},
                },
                {"id": "calculator"},
            ],
        }
    )
    call = {"name": "geo__getCommunes", "args": {"nom": "Paris"}}
    model = ScriptedChatModel(
        replies=[
            ScriptedReply.model_validate({"tool_calls": [call]}),
            ScriptedReply.model_validate({"text": "Paris a le code 75056."}),
        ]
    )
    runtime = AgentRuntime(
        spec, model, default_registry(), memory_checkpointer(), tool_context=context
    )
    result = runtime.run("t1", "Code INSEE de Paris ?")
    assert result.answer == "Paris a le code 75056."
    (done,) = result.tool_calls
    assert done.ok, done.error
    assert api.seen[-1]["path"] == "/communes" and api.seen[-1]["query"]["nom"] == ["Paris"]
    calc = {"name": "calculator", "args": {"expression": "2+2"}}
    model.replies.extend(
        [ScriptedReply.model_validate({"tool_calls": [calc]}), ScriptedReply(text="4")]
    )
    assert runtime.run("t1", "2+2 ?").tool_calls[0].ok, "the other tools keep working"
