"""Facebook parsers on real m.facebook.com pages, and the target URL forms.

The real pages (shared/realdata/facebook, logged out, 2021) are read in
place; the ground truths asserted here are the ones MANIFEST.md states.
The sandbox's own pages are parsed by the same functions, so a drift between
the sandbox's markup and the real one shows up here first.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from fixtures.sandbox import facebook_pages as pages
from fixtures.sandbox.facebook_locale import labels
from tests.contract import CONTRACT
from verifier.platforms import TargetError
from verifier.platforms import facebook_html as fh
from verifier.platforms.base import load_platform_data
from verifier.platforms.facebook import FacebookAdapter

FACEBOOK = CONTRACT.parent / "realdata" / "facebook"
POST_ID = "3065154550235644"


@cache
def spec() -> dict[str, Any]:
    return load_platform_data("facebook")


def real(name: str) -> str:
    path: Path = FACEBOOK / name
    assert path.is_file(), f"realdata file missing: {path}"
    return path.read_text(encoding="utf-8")


# -- real pages ----------------------------------------------------------------------


def test_real_post_page_counts_and_comments() -> None:
    post = fh.parse_post(real(f"fb_nintendo_post_{POST_ID}.html"), POST_ID, spec())
    assert post.layout_ok
    assert post.like_count == 1615
    assert post.comment_count == 149
    assert post.share_count == 281
    assert post.has_viewer_liked is False
    assert post.like_sentence == "Ayleen Castanon and 1,614 others like this."
    authors = [c.author for c in post.comments]
    for name in ("Yusof Elmahboub", "Lynn Williams", "Justin Foley"):
        assert name in authors
    # only this post's comments, not those of the other stories on the page
    assert all(c.comment_id.startswith(POST_ID + "_") for c in post.comments)
    assert len(post.comments) == 30
    # the ld+json block adds the username the DOM does not show logged out
    justin = next(c for c in post.comments if c.author == "Justin Foley")
    assert justin.handle == "justin.foley.520"
    assert justin.text == "Ok Cool but when are switch themes coming?"
    assert post.next_comments_url is not None and "p=30" in post.next_comments_url
    assert fh.detect_wall(real(f"fb_nintendo_post_{POST_ID}.html"), spec()["walls"]) is None


def test_real_post_page_comment_times() -> None:
    """The ld+json dateCreated is exact; comments listed null there keep their <abbr> age."""
    now = datetime(2021, 6, 6, tzinfo=UTC).timestamp()  # about when the page was recorded
    post = fh.parse_post(real(f"fb_nintendo_post_{POST_ID}.html"), POST_ID, spec(), now=now)
    by_id = {c.comment_id.split("_")[1]: c for c in post.comments}
    justin = by_id["3065211103563322"]  # "dateCreated":"2020-05-12T18:34:20-0700"
    assert justin.when == datetime(2020, 5, 13, 1, 34, 20, tzinfo=UTC).timestamp()
    assert justin.span == 0
    chris = by_id["3065431530207946"]  # 2020-05-12T20:38:15-0700, two hours after Justin
    assert chris.when is not None and chris.when - justin.when == 2 * 3600 + 3 * 60 + 55
    dated = {c.comment_id for c in post.comments if c.span == 0 and c.when is not None}
    assert len(dated) == 4  # the other ld+json entries are null on the real page
    lynn = next(c for c in post.comments if c.author == "Lynn Williams")  # <abbr>1 yr</abbr>
    assert lynn.span == 365 * 86400 and lynn.when == int(now) - 365 * 86400


def test_real_photo_page_counts() -> None:
    photo = fh.parse_post(real("fb_nintendo_photo_3065146500236449.html"), "3065146500236449",
                          spec())
    assert (photo.like_count, photo.comment_count) == (85, 5)
    assert photo.has_viewer_liked is False
    assert photo.like_sentence == "Nyx Peacock and 84 others like this."
    assert "Sh Dy" in [c.author for c in photo.comments]


def test_real_group_page_join_button_and_posters() -> None:
    group = fh.parse_group(real("fb_group_117507531664134.html"), spec())
    assert group.layout_ok
    assert group.name == "South Americans in Computing"
    assert group.join_button and not group.joined
    assert {"Edgar Sánchez", "Jorge Guerra"} <= set(group.post_authors)


def test_real_group_permalink_comment() -> None:
    post = fh.parse_post(real("fb_group_permalink_1629606003787605.html"), "1629606003787605",
                         spec())
    assert [c.author for c in post.comments] == ["Lucía Acurio"]
    assert post.comments[0].text.startswith("Si pudieras incluir")
    assert post.comment_count == 1


def test_a_page_without_the_markup_is_a_layout_change_not_an_empty_list() -> None:
    assert not fh.parse_post("<html><body>hello</body></html>", POST_ID, spec()).layout_ok
    assert not fh.parse_people("<html><body></body></html>", "shares", spec()).layout_ok
    assert not fh.parse_group("<html></html>", spec()).layout_ok
    assert not fh.parse_pager_payload("<html>", "reactions", spec()).layout_ok


# -- walls -----------------------------------------------------------------------------


@pytest.mark.parametrize(("markup", "kind"), [
    (pages.login_page("https://m.facebook.com/x"), "login"),
    (pages.checkpoint_page("https://m.facebook.com/x"), "captcha"),
    (pages.blocked_page(), "rate_limit"),
    ("<html><head><title>You’re Temporarily Blocked</title></head></html>", "rate_limit"),
])
def test_walls(markup: str, kind: str) -> None:
    wall = fh.detect_wall(markup, spec()["walls"])
    assert wall is not None and wall[0] == kind


# -- sandbox pages parse like the real ones ---------------------------------------------


@pytest.mark.parametrize("lang", ["en", "bn", "hi"])
def test_sandbox_post_page_parses(lang: str) -> None:
    author = pages.Person("Nintendo", "Nintendo")
    ayesha = pages.Person("ayesha.rahman", "Ayesha Rahman")
    karim = pages.Person("karim.uddin", "Karim Uddin")
    written = [pages.comment_written(i) for i in range(2)]
    markup = pages.post_page(lang, labels(lang), POST_ID, author, "Wallpapers",
                             [pages.PostComment(f"{POST_ID}_1", ayesha, "Lovely wallpapers",
                                                written[0]),
                              pages.PostComment(f"{POST_ID}_2", karim, "Lovely wallpapers",
                                                written[1])],
                             31, "/story.php?story_fbid=1&p=30", [karim, ayesha], 3, False,
                             logged_in=False, now=written[1] + timedelta(hours=2))
    assert '"dateCreated":"2024-03-01T09:00:00-0700"' in markup
    assert '<abbr class="_4ghv _2b0a">2 hrs</abbr>' in markup
    post = fh.parse_post(markup, POST_ID, spec())
    assert (post.like_count, post.comment_count, post.share_count) == (2, 31, 3)
    assert post.comments[0].author == "Ayesha Rahman"
    assert post.comments[0].handle == "ayesha.rahman"
    # the world's order is the order of writing: the second comment is dated later
    assert [c.when for c in post.comments] == [w.timestamp() for w in written]
    assert post.next_comments_url == "/story.php?story_fbid=1&p=30"
    assert "Karim Uddin" in post.like_sentence


def test_sandbox_lists_parse() -> None:
    people = [pages.Person(f"user.{i}", f"User {i}") for i in range(3)]
    text = labels("bn")
    shares = pages.people_page("bn", "t", "h", [pages.share_row(p) for p in people], "/next",
                               text)
    page = fh.parse_people(shares, "shares", spec())
    assert [p.handle for p in page.people] == ["user.0", "user.1", "user.2"]
    assert page.next_url == "/next" and page.find("User 1") and page.find("user.2")
    members = pages.people_page("hi", "t", "h", [pages.member_row(p, text) for p in people],
                                None, text)
    assert fh.parse_people(members, "members", spec()).find("USER.1") is not None
    rows = "".join(pages.reaction_row(p) for p in people)
    reactions = pages.reactions_page("en", text, POST_ID, rows,
                                     pages.reaction_pager("/more", text), 13)
    page = fh.parse_people(reactions, "reactions", spec())
    assert len(page.people) == 3 and page.next_url == "/more"


# -- targets ---------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "kind", "key", "opens"), [
    (f"https://www.facebook.com/Nintendo/posts/{POST_ID}", "post", POST_ID,
     f"https://m.facebook.com/story.php?story_fbid={POST_ID}&id=Nintendo"),
    (f"https://m.facebook.com/story.php?story_fbid={POST_ID}&id=119240841493711", "post",
     POST_ID, f"https://m.facebook.com/story.php?story_fbid={POST_ID}&id=119240841493711"),
    (f"https://www.facebook.com/permalink.php?story_fbid={POST_ID}&id=119240841493711",
     "post", POST_ID, None),
    ("https://www.facebook.com/groups/117507531664134", "group", "117507531664134",
     "https://m.facebook.com/groups/117507531664134"),
    ("https://www.facebook.com/groups/117507531664134/permalink/1629606003787605/", "post",
     "1629606003787605",
     "https://m.facebook.com/groups/117507531664134/permalink/1629606003787605/"),
    ("https://www.facebook.com/photo.php?fbid=3065146500236449&set=a.1&type=3", "post",
     "3065146500236449", "https://m.facebook.com/photo.php?fbid=3065146500236449"),
    ("https://www.facebook.com/watch/?v=4194934713924283", "post", "4194934713924283",
     "https://m.facebook.com/watch/?v=4194934713924283"),
    ("https://fb.watch/aBcD12/", "post", "aBcD12", "https://fb.watch/aBcD12/"),
    ("https://www.facebook.com/Nintendo", "account", "Nintendo", None),
    ("https://www.facebook.com/profile.php?id=100004071004949", "account", "100004071004949",
     None),
    (f"https://mbasic.facebook.com/Nintendo/posts/{POST_ID}", "post", POST_ID, None),
    (f"https://web.facebook.com/Nintendo/posts/{POST_ID}", "post", POST_ID, None),
    ("https://m.facebook.com/ayesha.rahman", "account", "ayesha.rahman", None),
])
def test_parse_target(url: str, kind: str, key: str, opens: str | None) -> None:
    target = FacebookAdapter().parse_target(url)
    assert (target.platform, target.kind, target.key) == ("facebook", kind, key)
    if opens:
        assert target.url == opens


@pytest.mark.parametrize("url", [
    "https://x.com/Nintendo",
    "https://www.facebook.com.evil.example/Nintendo/posts/1",
    "ftp://www.facebook.com/Nintendo",
    "https://www.facebook.com/",
    "https://www.facebook.com/login/",
    "https://www.facebook.com/story.php?story_fbid=1",
])
def test_foreign_or_incomplete_urls_are_refused(url: str) -> None:
    with pytest.raises(TargetError) as info:
        FacebookAdapter().parse_target(url)
    assert url in str(info.value) or "Facebook" in str(info.value)


def test_foreign_url_message_says_what_is_expected() -> None:
    with pytest.raises(TargetError, match="is not a Facebook URL"):
        FacebookAdapter().parse_target("https://www.instagram.com/p/BG9It/")
