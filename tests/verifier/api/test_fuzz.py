"""Fuzzing the two doors strangers push on: the HTTP API, from its own OpenAPI
document (schemathesis), and the image intake (mutated PNG, JPEG and WebP
bytes, polyglots). Short in CI; ``VERIFIER_FUZZ_EXAMPLES=2000 pytest
tests/verifier/api/test_fuzz.py`` runs the long form."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from schemathesis.checks import not_a_server_error

from jobs.connections import PrivateRedis, redis_from_url
from verifier.api import create_app
from verifier.forensics.images import ImageProblem, LoadedImage, decode_image
from verifier.settings import Settings
from verifier.store import Store

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("VERIFIER_FUZZ_EXAMPLES", "40"))


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, redis_server: PrivateRedis
        ) -> Iterator[tuple[object, str]]:
    home = tmp_path_factory.mktemp("fuzz")
    app_settings = Settings(REDIS_URL=redis_server.url, VERIFIER_HOME=home,  # type: ignore[call-arg]
                            VERIFIER_QUEUE=f"fuzz-{home.name}")
    store = Store(app_settings.db_url)
    store.create_schema()
    token = store.marketplaces.issue_token("fuzz").token
    yield create_app(app_settings), token
    redis_from_url(redis_server.url).flushdb()


def test_the_api_never_answers_5xx_to_generated_requests(api: tuple[object, str]) -> None:
    app, token = api
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)

    @given(case=schema.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        assert response.status_code < 500, (case.method, case.path, response.text[:300])
        if response.status_code >= 400:
            assert "error" in response.json(), response.text[:300]
        case.validate_response(response, checks=[not_a_server_error])

    run()


def _image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 200)).save(out, format=fmt)
    return out.getvalue()


SEEDS = [_image("PNG"), _image("JPEG"), _image("WEBP")]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "append"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del data[at:at + draw(st.integers(1, 64))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        else:  # polyglots: an image with an archive, a script or another image behind it
            data += draw(st.sampled_from([b"PK\x03\x04" + bytes(26), b"<script>x</script>",
                                          SEEDS[0], b"%PDF-1.7\n"]))
    return bytes(data)


@given(raw=mutated())
@settings(max_examples=EXAMPLES * 5, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_damaged_images_are_problems_never_crashes(raw: bytes) -> None:
    result = decode_image(raw, Settings())  # type: ignore[call-arg]
    assert isinstance(result, LoadedImage | ImageProblem)
    if isinstance(result, ImageProblem):
        assert result.reason and "screenshot" in result.reason
    else:
        assert result.image.mode == "RGB" and result.image.size[0] >= 1
