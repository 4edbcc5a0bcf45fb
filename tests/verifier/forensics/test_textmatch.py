"""Generous matching of OCR text that still tells different accounts apart."""

from __future__ import annotations

import unicodedata

import pytest

from verifier.forensics.textmatch import (
    MAX_CELLS,
    MAX_TEXT_CHARS,
    MatchBudget,
    MatchTooCostly,
    find_all,
    find_handle,
    find_handles,
    find_phrase,
    normalize,
    same_handle,
    script_counts,
)

# Misreads seen in real OCR of usernames (MEASUREMENTS.md) and in the brief.
OCR_MISREADS = [
    ("profile of walshs1 here", "walsh81"),
    ("user i2abc", "12abc"),
    ("@Rafl_bd", "rafi_bd"),
    ("@rafi_bd", "RAFI_BD"),
    ("@b00kworm", "bookworm"),
    ("@bookworm", "b00kworm"),
    ("Follow @rafi bd now", "rafi_bd"),  # underscore read as a space
    ("Follow @rafibd now", "rafi_bd"),  # underscore dropped
    ("©rafi_bd", "@rafi_bd"),  # @ read as ©
    ("rafi_bd", "@rafi_bd"),  # @ dropped
    ("sornething_here", "something_here"),  # m read as rn
    ("elli.n.q", "elli.n.q"),
    ("(@rafi_bd)", "rafi_bd"),
    ("x.com/rafi_bd", "rafi_bd"),
    ("@rafi_bd.", "rafi_bd"),  # end of a sentence
    ("mohammed_rahim", "mohammad_rahim"),  # one interior misread in a long handle
]

# Other real accounts: a lenient matcher must never accept these.
DIFFERENT_ACCOUNTS = [
    ("@rafi_bd2", "rafi_bd"),
    ("@raf_bdx", "rafi_bd"),
    ("@rafi_b", "rafi_bd"),
    ("@arafi_bd", "rafi_bd"),
    ("@rafi_bd.official", "rafi_bd"),
    ("@the.rafi_bd", "rafi_bd"),
    ("@rafa_bd", "rafi_bd"),
    ("@someone_else", "rafi_bd"),
    ("@mohammad_rahim7", "mohammad_rahim"),
    ("@mohammad_rahin", "mohammad_rahim"),  # last letter differs
    ("@user_2024", "user_2025"),  # digits are never guessed
    ("@walsh82", "walsh81"),
]


@pytest.mark.parametrize(("text", "handle"), OCR_MISREADS)
def test_handle_survives_ocr_misreads(text: str, handle: str) -> None:
    match = find_handle(text, handle)
    assert match is not None, f"{handle!r} not found in {text!r}"
    assert 0 < match.score <= 1
    assert text[match.start:match.end] == match.snippet


@pytest.mark.parametrize(("text", "handle"), DIFFERENT_ACCOUNTS)
def test_handle_never_matches_another_account(text: str, handle: str) -> None:
    assert find_handle(text, handle) is None


def test_exact_match_scores_one_and_reports_the_snippet() -> None:
    text = "Logged in as @Rafi_BD\nFollowing"
    match = find_handle(text, "rafi_bd")
    assert match is not None
    assert match.snippet == "Rafi_BD"
    assert match.score == 1.0 and match.cost == 0.0


def test_best_of_several_readings_wins() -> None:
    match = find_handle("rafl_bd ... rafi_bd", "rafi_bd")
    assert match is not None and match.snippet == "rafi_bd" and match.start == 12


@pytest.mark.parametrize(("text", "phrase", "found"), [
    ("Following", "Following", True),
    ("FOLLOWING", "Following", True),
    ("Fol1owing", "Following", True),
    ("Following", "Follow", False),
    ("Follow", "Following", False),
    ("Followers", "Follow", False),
    ("Follows you", "Follow", False),
    ("Unfollow", "Follow", False),
    ("Subscribed", "Subscribe", False),
    ("Subscribe", "Subscribed", False),
    ("Unsubscribe", "Subscribe", False),
    ("Joined", "Join", False),
    ("Liked", "Like", False),
    ("Acme Bang1adesh", "Acme Bangladesh", True),
    ("Acme  Bangladesh", "Acme Bangladesh", True),
])
def test_phrase_word_ends_are_exact(text: str, phrase: str, found: bool) -> None:
    assert (find_phrase(text, phrase) is not None) is found


def test_devanagari_nukta_forms_are_one_word() -> None:
    precomposed = "\u095e\u0949\u0932\u094b"  # फ़ॉलो with U+095E
    decomposed = "\u092b\u093c\u0949\u0932\u094b"  # फ + nukta
    assert precomposed != decomposed
    assert normalize(precomposed) == normalize(decomposed)
    assert find_phrase(f"बटन {decomposed} कर रहे हैं", f"{precomposed} कर रहे हैं") is not None
    # OCR often loses the nukta dot altogether: Tusky's own strings mix both spellings.
    assert find_phrase("आपको फॉलो करते है", "फ़ॉलो") is not None


def test_zero_width_joiners_are_ignored() -> None:
    with_zwj = "অনুসরণ\u200d করছেন"
    assert find_phrase(with_zwj, "অনুসরণ করছেন") is not None
    assert normalize("ক\u200c্ষ") == normalize("ক্ষ")


def test_bengali_spelling_variants_and_nfc() -> None:
    # Tusky's translators write both অনুসরণ and অনুসরন.
    assert find_phrase("আপনাকে অনুসরন করে", "অনুসরণ") is not None
    nfd = unicodedata.normalize("NFD", "অনুসরণ করছেন")
    assert find_phrase(nfd, "অনুসরণ করছেন") is not None


def test_indic_state_words_stay_apart() -> None:
    assert find_phrase("অনুসরণ করুন", "অনুসরণ করছেন") is None  # follow vs following
    assert find_phrase("অনুসরণ করা বন্ধ করুন", "অনুসরণ করছেন") is None
    assert find_phrase("फ़ॉलो करें", "फ़ॉलो कर रहे हैं") is None
    assert find_phrase("अनफ़ॉलो", "फ़ॉलो") is None  # unfollow is not follow


def test_find_all_returns_each_occurrence_in_order() -> None:
    text = "Follow\nWho to follow\nFollowing\nFollow"
    found = find_all(text, "Follow")
    assert [m.start for m in found] == [0, 7 + 7, 7 + 14 + 10]
    assert all(m.snippet.lower() == "follow" for m in found)


def test_find_handles_lists_visible_at_handles() -> None:
    text = "Framasoft @framasoft\nreply to ©rafi_bd and @rafi_bd. Mail me@example"
    assert find_handles(text) == ["framasoft", "rafi_bd", "example"]


def test_same_handle() -> None:
    assert same_handle("@Acme_BD", "acme_bd")
    assert not same_handle("acme_bd", "acme_bd2")


def test_script_counts_ignore_digits_and_punctuation() -> None:
    counts = script_counts("Follow অনুসরণ फ़ॉलो ১২৩ ।")
    assert counts.latin == 6
    assert counts.bengali == len("অনুসরণ")
    assert counts.devanagari == len("फ़ॉलो")


def test_search_on_a_long_ocr_text_stays_well_inside_its_budget() -> None:
    text = "\n".join(f"user_{i} liked a post by someone_{i} Followers 1,2{i}" for i in range(300))
    budget = MatchBudget()
    assert find_handle(text, "rafi_bd", budget) is None
    for word in ("Following", "Unfollow", "Follow", "Subscribed", "অনুসরণ করছেন"):
        find_all(text, word, budget=budget)
    assert 0 < budget.used < MAX_CELLS // 10  # only word starts that may match are aligned


def test_a_hostile_text_exhausts_the_budget_instead_of_the_worker() -> None:
    budget = MatchBudget()
    with pytest.raises(MatchTooCostly, match="text matching stopped after"):
        find_handle("a " * 50_000, "aaaaaaaaaaaaaaa", budget)
    assert MAX_CELLS < budget.used <= MAX_CELLS + 40  # stopped within one row of the table


def test_text_beyond_the_cap_is_not_read() -> None:
    padding = "x " * (MAX_TEXT_CHARS // 2)
    assert find_handle("@rafi_bd " + padding, "rafi_bd") is not None
    assert find_handle(padding + "@rafi_bd", "rafi_bd") is None
    assert find_handles(padding + "@rafi_bd") == []


def test_a_pattern_no_platform_allows_is_refused_before_matching() -> None:
    budget = MatchBudget()
    with pytest.raises(MatchTooCostly, match="a handle of 256 characters is longer than the 100"):
        find_handle("@rafi_bd Following", "a" * 256, budget)
    assert budget.used == 0


def test_a_name_never_runs_across_two_ocr_blocks() -> None:
    """A blank line parts OCR blocks: "Rafi Ahmed", a blank line, "Bangladesh" is no
    "Acme Bangladesh" (it owned a Facebook page's suggestion cards); a name wrapped
    inside one block still reads."""
    assert find_all("Rafi Ahmed\n\nBangladesh\n48K Followers", "Acme Bangladesh") == []
    assert [m.snippet for m in find_all("Acme\nBangladesh Follow", "Acme Bangladesh")] == [
        "Acme\nBangladesh"]
