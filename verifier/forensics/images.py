"""Intake of worker screenshots: untrusted bytes in, a decoded image or a plain reason out.

Anyone can submit a proof, so an image is treated as hostile until proven
otherwise: its size is checked before it is decoded (base64 included), its
format is read from its first bytes (a name or a Content-Type says nothing),
its pixel count is read from the header before a single pixel is decoded, and
every decoder error becomes a sentence a moderator understands.  URLs go
through the same ``UrlGuard`` as targets, each redirect hop again.

Memory is bounded per proof: images are decoded one at a time, each is
downscaled right after decoding to ``max_screenshot_pixels`` (JPEG decodes at
a reduced scale straight away), and a proof's images together may cost at
most ``max_proof_pixels`` to decode; the ones past that budget are not
decoded. Ten 40-megapixel PNGs once took a worker to 2.4 GB.

The reason's ``kind`` drives the check outcome: ``invalid`` (the worker sent a
broken, oversized or foreign file) fails, ``unavailable`` (network, host not
allowed) is unknown, because it says nothing about the worker.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import time
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urljoin, urlsplit

import httpx
import imagehash
from PIL import ExifTags, Image, ImageOps

from verifier.models import Screenshot
from verifier.settings import Settings
from verifier.urlguard import UrlGuard, UrlRefused, platform_of_host

Format = Literal["png", "jpeg", "webp"]
ProblemKind = Literal["invalid", "unavailable"]

FETCH_TIMEOUT_S = 10.0
MAX_REDIRECTS = 5
_DATA_URL = re.compile(r"^data:image/(png|jpe?g|webp);base64,", re.IGNORECASE)
_PIXELS_IN_MESSAGE = re.compile(r"\((\d+) pixels\)")
_PILLOW_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
# Formats people send by mistake, named so the refusal says what the file is.
_OTHER_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "a GIF"), (b"GIF89a", "a GIF"), (b"BM", "a BMP"), (b"%PDF", "a PDF"),
    (b"II*\x00", "a TIFF"), (b"MM\x00*", "a TIFF"), (b"\x00\x00\x01\x00", "an ICO"),
    (b"PK\x03\x04", "a ZIP archive"), (b"<", "text or HTML"),
)
# Metadata worth a moderator's eye: who made or last saved the file.
_EXIF_TAGS = {
    ExifTags.Base.Software: "Software",
    ExifTags.Base.Make: "Make",
    ExifTags.Base.Model: "Model",
    ExifTags.Base.DateTime: "DateTime",
    ExifTags.Base.Artist: "Artist",
    ExifTags.Base.ImageDescription: "ImageDescription",
}
_EDITORS = (
    "photoshop", "gimp", "lightroom", "snapseed", "picsart", "canva", "pixlr", "paint.net",
    "affinity", "imageready", "fotor", "photopea", "inkscape", "krita", "facetune", "meitu",
)


@dataclass(frozen=True)
class ImageProblem:
    """Why a screenshot could not be used, as one sentence, and whose fault it is."""

    index: int  # 1-based position in the proof
    reason: str
    kind: ProblemKind


@dataclass(frozen=True)
class LoadedImage:
    """A decoded screenshot with what forensics and duplicate detection need."""

    index: int
    raw: bytes
    sha256: str
    format: Format
    image: Image.Image  # RGB, EXIF orientation applied, transparency over white
    metadata: dict[str, str] = field(default_factory=dict)
    phash: str = ""
    dhash: str = ""
    source: str = "data"  # "data" or the URL it was fetched from
    original_size: tuple[int, int] = (0, 0)  # as the file says, before any downscaling
    decoded_pixels: int = 0  # what the decoder produced (a JPEG may decode at 1/2 .. 1/8)

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    @property
    def downscaled(self) -> bool:
        return bool(self.original_size[0]) and self.image.size != self.original_size

    @property
    def ext(self) -> str:
        return "jpg" if self.format == "jpeg" else self.format

    @property
    def editor(self) -> str | None:
        return editing_software(self.metadata)


def editing_software(metadata: dict[str, str]) -> str | None:
    """The image editor named in the metadata, if any (a tampering hint, not proof)."""
    for key in ("Software", "CreatorTool", "software", "Creator"):
        value = metadata.get(key, "")
        if any(editor in value.lower() for editor in _EDITORS):
            return value
    return None


def sniff_format(data: bytes) -> Format | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _what_is(data: bytes) -> str:
    stripped = data.lstrip()
    for magic, name in _OTHER_MAGIC:
        if data.startswith(magic) or (magic == b"<" and stripped.startswith(magic)):
            return f" (it looks like {name})"
    return ""


def _mb(n: int) -> str:
    """A size as a moderator reads it: "12.0 MB", or "29 KB" under a megabyte."""
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{-(-n // 1024)} KB"


def _limit(n: int) -> str:
    return f"{round(n / 2**20, 1):g} MB" if n >= 2**20 else f"{n // 1024} KB"


def _label(index: int) -> str:
    return f"screenshot {index}"


def decode_base64(text: str, index: int, max_bytes: int) -> bytes | ImageProblem:
    """Strict base64 (line breaks allowed), refused by size before it is decoded."""
    match = _DATA_URL.match(text)
    body = text[match.end():] if match else text
    body = "".join(body.split())  # MIME-wrapped base64 is still base64
    padding = len(body) - len(body.rstrip("="))
    size = len(body) // 4 * 3 - padding
    if size > max_bytes:
        return ImageProblem(index, f"{_label(index)} is {_mb(size)}, over the "
                            f"{_limit(max_bytes)} limit", "invalid")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return ImageProblem(index, f"{_label(index)} is not valid base64 data", "invalid")


def decode_image(raw: bytes, settings: Settings, index: int = 1, source: str = "data",
                 pixel_budget: int | None = None) -> LoadedImage | ImageProblem:
    """Bytes to a checked, decoded image; limits are enforced before decoding.

    ``pixel_budget`` is what is left of the proof's decoding budget; an image
    whose header asks for more is not decoded.
    """
    label = _label(index)
    if len(raw) > settings.max_image_bytes:
        return ImageProblem(index, f"{label} is {_mb(len(raw))}, over the "
                            f"{_limit(settings.max_image_bytes)} limit", "invalid")
    if not raw:
        return ImageProblem(index, f"{label} is empty", "invalid")
    fmt = sniff_format(raw)
    if fmt is None:
        return ImageProblem(index, f"{label} is not a PNG, JPEG or WebP image{_what_is(raw)}",
                            "invalid")
    try:
        # Lazy: reads the header only, so the size is known before any pixel is decoded.
        img = Image.open(io.BytesIO(raw), formats=[_PILLOW_FORMATS[fmt]])
    except Image.DecompressionBombError as exc:
        found = _PIXELS_IN_MESSAGE.search(str(exc))
        pixels = f" ({int(found.group(1)) / 1e6:.0f} million pixels)" if found else ""
        return ImageProblem(index, f"{label} is too large{pixels}, over the "
                            f"{settings.max_image_pixels / 1e6:g} million pixel limit", "invalid")
    except Exception:  # any parser error: the file is not the image it claims to be
        return ImageProblem(index, f"{label} is a damaged {fmt.upper()} image", "invalid")
    width, height = img.size
    if width * height > settings.max_image_pixels:
        return ImageProblem(index, f"{label} is {width}x{height} pixels, over the "
                            f"{settings.max_image_pixels / 1e6:g} million pixel limit", "invalid")
    if width < 1 or height < 1:
        return ImageProblem(index, f"{label} has no pixels", "invalid")
    if pixel_budget is not None and width * height > pixel_budget:
        return ImageProblem(index, f"{label} ({width}x{height}) was not read: the proof's "
                            f"screenshots together exceed the "
                            f"{settings.max_proof_pixels / 1e6:g} million pixels one proof may "
                            "decode", "unavailable")
    try:
        keep = _kept_size(img.size, settings.max_screenshot_pixels)
        if fmt == "jpeg" and keep != img.size:
            img.draft("RGB", keep)  # decode at 1/2, 1/4 or 1/8 scale, never below ``keep``
        turned = img.getexif().get(ExifTags.Base.Orientation, 1) in (5, 6, 7, 8)
        img.load()
        decoded = img.size[0] * img.size[1]
        metadata = read_metadata(img)
        small = _shrink(img, settings.max_screenshot_pixels)
        if small is not img:
            img.close()  # the full-size pixels go now, not when this function returns
        rgb = _to_rgb(ImageOps.exif_transpose(small))
    except Exception:  # truncated data, bad chunks, decompression bombs, codec errors
        return ImageProblem(index, f"{label} is a damaged or truncated {fmt.upper()} image "
                            "and could not be decoded", "invalid")
    original = (height, width) if turned else (width, height)
    return LoadedImage(
        index=index,
        raw=raw,
        sha256=hashlib.sha256(raw).hexdigest(),
        format=fmt,
        image=rgb,
        metadata=metadata,
        phash=str(imagehash.phash(rgb)),
        dhash=str(imagehash.dhash(rgb)),
        source=source,
        original_size=original,
        decoded_pixels=decoded,
    )


def _kept_size(size: tuple[int, int], max_pixels: int) -> tuple[int, int]:
    """The size an image is kept at: its own, or scaled down to ``max_pixels``."""
    width, height = size
    if width * height <= max_pixels:
        return size
    scale = (max_pixels / (width * height)) ** 0.5
    return max(1, int(width * scale)), max(1, int(height * scale))


def _shrink(img: Image.Image, max_pixels: int) -> Image.Image:
    """Downscale a decoded image to ``max_pixels`` (the full-size one is then dropped)."""
    keep = _kept_size(img.size, max_pixels)
    if keep == img.size:
        return img
    if img.mode not in ("RGB", "RGBA", "L", "LA"):
        img = img.convert("RGBA" if "transparency" in img.info or "A" in img.mode else "RGB")
    return img.resize(keep, Image.Resampling.LANCZOS,
                      reducing_gap=2.0)  # reduce() by an integer first: fast, little memory


def _to_rgb(img: Image.Image) -> Image.Image:
    """RGB, with transparency laid on white as a screen would show it."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return img.convert("RGB")


def _text(value: object, limit: int = 500) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).replace("\x00", "").strip()[:limit]


def read_metadata(img: Image.Image) -> dict[str, str]:
    """EXIF make/software, PNG text chunks, JPEG comment, XMP creator tool."""
    meta: dict[str, str] = {}
    exif = img.getexif()
    for tag, name in _EXIF_TAGS.items():
        if tag in exif and _text(exif[tag]):
            meta[name] = _text(exif[tag])
    for key, value in list(getattr(img, "text", {}).items())[:20]:  # PNG tEXt/iTXt/zTXt
        if isinstance(key, str) and _text(value):
            meta.setdefault(key[:64], _text(value))
    if img.info.get("comment"):
        meta["comment"] = _text(img.info["comment"])
    xmp = img.info.get("xmp") or img.info.get("XML:com.adobe.xmp")
    if xmp:
        found = re.search(r"CreatorTool(?:>|=\")([^<\"]+)", _text(xmp, 100_000))
        if found:
            meta["CreatorTool"] = found.group(1).strip()[:200]
    if "photoshop" in img.info:
        meta["photoshop"] = "Photoshop resource block present"
    frames = getattr(img, "n_frames", 1)
    if frames > 1:
        meta["frames"] = str(frames)
    return meta


def load_screenshot(shot: Screenshot, settings: Settings, guard: UrlGuard, index: int = 1,
                    client: httpx.Client | None = None) -> LoadedImage | ImageProblem:
    """One screenshot of a proof, from inline base64 or from the marketplace's image host."""
    return _load(shot, settings, guard, index, client, None)


def _load(shot: Screenshot, settings: Settings, guard: UrlGuard, index: int,
          client: httpx.Client | None, pixel_budget: int | None
          ) -> LoadedImage | ImageProblem:
    if shot.data is not None:
        raw = decode_base64(shot.data, index, settings.max_image_bytes)
        if isinstance(raw, ImageProblem):
            return raw
        return decode_image(raw, settings, index, pixel_budget=pixel_budget)
    assert shot.url is not None
    fetched = fetch_image(shot.url, settings, guard, index, client)
    if isinstance(fetched, ImageProblem):
        return fetched
    return decode_image(fetched, settings, index, source=shot.url, pixel_budget=pixel_budget)


def load_screenshots(shots: list[Screenshot], settings: Settings, guard: UrlGuard,
                     client: httpx.Client | None = None) -> list[LoadedImage | ImageProblem]:
    """A proof's screenshots, decoded one after the other within the proof's pixel budget."""
    left = settings.max_proof_pixels
    loaded: list[LoadedImage | ImageProblem] = []
    for index, shot in enumerate(shots, 1):
        result = _load(shot, settings, guard, index, client, left)
        if isinstance(result, LoadedImage):
            left -= result.original_size[0] * result.original_size[1]
        loaded.append(result)
    return loaded


def fetch_image(url: str, settings: Settings, guard: UrlGuard, index: int = 1,
                client: httpx.Client | None = None) -> bytes | ImageProblem:
    """GET with redirects followed by hand (each hop checked), streamed under the byte limit.

    The whole fetch, not each read, has ``FETCH_TIMEOUT_S``: a host dripping
    one byte a second cannot hold a worker.
    """
    own = client is None
    http = client or httpx.Client(timeout=FETCH_TIMEOUT_S, follow_redirects=False,
                                  trust_env=False)
    label = _label(index)
    deadline = time.monotonic() + FETCH_TIMEOUT_S

    def unavailable(why: str) -> ImageProblem:
        return ImageProblem(index, f"{label} could not be fetched: {why}", "unavailable")

    try:
        for _ in range(MAX_REDIRECTS + 1):
            host = (urlsplit(url).hostname or "").lower()
            if host and platform_of_host(host) is None and not any(
                host == h or host.endswith("." + h) for h in settings.image_host_set
            ):
                return unavailable(f"host {host} is not a declared image host")
            try:
                guard.check(url)
            except UrlRefused as exc:
                return unavailable(str(exc))
            remaining = deadline - time.monotonic()  # per hop: redirects share one deadline
            if remaining <= 0:
                return unavailable(f"took longer than {FETCH_TIMEOUT_S:g} s")
            with http.stream("GET", url, follow_redirects=False, timeout=remaining) as resp:
                if resp.is_redirect:
                    location = resp.headers.get("location")
                    if not location:
                        return unavailable(f"HTTP {resp.status_code} without a Location")
                    url = urljoin(url, location)
                    continue
                if resp.status_code != 200:
                    return unavailable(f"the image host answered HTTP {resp.status_code}")
                declared = resp.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > settings.max_image_bytes:
                    return ImageProblem(index, f"{label} is {_mb(int(declared))}, over the "
                                        f"{_limit(settings.max_image_bytes)} limit", "invalid")
                body = bytearray()
                for chunk in resp.iter_bytes():
                    body += chunk
                    if len(body) > settings.max_image_bytes:
                        return ImageProblem(index, f"{label} is larger than the "
                                            f"{_limit(settings.max_image_bytes)} limit",
                                            "invalid")
                    if time.monotonic() > deadline:
                        return unavailable(f"took longer than {FETCH_TIMEOUT_S:g} s")
                return bytes(body)
        return unavailable(f"more than {MAX_REDIRECTS} redirects")
    except httpx.TimeoutException:
        return unavailable(f"took longer than {FETCH_TIMEOUT_S:g} s")
    except httpx.HTTPError as exc:
        return unavailable(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    finally:
        if own:
            http.close()
