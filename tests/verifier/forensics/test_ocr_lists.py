"""Every row of a reactions list is read, the first included (issue 12, class 5).

Two ways the page pass lost rows that read at 93 % alone: a round avatar
beside each name made Tesseract's layout take picture and text for one image
block (a dark Bengali or Hindi list read as nothing at all), and a lone line
(the first name, under the tabs) was dropped by the page segmentation.  Both
failed before the lines no word covers were read again alone, one line each,
their pictures painted over (``verifier.forensics.ocr_lines``).
"""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from fixtures.layouts import WORDS, Account, Page, as_jpeg, render
from fixtures.layouts.base import avatar, colours
from fixtures.proofgen import PHONE, PHONE_SCALE, STATUS_BAR, with_status_bar
from verifier.browser.pool import BrowserPool
from verifier.forensics.ocr import OcrEngine
from verifier.forensics.ocr_lines import _read_before
from verifier.forensics.textmatch import find_phrase

TARGET = Account("Acme Bangladesh", "acme_bd")
ROWS = {"bn": ("রাফি আহমেদ", "মিতু দাস", "করিম উদ্দিন", "লিপি রায়", "সোহেল রানা",
               "নাদিয়া ইসলাম"),
        "hi": ("राफ़ी अहमद", "मीतू दास", "करीम उद्दीन", "लिपि रॉय", "सोहेल राणा", "नादिया इस्लाम")}


def missed(ocr: OcrEngine, data: bytes, names: tuple[str, ...]) -> list[str]:
    text = ocr.read_auto(Image.open(io.BytesIO(data))).text
    return [n for n in names if not find_phrase(text, n)]


@pytest.mark.parametrize("lang", ["bn", "hi"])
def test_names_beside_avatars_are_read(shared_pool: BrowserPool, ocr_engine: OcrEngine,
                                       lang: str) -> None:
    """The drawn reactions list, dark, phone JPEG 60: every row lost before."""
    names = ROWS[lang][:4]
    page = Page("reactions", TARGET, TARGET, True, lang, True, True,  # type: ignore[arg-type]
                rows=tuple(Account(n, f"u{i}") for i, n in enumerate(names)))
    assert missed(ocr_engine, as_jpeg(render(shared_pool, page), 60), names) == []


def sticky_list(lang: str, dark: bool) -> str:
    """A likers list as phones show it: a sticky title and tabs ("All 12", reaction
    counts, the active tab underlined) right above the first row, avatars left."""
    c, w = colours(dark), WORDS[lang]
    rows = "".join(
        f'<div style="display:flex;align-items:center;gap:10px;padding:8px 12px">'
        f'{avatar(40, 20 + 50 * n)}<div style="font-weight:600">{name}</div></div>'
        for n, name in enumerate(ROWS[lang]))
    tabs = (f'<div style="display:flex;gap:20px;padding:0 12px;font-weight:700;'
            f'border-bottom:1px solid {c["line"]}"><span style="color:#1877f2;'
            f'border-bottom:3px solid #1877f2;padding:8px 2px">{w["reactions"]} 12</span>'
            f'<span style="padding:8px 2px">👍 10</span><span style="padding:8px 2px">❤️ 2'
            f'</span></div>')
    fonts = "'Noto Sans','Noto Sans Bengali','Noto Sans Devanagari',sans-serif"
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><style>'
            f'body{{margin:0;background:{c["bg"]};color:{c["ink"]};font-family:{fonts};'
            f'font-size:15px}}</style></head><body><div style="position:sticky;top:0;'
            f'background:{c["bg"]}"><div style="padding:10px 12px;font-size:18px;'
            f'font-weight:700">← {w["reactions"]}</div>{tabs}</div>{rows}</body></html>')


def phone_shot(pool: BrowserPool, html: str, dark: bool) -> bytes:
    with pool.context(None) as (ctx, _info):
        tab = ctx.new_page()
        size = dict(PHONE, height=PHONE["height"] - STATUS_BAR)
        tab.set_viewport_size(size)  # type: ignore[arg-type]
        cdp = ctx.new_cdp_session(tab)
        cdp.send("Emulation.setDeviceMetricsOverride", {
            "width": size["width"], "height": size["height"],
            "deviceScaleFactor": PHONE_SCALE, "mobile": False})
        tab.set_content(html, wait_until="load")
        data = cdp.send("Page.captureScreenshot", {"format": "png"})
    png = with_status_bar(base64.b64decode(data["data"]), "10:41", dark,
                          STATUS_BAR * PHONE_SCALE)
    return as_jpeg(png, 70)


@pytest.mark.parametrize(("lang", "dark"), [("bn", False), ("bn", True), ("hi", True)])
def test_first_row_under_sticky_tabs_is_read(shared_pool: BrowserPool, ocr_engine: OcrEngine,
                                             lang: str, dark: bool) -> None:
    """The first name under the tabs: dropped by the page segmentation before (bn),
    the whole list behind its avatars (hi)."""
    data = phone_shot(shared_pool, sticky_list(lang, dark), dark)
    assert missed(ocr_engine, data, ROWS[lang]) == []


def test_pictures_are_painted_over_and_glyphs_kept() -> None:
    """A disc goes; a ring (an outlined button), a disc with a sign in it (an icon
    button) and thin strokes (letters) stay."""
    from PIL import ImageDraw

    from verifier.forensics.ocr_lines import mask_pictures

    page = Image.new("L", (400, 200), 255)
    draw = ImageDraw.Draw(page)
    draw.ellipse((10, 10, 70, 70), fill=90)  # an avatar
    draw.ellipse((100, 10, 160, 70), outline=0, width=3)  # a ring
    draw.ellipse((190, 10, 250, 70), fill=0)
    draw.rectangle((215, 25, 225, 55), fill=255)  # a sign in a disc
    draw.rectangle((280, 10, 284, 70), fill=0)  # a stroke
    out = mask_pictures(page)
    assert out.getpixel((40, 40)) == 255 and out.getpixel((11, 40)) == 255
    assert out.getpixel((101, 40)) == 0 and out.getpixel((195, 40)) == 0
    assert out.getpixel((282, 40)) == 0


def test_a_line_read_again_beside_its_outline_is_not_added_twice() -> None:
    """The crop of an outlined button's ring takes in its label, read before: the
    label's words are not added again (X's Hindi "फ़ॉलो कर रहे" read as "फ़ॉलो");
    a speck read before inside a name does not hide the name."""
    label = [(481, 405, 174, 32)]
    assert _read_before((480, 384, 61, 81), label)
    assert not _read_before((209, 258, 94, 36), [(256, 273, 19, 12)])
    assert not _read_before((480, 500, 61, 30), label)  # the line under it
