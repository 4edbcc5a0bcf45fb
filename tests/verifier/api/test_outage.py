"""A database outage under the API: 503 with a JSON reason while it lasts, and
service as before once the database is back (no restart of the API)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from fixtures.services import ApiServer
from jobs.connections import PrivateRedis, redis_from_url
from tests.pg import PrivatePostgres
from verifier.settings import Settings
from verifier.store import Store

pytestmark = pytest.mark.integration


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres().start()  # its own server: this test stops it
    yield server
    server.stop()


def proof(pid: str) -> dict:
    return {"id": pid, "task": {"action": "follow", "platform": "x",
                                "target": "https://x.com/acme_bd"},
            "worker": {"id": "w1", "handle": "rafi_bd"}}


def test_the_api_says_503_during_a_database_outage_and_recovers(
        tmp_path, redis_server: PrivateRedis, postgres: PrivatePostgres) -> None:
    settings = Settings(REDIS_URL=redis_server.url, VERIFIER_HOME=tmp_path,  # type: ignore[call-arg]
                        VERIFIER_DATABASE_URL=postgres.url,
                        VERIFIER_QUEUE=f"outage-{tmp_path.name}")
    store = Store(settings.db_url)
    store.create_schema()
    token = store.marketplaces.issue_token("m").token
    auth = {"Authorization": f"Bearer {token}"}
    with ApiServer(settings) as api:
        assert httpx.post(f"{api.url}/v1/proofs", json=proof("o-1"), headers=auth
                          ).status_code == 202
        postgres.halt()
        down = httpx.post(f"{api.url}/v1/proofs", json=proof("o-2"), headers=auth)
        assert down.status_code == 503 and "database is unavailable" in down.json()["error"]
        assert down.headers["retry-after"] == "30"
        assert httpx.get(f"{api.url}/v1/proofs/o-1", headers=auth).status_code == 503
        assert httpx.get(f"{api.url}/readyz").status_code == 503
        postgres.resume()
        assert httpx.post(f"{api.url}/v1/proofs", json=proof("o-2"), headers=auth
                          ).status_code == 202
        assert httpx.get(f"{api.url}/v1/proofs/o-1", headers=auth).json()["status"] == "pending"
        assert httpx.get(f"{api.url}/readyz").json() == {"status": "ready"}
    assert {p.id for p, _ in store.list_proofs()} == {"o-1", "o-2"}
    redis_from_url(redis_server.url).delete(f"rq:queue:outage-{tmp_path.name}")
