"""The frontend's API types are generated from the OpenAPI schema; CI fails when they drift.

`frontend/openapi.yml` is the committed schema and `frontend/src/api/schema.d.ts` the types
`openapi-typescript` makes from it. Regenerate both with `make api-types`.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

FRONTEND = Path(settings.BASE_DIR) / "frontend"
HINT = (
    "the API changed: run `make api-types` and commit frontend/openapi.yml and frontend/src/api/schema.d.ts"
)


def test_the_committed_schema_is_what_the_api_publishes(tmp_path):
    generated = tmp_path / "openapi.yml"

    call_command("spectacular", "--file", str(generated))

    assert generated.read_text() == (FRONTEND / "openapi.yml").read_text(), HINT


def test_the_typescript_types_are_generated_from_the_committed_schema(tmp_path):
    tool = FRONTEND / "node_modules" / ".bin" / "openapi-typescript"
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed: the API types cannot be regenerated here")
    if not tool.exists():
        pytest.skip("frontend/node_modules is missing: run `npm ci` in frontend/ (make test does)")
    out = tmp_path / "schema.d.ts"

    subprocess.run(
        [str(tool), "openapi.yml", "-o", str(out)], cwd=FRONTEND, check=True, capture_output=True, timeout=120
    )

    assert out.read_text() == (FRONTEND / "src" / "api" / "schema.d.ts").read_text(), HINT
