"""The ``atelier`` command driven in-process (Typer's runner): quicker than a process per call."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner, Result

from builder_ui.cli.main import app


def atelier(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=input)


def ok(*args: str, input: str | None = None) -> Result:
    result = atelier(*args, input=input)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def as_json(*args: str) -> Any:
    return json.loads(ok(*args, "--json").stdout)
