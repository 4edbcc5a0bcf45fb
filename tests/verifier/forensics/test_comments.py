from verifier.forensics.comments import Comment, judge_comment
from verifier.models import Task


def task(text=None, minimum=None):
    return Task(action="comment", platform="youtube", target="https://youtu.be/x",
                comment_text=text, min_comment_words=minimum)


COMMENTS = [
    Comment("@tanvir_cooks", "Best recipe for biryani I have tried so far, thank you"),
    Comment("@rafi", "Great video"),
    Comment("@copycat", "best recipe for Biryani I have tried so far thank you!"),
]


def judge(worker, t, comments=COMMENTS):
    return judge_comment("live.comment", [worker], comments, t, "the video")


def test_pass_with_required_words_and_length():
    check = judge("@tanvir_cooks", task("recipe", 5))
    assert check.outcome == "fail"  # the copycat's comment is the same text
    only = [c for c in COMMENTS if c.author != "@copycat"]
    check = judge("tanvir_cooks", task("recipe", 5), only)
    assert check.outcome == "pass" and "Best recipe" in check.detail


def test_missing_comment_fails():
    check = judge("@nobody", task())
    assert check.outcome == "fail" and "no comment by @nobody" in check.detail


def test_missing_words_and_too_short():
    assert "lacks the required word(s) recipe" in judge("@rafi", task("recipe")).detail
    assert "fewer than the 5" in judge("@rafi", task(None, 5)).detail


def test_short_identical_comments_are_not_copies():
    comments = [Comment("a", "Nice"), Comment("b", "Nice")]
    assert judge("a", task(), comments).outcome == "pass"


def test_bengali_words_match_after_normalisation():
    comments = [Comment("a", "খুব ভালো রেসিপি, ধন্যবাদ")]
    assert judge("a", task("রেসিপি", 3), comments).outcome == "pass"


def test_the_first_author_is_no_copier_when_order_is_known():
    comments = [Comment("orig", "this shop delivers really fast"),
                Comment("copier", "This shop delivers really fast!")]
    first = judge_comment("live.comment", ["orig"], comments, task(), "p", oldest_first=True)
    copy = judge_comment("live.comment", ["copier"], comments, task(), "p", oldest_first=True)
    assert first.outcome == "pass"
    assert copy.outcome == "fail" and "repeats the comment by orig" in copy.detail
    # Order unknown: both are flagged for a moderator.
    assert judge_comment("live.comment", ["orig"], comments, task(), "p").outcome == "fail"


# -- times: who wrote first ---------------------------------------------------------------

DAY = 86400.0
NOW = 1_700_000_000.0


def ago(author, text, days):
    """A comment shown "N days ago": written in (NOW - (N+1) days, NOW - N days]."""
    return Comment(author, text, when=NOW - days * DAY, span=DAY)


def test_a_later_copy_fails_and_the_earlier_original_passes():
    comments = [Comment("copier", "this shop delivers really fast!", when=NOW),
                Comment("orig", "This shop delivers really fast", when=NOW - 60)]
    assert judge_comment("live.comment", ["orig"], comments, task(), "p").outcome == "pass"
    copy = judge_comment("live.comment", ["copier"], comments, task(), "p")
    assert copy.outcome == "fail" and "repeats the comment by orig" in copy.detail


def test_the_same_exact_time_is_a_tie_and_flags_both():
    comments = [Comment("orig", "this shop delivers really fast", when=NOW),
                Comment("copier", "This shop delivers really fast!", when=NOW)]
    for who in ("orig", "copier"):
        assert judge_comment("live.comment", [who], comments, task(), "p").outcome == "fail"


def test_relative_buckets_order_adjacent_days_and_tie_within_one():
    text = "ordered two panjabis for Eid"
    older, newer = ago("rafi", text, 2), ago("lipi", text, 1)  # "2 days ago", "1 day ago"
    assert judge_comment("live.comment", ["rafi"], [newer, older], task(), "p").outcome == "pass"
    assert judge_comment("live.comment", ["lipi"], [newer, older], task(), "p").outcome == "fail"
    same = [ago("rafi", text, 2), ago("lipi", text, 2)]  # both "2 days ago": either could be first
    for who in ("rafi", "lipi"):
        assert judge_comment("live.comment", [who], same, task(), "p").outcome == "fail"


def test_an_exact_time_inside_a_bucket_is_a_tie_and_after_it_is_later():
    text = "ordered two panjabis for Eid"
    bucket = ago("rafi", text, 2)  # (NOW - 3 days, NOW - 2 days]
    at_end = Comment("lipi", text, when=NOW - 2 * DAY)  # could be the same moment
    after = Comment("lipi", text, when=NOW - 2 * DAY + 1)
    assert judge_comment("live.comment", ["rafi"], [bucket, at_end], task(), "p").outcome == "fail"
    assert judge_comment("live.comment", ["rafi"], [bucket, after], task(), "p").outcome == "pass"


def test_an_unknown_time_stays_a_possible_source():
    comments = [Comment("orig", "this shop delivers really fast", when=NOW - 60),
                Comment("copier", "This shop delivers really fast!")]
    assert judge_comment("live.comment", ["orig"], comments, task(), "p").outcome == "fail"
    # oldest_first still limits the sources to the comments listed before the worker's
    listed = [Comment("orig", "this shop delivers really fast"),
              Comment("copier", "This shop delivers really fast!", when=NOW - 3600)]
    assert judge_comment("live.comment", ["orig"], listed, task(), "p",
                         oldest_first=True).outcome == "pass"
