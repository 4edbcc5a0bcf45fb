"""GitHub parsers and targets, against the real API answers PyGithub recorded.

The replay files in ``shared/realdata/github`` hold, per exchange, the
request lines, then the status, the headers (a Python list of pairs) and the
JSON body; ``replay`` reads them so the ground truths of MANIFEST.md come out
of the adapter's own parsers.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from tests.contract import CONTRACT
from verifier.forensics.comments import Comment
from verifier.models import parse_proof
from verifier.platforms.base import TargetError
from verifier.platforms.github import GitHubAdapter, _Browse
from verifier.platforms.github_api import (
    ApiReply,
    LayoutChanged,
    earlier_only,
    find_login,
    page_number,
    parse_comments,
    parse_link_header,
    parse_logins,
    parse_reactions,
    parse_user,
    presence,
    wall_of,
)
from verifier.settings import Settings

REALDATA = CONTRACT.parent / "realdata" / "github"


@dataclass(frozen=True)
class Exchange:
    method: str
    host: str
    path: str
    status: int
    headers: dict[str, str]
    body: str

    def reply(self) -> ApiReply:
        return ApiReply(status=self.status, headers=self.headers, text=self.body,
                        url=f"https://{self.host}{self.path}")


def replay(name: str) -> list[Exchange]:
    """Every exchange of one PyGithub replay file (11 lines each)."""
    path = REALDATA / name
    assert path.is_file(), f"realdata file missing: {path}"
    lines = path.read_text(encoding="utf-8").split("\n")
    out: list[Exchange] = []
    i = 0
    while i + 9 < len(lines) and lines[i] in ("http", "https"):
        headers = {k.lower(): v for k, v in ast.literal_eval(lines[i + 8])}
        out.append(Exchange(method=lines[i + 1], host=lines[i + 2], path=lines[i + 4],
                            status=int(lines[i + 7]), headers=headers, body=lines[i + 9]))
        i += 11
    assert out, f"no exchanges read from {path}"
    return out


def exchange(name: str, path: str, method: str = "GET") -> Exchange:
    return next(e for e in replay(name) if e.path == path and e.method == method)


WALLS = GitHubAdapter().walls


# -- ground truths ---------------------------------------------------------------------


def test_jacquev6_follows_nvie_is_a_204():
    reply = exchange("pygithub_NamedUser.testHasInFollowing.txt",
                     "/users/jacquev6/following/nvie").reply()
    assert reply.status == 204 and presence(reply) is True
    assert wall_of(reply, WALLS) is None


def test_a_404_means_not_following():
    found = [e for e in replay("pygithub_AuthenticatedUser.testFollowing.txt")
             if e.path == "/user/following/nvie" and e.method == "GET"]
    assert [presence(e.reply()) for e in found] == [True, False, True]
    assert found[1].reply().message() == "Not Found"
    assert wall_of(found[1].reply(), WALLS) is None


def test_followers_of_jacquev6():
    reply = exchange("pygithub_NamedUser.testGetFollowers.txt", "/users/jacquev6/followers")
    logins = parse_logins(reply.reply().json())
    assert len(logins) == 13
    for name in ("jnorthrup", "brugidou", "kamaradclimber"):
        assert find_login(logins, name) == name
    assert find_login(logins, "JNORTHRUP") == "jnorthrup"  # logins ignore case
    assert find_login(logins, "nvie") is None


def test_following_of_jacquev6():
    reply = exchange("pygithub_NamedUser.testGetFollowing.txt", "/users/jacquev6/following")
    logins = parse_logins(reply.reply().json())
    assert {"nvie", "schacon", "unclebob"} <= set(logins)


def test_stargazers_pages_and_link_headers():
    pages = replay("pygithub_Repository.testGetStargazers.txt")
    first, second, third = (p.reply() for p in pages)
    assert "Stals" in parse_logins(first.json())
    assert "kennethreitz" in parse_logins(second.json())
    assert "kennethreitz" not in parse_logins(first.json()) + parse_logins(third.json())
    links = parse_link_header(first.header("link"))
    assert page_number(links["next"]) == 2 and page_number(links["last"]) == 3
    links = parse_link_header(second.header("link"))
    assert {k: page_number(v) for k, v in links.items()} == {
        "next": 3, "last": 3, "first": 1, "prev": 1}
    assert set(parse_link_header(third.header("link"))) == {"first", "prev"}


class ReplayBrowse(_Browse):
    """The adapter's list reader, fed the recorded pages instead of a live page."""

    def __init__(self, exchanges: list[Exchange], max_pages: int = 10) -> None:
        env: Any = SimpleNamespace(settings=Settings(VERIFIER_MAX_LIST_PAGES=max_pages))
        super().__init__(GitHubAdapter(), page=None, env=env)  # type: ignore[arg-type]
        self.by_page = {page_number("https://x" + e.path): e for e in exchanges}
        self.read: list[int] = []

    def api(self, path_or_url: str) -> ApiReply:
        number = page_number(path_or_url) or 1
        self.read.append(number)
        return self.by_page[number].reply()


def test_list_reader_goes_to_the_last_page_then_backwards():
    browse = ReplayBrowse(replay("pygithub_Repository.testGetStargazers.txt"))
    scan = browse.scan("/repos/PyGithub/PyGithub/stargazers", "kennethreitz", parse_logins, str)
    assert scan is not None and scan.found == "kennethreitz"
    assert browse.read == [1, 3, 2] and scan.complete
    assert scan.seen == 30 + 7 + 30


def test_list_reader_reads_everything_before_saying_no():
    browse = ReplayBrowse(replay("pygithub_Repository.testGetStargazers.txt"))
    scan = browse.scan("/repos/PyGithub/PyGithub/stargazers", "not-a-stargazer",
                       parse_logins, str)
    assert scan is not None and scan.found is None and scan.complete
    assert browse.read == [1, 3, 2]


def test_list_reader_stops_at_the_page_limit_without_a_verdict():
    browse = ReplayBrowse(replay("pygithub_Repository.testGetStargazers.txt"), max_pages=2)
    scan = browse.scan("/repos/PyGithub/PyGithub/stargazers", "kennethreitz", parse_logins, str)
    assert scan is not None and scan.found is None and not scan.complete
    assert browse.read == [1, 3]


def test_meneal_is_a_member_of_robotwithfeelings():
    name = "pygithub_OrganizationHasInMembers.setUp.txt"
    member = exchange(name, "/orgs/RobotWithFeelings/members/meneal").reply()
    assert presence(member) is True
    assert parse_user(exchange(name, "/users/meneal").reply().json()).type == "User"
    org = parse_user(exchange(name, "/orgs/RobotWithFeelings").reply().json())
    assert (org.login, org.type) == ("RobotWithFeelings", "Organization")


def test_jacquev6_is_not_a_member_of_beaversoftware():
    reply = exchange("pygithub_NamedUser.testGetOrganizationMembershipNotMember.txt",
                     "/orgs/BeaverSoftware/memberships/jacquev6").reply()
    assert presence(reply) is False and reply.message() == "Not Found"


def test_issue_28_reaction():
    reply = exchange("pygithub_Issue.testGetReactions.txt",
                     "/repos/PyGithub/PyGithub/issues/28/reactions").reply()
    assert parse_reactions(reply.json()) == [("nicolastrres", "+1")]


def test_account_exists():
    user = parse_user(exchange("pygithub_NamedUser.testHasInFollowing.txt",
                               "/users/nvie").reply().json())
    assert (user.login, user.name, user.id) == ("nvie", "Vincent Driessen", 83844)


def test_comments_are_read_by_user_login_and_body():
    reaction = exchange("pygithub_Issue.testGetReactions.txt",
                        "/repos/PyGithub/PyGithub/issues/28/reactions").reply().json()[0]
    comment = {"id": 1, "user": reaction["user"], "body": "Works for me", "created_at": "x"}
    parsed = parse_comments([comment])
    assert [(c.author, c.text) for c in parsed] == [("nicolastrres", "Works for me")]


# -- a reshaped answer is "layout changed", never "not found" ---------------------------


@pytest.mark.parametrize("body", [{"users": []}, [{"name": "x"}], "text", None])
def test_unexpected_list_shapes_raise_layout_changed(body):
    with pytest.raises(LayoutChanged):
        parse_logins(body)


def test_unexpected_comment_shape_raises_layout_changed():
    with pytest.raises(LayoutChanged):
        parse_comments([{"author": "x", "text": "y"}])


# -- walls -------------------------------------------------------------------------------


RATE = ApiReply(status=403, headers={"x-ratelimit-remaining": "0"},
                text='{"message":"API rate limit exceeded for 203.0.113.7. (But here\'s the '
                     'good news: Authenticated requests get a higher rate limit.)"}')
LOGIN = ApiReply(status=401, text='{"message":"Requires authentication","status":"401"}')
CAPTCHA = ApiReply(status=403, text="<html><h1>Please verify you are a human</h1></html>")


@pytest.mark.parametrize(("reply", "kind"), [(RATE, "rate_limit"), (LOGIN, "login"),
                                             (CAPTCHA, "captcha")])
def test_walls_are_recognised(reply, kind):
    found = wall_of(reply, WALLS)
    assert found is not None and found[0] == kind


def test_a_comment_quoting_a_wall_is_not_a_wall():
    quoted = ApiReply(status=200, text='[{"user":{"login":"a"},"body":"Sign in to GitHub"}]')
    assert wall_of(quoted, WALLS) is None


# -- targets -------------------------------------------------------------------------------


ADAPTER = GitHubAdapter()


@pytest.mark.parametrize(("url", "kind", "key", "owner"), [
    ("https://github.com/octocat", "account", "octocat", None),
    ("http://www.github.com/octocat/", "account", "octocat", None),
    ("https://github.com/octocat?tab=followers", "account", "octocat", None),
    ("https://github.com/AcmeOrg", "account", "AcmeOrg", None),
    ("https://github.com/orgs/AcmeOrg", "group", "AcmeOrg", None),
    ("https://github.com/orgs/AcmeOrg/people", "group", "AcmeOrg", None),
    ("https://github.com/octocat/Hello-World", "repo", "octocat/Hello-World", "octocat"),
    ("https://github.com/octocat/hello.world.git", "repo", "octocat/hello.world", "octocat"),
    ("https://github.com/octocat/Hello-World/stargazers", "repo", "octocat/Hello-World",
     "octocat"),
    ("https://github.com/octocat/Hello-World/issues/12", "post",
     "octocat/Hello-World/issues/12", "octocat"),
    ("https://github.com/octocat/Hello-World/issues/12#issuecomment-99", "post",
     "octocat/Hello-World/issues/12", "octocat"),
    ("https://github.com/octocat/Hello-World/pull/3/files", "post",
     "octocat/Hello-World/pull/3", "octocat"),
    ("https://github.com/octocat/Hello-World/discussions/5", "post",
     "octocat/Hello-World/discussions/5", "octocat"),
    ("https://github.com/signup", "site", "github.com", None),
    ("https://github.com/join?source=header", "site", "github.com", None),
])
def test_parse_target(url, kind, key, owner):
    target = ADAPTER.parse_target(url)
    assert (target.platform, target.kind, target.key, target.owner) == ("github", kind, key,
                                                                        owner)


@pytest.mark.parametrize(("url", "says"), [
    ("https://x.com/octocat", "is not a GitHub URL"),
    ("https://github.com.evil.example/octocat", "is not a GitHub URL"),
    ("https://gist.github.com/octocat/1", "is not a GitHub URL"),
    ("ftp://github.com/octocat", "is not a GitHub URL"),
    ("https://github.com/", "does not name a GitHub account"),
    ("https://github.com/settings/profile", "is a GitHub page"),
    ("https://github.com/-bad-name", "not a valid GitHub username"),
    ("https://github.com/orgs/", "does not name a GitHub organization"),
])
def test_foreign_or_wrong_urls_are_refused(url, says):
    with pytest.raises(TargetError, match=says):
        ADAPTER.parse_target(url)


# -- the follow check's fallback, on real answers ----------------------------------------------


class PathBrowse(_Browse):
    """The adapter's API reads answered from recorded exchanges by path (404 otherwise)."""

    def __init__(self, answers: dict[str, ApiReply]) -> None:
        env: Any = SimpleNamespace(settings=Settings())
        super().__init__(GitHubAdapter(), page=None, env=env)  # type: ignore[arg-type]
        self.answers = answers
        self.asked: list[str] = []

    def api(self, path_or_url: str) -> ApiReply:
        path = path_or_url.split("?")[0]
        self.asked.append(path)
        return self.answers.get(path, ApiReply(status=404, text='{"message":"Not Found"}',
                                               url=path))


def follow_proof(worker: str, target: str) -> Any:
    return parse_proof({"id": "p", "task": {"action": "follow", "platform": "github",
                                            "target": f"https://github.com/{target}"},
                        "worker": {"id": "w", "handle": worker}})


def test_follow_204_passes_on_the_recorded_answer():
    answer = exchange("pygithub_NamedUser.testHasInFollowing.txt",
                      "/users/jacquev6/following/nvie").reply()
    browse = PathBrowse({"/users/jacquev6/following/nvie": answer})
    target = ADAPTER.parse_target("https://github.com/nvie")
    outcome, detail = ADAPTER._follow(browse, "jacquev6", target, follow_proof("jacquev6",
                                                                              "nvie"))
    assert outcome == "pass" and "jacquev6 follows nvie" in detail


def test_follow_without_a_yes_or_no_reads_the_followers_list():
    followers = exchange("pygithub_NamedUser.testGetFollowers.txt",
                         "/users/jacquev6/followers").reply()
    odd = ApiReply(status=500, text='{"message":"Server Error"}')
    answers = {"/users/jnorthrup/following/jacquev6": odd,
               "/users/nobody-x/following/jacquev6": odd,
               "/users/jacquev6/followers": followers}
    target = ADAPTER.parse_target("https://github.com/jacquev6")
    browse = PathBrowse(answers)
    outcome, detail = ADAPTER._follow(browse, "jnorthrup", target,
                                      follow_proof("jnorthrup", "jacquev6"))
    assert outcome == "pass" and "found among jacquev6's followers" in detail
    assert browse.asked == ["/users/jnorthrup/following/jacquev6", "/users/jacquev6/followers"]
    outcome, detail = ADAPTER._follow(PathBrowse(answers), "nobody-x", target,
                                      follow_proof("nobody-x", "jacquev6"))
    assert outcome == "fail" and "13 over 1 page(s)" in detail


def test_earlier_only_keeps_the_first_writer_clean():
    comments = [Comment("a", "x"), Comment("worker", "x"), Comment("b", "x")]
    assert [c.author for c in earlier_only(comments, "WORKER")] == ["a", "worker"]
    assert earlier_only(comments, "nobody") == comments
