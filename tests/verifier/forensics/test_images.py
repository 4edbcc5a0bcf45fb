"""Screenshot intake: hostile bytes are refused with a plain sentence, before decoding."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import struct
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from PIL import Image

from tests.realdata import screenshot
from verifier.forensics import images
from verifier.forensics.images import (
    ImageProblem,
    LoadedImage,
    decode_image,
    editing_software,
    load_screenshot,
    load_screenshots,
)
from verifier.models import Screenshot
from verifier.settings import Settings
from verifier.urlguard import UrlGuard


def encode(image: Image.Image, fmt: str, **save: object) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **save)
    return buf.getvalue()


def sample(size: tuple[int, int] = (320, 200)) -> Image.Image:
    image = Image.new("RGB", size, "white")
    for x in range(0, size[0], 20):
        image.paste((x % 255, 80, 160), (x, 0, x + 10, size[1]))
    return image


def b64(raw: bytes) -> Screenshot:
    return Screenshot(data=base64.b64encode(raw).decode())


def png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny, valid-looking PNG whose header claims ``width`` x ``height`` (never allocated)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


@pytest.fixture
def settings() -> Settings:
    return Settings(image_hosts="localhost")


@pytest.fixture
def guard() -> UrlGuard:
    # sandboxed: "localhost" is a declared image host answered locally, never resolved
    return UrlGuard(image_hosts=["localhost"], sandboxed=True)


def test_png_from_base64_is_loaded_with_hashes(settings: Settings, guard: UrlGuard) -> None:
    raw = encode(sample(), "PNG")
    loaded = load_screenshot(b64(raw), settings, guard)
    assert isinstance(loaded, LoadedImage)
    assert loaded.format == "png" and loaded.ext == "png"
    assert loaded.size == (320, 200) and loaded.image.mode == "RGB"
    assert loaded.raw == raw and loaded.sha256 == hashlib.sha256(raw).hexdigest()
    assert len(loaded.phash) == 16 and len(loaded.dhash) == 16
    int(loaded.phash, 16), int(loaded.dhash, 16)


def test_near_copy_keeps_its_perceptual_hash(settings: Settings) -> None:
    original = decode_image(encode(sample(), "PNG"), settings)
    resized = decode_image(encode(sample().resize((300, 188)), "JPEG", quality=80), settings)
    assert isinstance(original, LoadedImage) and isinstance(resized, LoadedImage)
    assert original.sha256 != resized.sha256
    distance = bin(int(original.phash, 16) ^ int(resized.phash, 16)).count("1")
    assert distance <= 8


def test_data_url_prefix_and_wrapped_base64(settings: Settings, guard: UrlGuard) -> None:
    raw = encode(sample(), "JPEG")
    text = base64.encodebytes(raw).decode()  # MIME style, a line break every 76 chars
    loaded = load_screenshot(Screenshot(data="data:image/jpeg;base64," + text), settings, guard)
    assert isinstance(loaded, LoadedImage) and loaded.format == "jpeg" and loaded.ext == "jpg"


def test_webp_is_accepted(settings: Settings) -> None:
    loaded = decode_image(encode(sample(), "WEBP"), settings)
    assert isinstance(loaded, LoadedImage) and loaded.format == "webp"


def test_real_screenshot_is_loaded(settings: Settings) -> None:
    raw = screenshot("tusky_mastodon_03_profile.png").read_bytes()
    loaded = decode_image(raw, settings)
    assert isinstance(loaded, LoadedImage)
    assert loaded.size == (1198, 2539) and loaded.image.mode == "RGB"


def test_invalid_base64_is_refused(settings: Settings, guard: UrlGuard) -> None:
    problem = load_screenshot(Screenshot(data="iVBORw0KGgo$$$"), settings, guard, index=3)
    assert isinstance(problem, ImageProblem)
    assert problem.kind == "invalid"
    assert problem.reason == "screenshot 3 is not valid base64 data"


def test_truncated_png_is_refused(settings: Settings) -> None:
    raw = screenshot("infinity_reddit_1.png").read_bytes()
    problem = decode_image(raw[: len(raw) // 2], settings)
    assert isinstance(problem, ImageProblem) and problem.kind == "invalid"
    assert "damaged or truncated PNG" in problem.reason


def test_text_file_named_png_is_refused(settings: Settings, guard: UrlGuard) -> None:
    problem = load_screenshot(b64(b"<html><body>proof.png</body></html>"), settings, guard)
    assert isinstance(problem, ImageProblem) and problem.kind == "invalid"
    assert problem.reason == ("screenshot 1 is not a PNG, JPEG or WebP image "
                              "(it looks like text or HTML)")
    plain = decode_image(b"I followed you, here is my proof", settings, index=2)
    assert isinstance(plain, ImageProblem)
    assert plain.reason == "screenshot 2 is not a PNG, JPEG or WebP image"


def test_gif_is_refused(settings: Settings) -> None:
    problem = decode_image(encode(sample(), "GIF"), settings)
    assert isinstance(problem, ImageProblem) and problem.kind == "invalid"
    assert problem.reason == "screenshot 1 is not a PNG, JPEG or WebP image (it looks like a GIF)"


def test_over_the_byte_limit_is_refused_before_decoding(guard: UrlGuard) -> None:
    settings = Settings()  # 8 MB
    huge = "A" * (16 * 1024 * 1024)  # 12.0 MB once decoded; never decoded
    problem = load_screenshot(Screenshot(data=huge), settings, guard, index=2)
    assert isinstance(problem, ImageProblem) and problem.kind == "invalid"
    assert problem.reason == "screenshot 2 is 12.0 MB, over the 8 MB limit"
    noise = Image.frombytes("RGB", (100, 100), os.urandom(30_000))
    raw = encode(noise, "PNG")
    problem = decode_image(raw, Settings(max_image_bytes=20 * 1024))
    assert isinstance(problem, ImageProblem) and problem.kind == "invalid"
    assert problem.reason == f"screenshot 1 is {-(-len(raw) // 1024)} KB, over the 20 KB limit"


def test_pixel_bomb_is_refused_from_its_header(settings: Settings) -> None:
    tracemalloc.start()
    try:
        problem = decode_image(png_claiming(50_000, 50_000), settings)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20  # nothing was allocated or inflated (the pixels would be 7.5 GB)
    assert isinstance(problem, ImageProblem) and problem.kind == "invalid"
    assert "2500 million pixels" in problem.reason and "40 million pixel limit" in problem.reason


def test_over_the_pixel_limit_is_refused(guard: UrlGuard) -> None:
    settings = Settings(max_image_pixels=10_000)
    problem = decode_image(png_claiming(200, 200), settings, index=4)
    assert isinstance(problem, ImageProblem) and problem.kind == "invalid"
    assert problem.reason == "screenshot 4 is 200x200 pixels, over the 0.01 million pixel limit"


def test_photoshop_exif_software_is_surfaced(settings: Settings) -> None:
    exif = Image.Exif()
    exif[0x0131] = "Adobe Photoshop 25.0 (Windows)"  # Software
    exif[0x0110] = "SM-A515F"  # Model
    loaded = decode_image(encode(sample(), "JPEG", exif=exif, comment=b"edited"), settings)
    assert isinstance(loaded, LoadedImage)
    assert loaded.metadata["Software"] == "Adobe Photoshop 25.0 (Windows)"
    assert loaded.metadata["Model"] == "SM-A515F"
    assert loaded.metadata["comment"] == "edited"
    assert loaded.editor == "Adobe Photoshop 25.0 (Windows)"


def test_png_text_software_chunk_is_surfaced(settings: Settings) -> None:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Software", "GIMP 2.10.36")
    loaded = decode_image(encode(sample(), "PNG", pnginfo=info), settings)
    assert isinstance(loaded, LoadedImage)
    assert loaded.metadata["Software"] == "GIMP 2.10.36"
    assert editing_software(loaded.metadata) == "GIMP 2.10.36"
    assert editing_software({"Software": "gnome-screenshot"}) is None


def test_transparency_is_laid_on_white(settings: Settings) -> None:
    rgba = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    loaded = decode_image(encode(rgba, "PNG"), settings)
    assert isinstance(loaded, LoadedImage)
    assert loaded.image.getpixel((5, 5)) == (255, 255, 255)


class _Handler(BaseHTTPRequestHandler):
    png = b""
    hops: ClassVar[list[int]] = []
    dripped = 0
    drip_done = threading.Event()

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        routes = {
            "/redirect": (302, {"Location": "/shot.png"}),
            "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/meta-data"}),
            "/to-elsewhere": (301, {"Location": "https://cdn.example/shot.png"}),
            "/loop": (302, {"Location": "/loop"}),
            "/missing": (404, {}),
        }
        if self.path in routes:
            status, headers = routes[self.path]
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/shot.png":
            self._send(self.png)
        elif self.path == "/huge.png":
            self._send(self.png + b"\x00" * 5000, length=False)
        elif self.path.startswith("/slow-hop/"):
            hop = int(self.path.rsplit("/", 1)[1])
            _Handler.hops.append(hop)
            time.sleep(0.4)
            self.send_response(302)
            self.send_header("Location", f"/slow-hop/{hop + 1}" if hop < 5 else "/shot.png")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/slow.png":
            self.send_response(200)
            self.end_headers()
            try:
                for byte in self.png[:40]:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    _Handler.dripped += 1
                    time.sleep(0.1)
            except OSError:  # the client gave up
                pass
            finally:
                _Handler.drip_done.set()

    def _send(self, body: bytes, length: bool = True) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")  # ignored: the bytes decide
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def image_host() -> Iterator[str]:
    _Handler.png = encode(sample(), "PNG")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def fetch(url: str, settings: Settings, guard: UrlGuard) -> LoadedImage | ImageProblem:
    return load_screenshot(Screenshot(url=url), settings, guard)


def test_url_is_fetched_and_redirects_followed(image_host: str, settings: Settings,
                                               guard: UrlGuard) -> None:
    loaded = fetch(f"{image_host}/redirect", settings, guard)
    assert isinstance(loaded, LoadedImage)
    assert loaded.raw == _Handler.png and loaded.source == f"{image_host}/redirect"


def test_redirect_hops_are_checked_again(image_host: str, settings: Settings,
                                         guard: UrlGuard) -> None:
    metadata = fetch(f"{image_host}/to-metadata", settings, guard)
    assert isinstance(metadata, ImageProblem) and metadata.kind == "unavailable"
    assert "169.254.169.254" in metadata.reason
    elsewhere = fetch(f"{image_host}/to-elsewhere", settings, guard)
    assert isinstance(elsewhere, ImageProblem) and elsewhere.reason == (
        "screenshot 1 could not be fetched: host cdn.example is not a declared image host")
    loop = fetch(f"{image_host}/loop", settings, guard)
    assert isinstance(loop, ImageProblem) and "redirects" in loop.reason


def test_undeclared_host_is_never_contacted(settings: Settings, guard: UrlGuard) -> None:
    problem = fetch("https://cdn.example/a.png", settings, guard)
    assert isinstance(problem, ImageProblem) and problem.kind == "unavailable"
    assert problem.reason == ("screenshot 1 could not be fetched: host cdn.example is not a "
                              "declared image host")


def test_http_errors_are_unavailable(image_host: str, settings: Settings,
                                     guard: UrlGuard) -> None:
    problem = fetch(f"{image_host}/missing", settings, guard)
    assert isinstance(problem, ImageProblem) and problem.kind == "unavailable"
    assert problem.reason.endswith("the image host answered HTTP 404")


def test_streamed_body_over_the_limit_is_cut(image_host: str, guard: UrlGuard) -> None:
    settings = Settings(image_hosts="localhost", max_image_bytes=len(_Handler.png) + 100)
    problem = fetch(f"{image_host}/huge.png", settings, guard)
    assert isinstance(problem, ImageProblem) and problem.kind == "invalid"
    assert "larger than the" in problem.reason


def test_slow_host_hits_the_total_deadline(image_host: str, settings: Settings, guard: UrlGuard,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "FETCH_TIMEOUT_S", 1.0)
    _Handler.dripped = 0
    _Handler.drip_done.clear()
    problem = fetch(f"{image_host}/slow.png", settings, guard)
    assert isinstance(problem, ImageProblem) and problem.kind == "unavailable"
    assert "longer than 1 s" in problem.reason
    assert _Handler.drip_done.wait(10)
    assert _Handler.dripped < 40  # the host was left before it sent its 40 bytes


def test_redirect_hops_share_one_deadline(image_host: str, settings: Settings, guard: UrlGuard,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Each hop answers within the timeout, so only a deadline checked per hop stops them."""
    monkeypatch.setattr(images, "FETCH_TIMEOUT_S", 1.0)
    _Handler.hops.clear()
    problem = fetch(f"{image_host}/slow-hop/1", settings, guard)
    assert isinstance(problem, ImageProblem) and problem.kind == "unavailable"
    assert problem.reason == "screenshot 1 could not be fetched: took longer than 1 s"
    assert len(_Handler.hops) < 5  # not every hop of the chain was followed


def test_load_screenshots_numbers_them(settings: Settings, guard: UrlGuard) -> None:
    shots = [b64(encode(sample(), "PNG")), b64(b"GIF89a....")]
    first, second = load_screenshots(shots, settings, guard)
    assert isinstance(first, LoadedImage) and first.index == 1
    assert isinstance(second, ImageProblem) and second.reason.startswith("screenshot 2 ")


def test_big_screenshots_are_downscaled_on_load(settings: Settings) -> None:
    big = Settings(max_screenshot_pixels=1_000_000)
    png = decode_image(encode(sample((2400, 1600)), "PNG"), big)
    assert isinstance(png, LoadedImage)
    assert png.original_size == (2400, 1600) and png.downscaled
    assert png.size[0] * png.size[1] <= 1_000_000 and png.size[0] > png.size[1]
    jpeg = decode_image(encode(sample((4000, 3000)), "JPEG"), big)
    assert isinstance(jpeg, LoadedImage) and jpeg.original_size == (4000, 3000)
    assert jpeg.size[0] * jpeg.size[1] <= 1_000_000
    assert jpeg.decoded_pixels <= 4_000_000  # decoded at a reduced scale, never at 12 MP
    phone = decode_image(encode(sample((1080, 2400)), "PNG"), settings)
    assert isinstance(phone, LoadedImage) and phone.size == (1080, 2400)
    assert not phone.downscaled and phone.decoded_pixels == 1080 * 2400


def test_a_proof_decodes_at_most_its_pixel_budget(settings: Settings, guard: UrlGuard) -> None:
    budget = Settings(max_proof_pixels=3 * 2000 * 2000, max_screenshot_pixels=500_000)
    shot = b64(encode(Image.new("RGB", (2000, 2000), "white"), "PNG"))
    loaded = load_screenshots([shot] * 10, budget, guard)
    good = [x for x in loaded if isinstance(x, LoadedImage)]
    assert [x.index for x in good] == [1, 2, 3]
    assert sum(x.decoded_pixels for x in good) <= budget.max_proof_pixels
    assert all(x.size[0] * x.size[1] <= 500_000 for x in good)
    over = loaded[3]
    assert isinstance(over, ImageProblem) and over.kind == "unavailable"
    assert over.reason == ("screenshot 4 (2000x2000) was not read: the proof's screenshots "
                           "together exceed the 12 million pixels one proof may decode")
    assert all(isinstance(x, ImageProblem) for x in loaded[3:])
