"""Reading the buttons the page pass left out or misread: each flattened crop
(``verifier.forensics.ocr_regions.find_buttons``) read alone, as one label."""

from __future__ import annotations

from dataclasses import replace

from PIL import Image

from verifier.forensics.ocr_api import PSM_SINGLE_BLOCK, PSM_SINGLE_LINE, OcrWord, TesseractApi
from verifier.forensics.ocr_lines import line_confidence
from verifier.forensics.ocr_regions import Region, label_lines

BUTTON_RETRY_BELOW = 40  # a button word this unsure has its crop read again,
BUTTON_RETRY_SCALE = 1.5  # this much larger
# Ink outside the page pass's words wider than this (in button heights, letters
# apart by at most UNREAD_GAP) is a word it missed: the button is read again.
UNREAD_INK, UNREAD_GAP = 0.4, 0.3


def read_button(api: TesseractApi, button: Region, retry: bool = True) -> list[OcrWord]:
    """The words of a button crop, boxed in the crop's pixels.

    A label wrapped on two lines is read as a block.  With ``retry``, a word
    read unsurely (under ``BUTTON_RETRY_BELOW``) is read again with the crop
    half as large again, and the surer reading wins: Tesseract's confidence
    swings with size (YouTube's Bengali "সাবস্ক্রাইব" in a tall pill at 0 %, at
    86 % enlarged).  Not in the English pass that picks the languages: there an
    unsure word is what sends a Hindi button to the Indic models, and a surer
    Latin misreading of it ("ae" for GitHub's "अनफ़ॉलो करें") kept it English.
    """
    psm = PSM_SINGLE_BLOCK if label_lines(button.image) > 1 else PSM_SINGLE_LINE
    _, words = api.read(button.image, psm)
    if not retry or not any(w.confidence < BUTTON_RETRY_BELOW and any(ch.isalnum() for ch in w.text)
               for w in words):
        return words
    image = button.image
    _, again = api.read(image.resize((round(image.width * BUTTON_RETRY_SCALE),
                                      round(image.height * BUTTON_RETRY_SCALE)),
                                     Image.Resampling.LANCZOS), psm)
    if line_confidence(again) <= line_confidence(words):
        return words
    return [replace(w, box=(round(w.box[0] / BUTTON_RETRY_SCALE),
                            round(w.box[1] / BUTTON_RETRY_SCALE),
                            round(w.box[2] / BUTTON_RETRY_SCALE),
                            round(w.box[3] / BUTTON_RETRY_SCALE))) for w in again]


def button_words(words: list[OcrWord]) -> list[OcrWord]:
    """The words of a button's one line worth keeping.

    Unsure words (under 40) are noise in general, but not beside a sure one: a
    button is one label, and dropping its garbled first word turns YouTube's
    "সাবস্ক্রাইব করা হয়েছে" (the conjunct read at 34 %) into "করা হয়েছে".  Beside
    a sure Bengali or Hindi word, a long word in those scripts is kept at any
    confidence: Tesseract's confidence on conjuncts says little.
    """
    sure = any(w.confidence >= 80 and len(w.text) >= 2 for w in words)
    indic = sure and any(w.confidence >= 80 and _indic(w.text) for w in words)
    return [w for w in words if w.confidence >= (20 if sure else 40)
            or (indic and len(w.text) >= 4 and _indic(w.text))]


def _indic(text: str) -> bool:
    """All Bengali or Devanagari: a long word of the script a sure word of the button is
    in (Tesseract gives "সাবস্ক্রাইব" 9 % beside "করুন" at 96 %, read right)."""
    return bool(text) and (all("\u0980" <= ch <= "\u09ff" for ch in text)
                           or all("\u0900" <= ch <= "\u097f" for ch in text))


def already_read(button: Region, words: list[OcrWord], buttons: list[Region],
                  indic: bool = False) -> bool:
    """The page pass read this shape's text confidently: no second look needed.

    Every word inside must be sure, not just one: on YouTube's grey Bengali
    "সাবস্ক্রাইব করা হয়েছে" the page pass reads "করা" at 96 % and the rest as
    "সাবস্ত্রাইব ... ATS" under 52 %, and the state word is lost.  And a button is
    one line: read as two, it was misread (X's filled Bengali "অনুসরণ করুন" as
    "রণ করুন" at 96 % over "৩৮৮)", its first word taken for digits).
    It must also cover the label: the page pass can read "सब्सक्राइब" surely and
    drop "करें" beside it (a Hindi pill at JPEG quality), so where ink as wide
    as a word (text or an icon) lies outside the words read, the shape is read
    again.  Only in a read with Bengali or Hindi models (``indic``): the English
    pass only picks the languages, and its re-reads of Indic buttons are Latin
    garbage that drowns the language probe.
    Nor when the page pass joined it to text outside any button on one line:
    YouTube's "Subscribe" after the channel's "11M" reads as part of a count.
    """
    inside = [word for word in words
              if button.holds(word.box[0] + word.box[2] / 2, word.box[1] + word.box[3] / 2)
              and any(ch.isalnum() for ch in word.text)]
    lines = {w.line for w in inside}
    if any(w.line in lines and any(ch.isalnum() for ch in w.text)
           and not any(b.holds(w.box[0] + w.box[2] / 2, w.box[1] + w.box[3] / 2)
                       for b in buttons) for w in words):
        return False  # joined to plain text on its line ("11M Subscribe"): read it alone too
    sure = any(w.confidence >= 80 and len(w.text) >= 3 for w in inside) and all(
        w.confidence >= 60 for w in inside if len(w.text) >= 2) and len(
        {w.line for w in inside}) == 1
    if not sure or not indic:
        return sure
    missed = [x for x in button.ink_columns()
              if not any(w.box[0] - 2 <= x <= w.box[0] + w.box[2] + 2 for w in inside)]
    run_start = previous = None
    for x in missed:
        if previous is None or x - previous > UNREAD_GAP * button.height:
            run_start = x
        previous = x
        assert run_start is not None
        if x - run_start > UNREAD_INK * button.height:
            return False
    return True
