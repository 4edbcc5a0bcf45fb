from verifier.comments import Comment, judge_comment
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
