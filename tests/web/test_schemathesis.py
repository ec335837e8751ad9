"""Property-based run of every API operation from the OpenAPI schema: no answer is a 5xx.

Schemathesis generates requests (valid and invalid) from ``/openapi.json`` of a live server and
sends them as a coordinator with a Bearer token, so writes are exercised too. Bounded: a fixed
number of examples per operation, no deadline. (Operations are driven one by one through their
Hypothesis strategies; schemathesis' own pytest fixture loader does not run under pytest 9.)
"""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

MAX_EXAMPLES = 40


@pytest.mark.slow
def test_no_server_errors(server):
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    session = requests.Session()
    session.trust_env = False
    headers = server.headers("amina")
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case):
            case.call_and_validate(
                base_url=server.url, session=session, headers=headers, checks=[not_a_server_error]
            )

        run()
    assert "POST /api/incidents" in labels and "PATCH /api/incidents/{incident_id}" in labels
    requests_seen = [line for line in server.log if '" 2' in line or '" 4' in line]
    assert len(requests_seen) >= 5 * MAX_EXAMPLES
    assert not [line for line in server.log if '" 5' in line]
