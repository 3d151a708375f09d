"""The OpenAPI document and its operations, for tests that go through every operation."""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

METHODS = ("get", "put", "post", "patch", "delete")


_RENDER = """
import json, sys
from dialog import create_app
instance = sys.argv[1]
app = create_app({"INSTANCE_PATH": instance, "DATABASE_URL": f"sqlite:///{instance}/unused.sqlite3"})
sys.stdout.write(json.dumps(app.test_client().get("/api/v1/openapi.json").get_json()))
"""


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The app's OpenAPI document (rendered once per test process, without a database).

    Rendered by a child process: `create_app` configures the process-wide database handle, so
    creating an app here would leave a module's test app talking to an empty database.
    """
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    instance = tempfile.mkdtemp(prefix="openapi-")
    rendered = subprocess.run(
        [sys.executable, "-c", _RENDER, instance], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    document: dict[str, Any] = json.loads(rendered.stdout)
    return document


@dataclass(frozen=True)
class Operation:
    """One method on one path of the document."""

    method: str
    path: str
    spec: dict[str, Any]
    path_parameters: tuple[dict[str, Any], ...]

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def parameters(self, location: str) -> list[dict[str, Any]]:
        """The operation's parameters in `location` (path, query, header)."""
        own = [p for p in self.spec.get("parameters", []) if p["in"] == location]
        return own + [p for p in self.path_parameters if p["in"] == location] if location == "path" else own

    def required_query(self) -> dict[str, str]:
        """Plausible values of the required query parameters (`topics`, `q`), for requests about others."""
        known = {"topics": "news", "q": "Smart City"}
        return {p["name"]: known.get(p["name"], "x") for p in self.parameters("query") if p.get("required")}

    @property
    def body_schema(self) -> dict[str, Any] | None:
        """The JSON request body's schema, resolved, or None."""
        content = self.spec.get("requestBody", {}).get("content", {}).get("application/json")
        return None if content is None else resolve(content["schema"])

    def url(self, **values: Any) -> str:
        """The path with its parameters filled in (`1` for ids, `x` for other strings, unless given)."""
        filled = {
            p["name"]: values.get(p["name"], 1 if p["schema"].get("type") == "integer" else "x")
            for p in self.parameters("path")
        }
        if "kind" in filled and "kind" not in values:
            filled["kind"] = self.parameters("path")[0]["schema"].get("enum", ["x"])[0]
        return re.sub(r"{(\w+)}", lambda m: str(filled[m.group(1)]), self.path)


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema with a top-level `$ref` into components/schemas replaced by its target."""
    ref = schema.get("$ref")
    if ref is None:
        return schema
    name = ref.rsplit("/", 1)[-1]
    return resolve(openapi_document()["components"]["schemas"][name])


def operations() -> list[Operation]:
    """Every operation of the document."""
    found = []
    for path, item in openapi_document()["paths"].items():
        for method in METHODS:
            if method in item:
                found.append(Operation(method, path, item[method], tuple(item.get("parameters", []))))
    return found


def assert_matches(op: Operation, status: int, body: Any) -> None:
    """`body` is what the document says `op` answers with `status` (schemas resolved against it)."""
    import jsonschema

    response = op.spec["responses"][str(status)]
    if "$ref" in response:
        response = openapi_document()["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    schema = response["content"]["application/json"]["schema"]
    validator = jsonschema.Draft202012Validator({**schema, "components": openapi_document()["components"]})
    validator.validate(body)
