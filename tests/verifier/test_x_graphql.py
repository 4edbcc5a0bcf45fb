"""The real X GraphQL captures parse to MANIFEST.md's ground truths."""

import json

import pytest

from tests.contract import CONTRACT
from verifier.platforms.x_graphql import parse_timeline, parse_user_by_screen_name

TWITTER = CONTRACT.parent / "realdata" / "twitter"


def load(name):
    path = TWITTER / name
    assert path.is_file(), f"realdata file missing: {path}"
    return json.loads(path.read_text())


def names(name):
    return {u.screen_name for u in parse_timeline(load(name)).users}


def test_user_by_screen_name():
    user = parse_user_by_screen_name(load("twscrape_user_by_login_XDevelopers.json"))
    assert user is not None
    assert (user.rest_id, user.screen_name) == ("2244994945", "XDevelopers")
    assert user.following is True and user.followed_by is False


def test_missing_account_is_none():
    assert parse_user_by_screen_name({"data": {}}) is None


def test_followers_page():
    page = parse_timeline(load("twscrape_followers_of_2244994945.json"))
    assert len(page.users) == 69
    found = {u.screen_name for u in page.users}
    assert {"jessicagarson", "leslieberland", "mikecvet"} <= found
    assert page.find("JessicaGarson") is not None  # handles compare case-insensitively
    assert page.find("not_a_follower_here") is None
    assert page.bottom_cursor and page.top_cursor


def test_following_page():
    page = parse_timeline(load("twscrape_following_of_2244994945.json"))
    assert len(page.users) == 60
    assert {"suhemparack", "Engineering", "leslieberland"} <= {u.screen_name for u in page.users}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("twscrape_verified_followers_of_2244994945.json", {"astronolt"}),
        ("twscrape_retweeters_of_1649191520250245121.json", {"alibdor99", "GENTLE_JENKINS"}),
        ("twscrape_favoriters_of_1649191520250245121.json",
         {"InnahMt", "actu_dufootball", "ProxyPryor"}),
        ("twscrape_list_members_1494877848087187461.json", {"KyivIndependent", "SecBlinken"}),
    ],
)
def test_other_user_timelines(name, expected):
    assert expected <= names(name)
