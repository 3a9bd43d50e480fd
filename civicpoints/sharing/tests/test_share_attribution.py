"""Share links earn points only for the new readers they bring (issue 15, item 4):
not the sharer, not a repeat reader, once per reader and item, within the daily cap;
a tampered token is ignored."""

import base64

import pytest
from django.core import signing
from django.urls import reverse

from civicpoints.points.models import PointTransaction
from civicpoints.sharing.models import ShareLink, ShareOutcome, ShareTarget, ShareVisit
from civicpoints.sharing.services import (
    SHARE_RULE,
    share_link_from_token,
    share_token,
    share_visit_record,
)


def _token(town, sharer, item, target=ShareTarget.ARTICLE):
    return share_token(sharer=sharer, target=target, object_id=item.pk, town_id=town.town.pk)


def _share_points(user):
    return list(
        PointTransaction.objects.filter(resident=user, rule__code=SHARE_RULE).values_list(
            "points", flat=True
        )
    )


def _open_article(client, reader, article, token):
    client.force_login(reader)
    return client.get(reverse("articles:detail", args=[article.pk]), {"s": token})


def test_the_token_is_signed_salted_and_holds_no_user_id(town, article):
    # when
    token = _token(town, town.alice, article)
    again = _token(town, town.alice, article)
    # then: one link per person and item; the token is key:signature, the key random
    link = ShareLink.objects.get(sharer=town.alice)
    assert token == again and ShareLink.objects.count() == 1
    key, _, sig = token.rpartition(":")
    # the token is the link's random key (16 URL-safe characters) and a signature:
    # nothing else — no user id — travels in the shared address
    assert key == link.key and len(key) == 16 and token.count(":") == 1
    assert share_link_from_token(token) == link
    # the same key signed without our salt does not verify
    assert share_link_from_token(signing.Signer().sign(link.key)) is None
    assert sig and base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))


def test_a_new_reader_earns_the_sharer_the_rule_once(client, town, article):
    # given
    token = _token(town, town.alice, article)
    # when: bob opens alice's link, then again
    first = _open_article(client, town.bob, article, token)
    second = _open_article(client, town.bob, article, token)
    # then
    assert first.status_code == second.status_code == 200
    assert _share_points(town.alice) == [1]
    visit = ShareVisit.objects.get()
    assert (visit.reader, visit.sharer, visit.outcome) == (
        town.bob,
        town.alice,
        ShareOutcome.AWARDED,
    )
    assert visit.town_id == town.town.pk
    assert _share_points(town.bob) == []


def test_the_sharer_opening_their_own_link_earns_nothing(client, town, article):
    # given
    token = _token(town, town.alice, article)
    # when
    _open_article(client, town.alice, article, token)
    # then
    assert _share_points(town.alice) == [] and not ShareVisit.objects.exists()


def test_a_reader_who_had_read_the_article_before_is_not_new(client, town, article):
    # given: bob read the article on his own
    client.force_login(town.bob)
    client.get(reverse("articles:detail", args=[article.pk]))
    token = _token(town, town.alice, article)
    # when: he opens alice's link to it
    _open_article(client, town.bob, article, token)
    # then
    assert _share_points(town.alice) == [] and not ShareVisit.objects.exists()


def test_readers_of_each_others_links_count_once_each_way(town, article):
    # given: bob arrived through alice's link
    share_visit_record(
        token=_token(town, town.alice, article),
        reader=town.bob,
        target=ShareTarget.ARTICLE,
        object_id=article.pk,
    )
    # when: alice opens bob's link, and bob opens alice's again
    result = share_visit_record(
        token=_token(town, town.bob, article),
        reader=town.alice,
        target=ShareTarget.ARTICLE,
        object_id=article.pk,
    )
    again = share_visit_record(
        token=_token(town, town.alice, article),
        reader=town.bob,
        target=ShareTarget.ARTICLE,
        object_id=article.pk,
    )
    # then: alice counts for bob; bob again counts for nobody
    assert result.counted and not again.counted and again.outcome == "repeat"
    assert _share_points(town.alice) == [1] and _share_points(town.bob) == [1]


def test_the_second_sharer_of_an_already_brought_reader_earns_nothing(town, article, readers):
    # given: reader 0 came through alice's link
    r0, other_sharer = readers[0], readers[1]
    share_visit_record(
        token=_token(town, town.alice, article),
        reader=r0,
        target=ShareTarget.ARTICLE,
        object_id=article.pk,
    )
    # when: the same reader opens another resident's link to the same article
    result = share_visit_record(
        token=_token(town, other_sharer, article),
        reader=r0,
        target=ShareTarget.ARTICLE,
        object_id=article.pk,
    )
    # then
    assert not result.counted and result.outcome == "repeat"
    assert _share_points(other_sharer) == [] and _share_points(town.alice) == [1]


def test_awards_stop_at_the_rules_daily_cap_but_visits_are_recorded(town, article, readers):
    # given: the catalog caps share_new_reader at 5 a local day
    from civicpoints.points.services import rule_get

    cap = rule_get(SHARE_RULE, town_id=town.town.pk).daily_limit
    assert cap == 5
    token = _token(town, town.alice, article)
    # when: six new readers (plus bob) open alice's link
    results = [
        share_visit_record(token=token, reader=r, target=ShareTarget.ARTICLE, object_id=article.pk)
        for r in [town.bob, *readers[:5]]
    ]
    # then: five awards, the sixth visit recorded as over the cap
    assert [r.outcome for r in results] == [ShareOutcome.AWARDED] * 5 + [ShareOutcome.CAP_REACHED]
    assert _share_points(town.alice) == [1] * 5
    assert ShareVisit.objects.filter(outcome=ShareOutcome.CAP_REACHED).count() == 1


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature changed
        lambda t: "x" + t,  # key changed
        lambda t: t.split(":")[0],  # no signature
        lambda t: "",  # empty
        lambda t: t * 5,  # too long
        lambda t: "%00\x00<script>",  # junk
    ],
)
def test_a_tampered_token_is_ignored_not_an_error(client, town, article, mangle):
    # given
    token = mangle(_token(town, town.alice, article))
    # when
    page = _open_article(client, town.bob, article, token)
    # then
    assert page.status_code == 200
    assert _share_points(town.alice) == [] and not ShareVisit.objects.exists()


def test_a_token_for_another_item_is_ignored(client, town, article, post):
    # given: alice's link to her post, put on the article's address
    token = _token(town, town.alice, post, target=ShareTarget.POST)
    # when
    _open_article(client, town.bob, article, token)
    # then
    assert _share_points(town.alice) == [] and not ShareVisit.objects.exists()


def test_visitors_without_an_account_and_staff_sharers_earn_nothing(client, town, post):
    # given
    token = _token(town, town.bob, post, target=ShareTarget.POST)
    # when: a visitor opens bob's public share page
    page = client.get(reverse("posts:share", args=[post.pk]), {"s": token})
    # then
    assert page.status_code == 200 and not ShareVisit.objects.exists()
    assert _token(town, town.staff_a, post, target=ShareTarget.POST) is None


def test_post_and_event_pages_count_new_readers_too(client, town, post, event):
    # given: bob's links to alice's post and to the event
    post_token = _token(town, town.bob, post, target=ShareTarget.POST)
    event_token = _token(town, town.bob, event, target=ShareTarget.EVENT)
    # when: alice (the post's author: not a new reader) opens both
    client.force_login(town.alice)
    client.get(reverse("posts:share", args=[post.pk]), {"s": post_token})
    client.get(reverse("posts:detail", args=[post.pk]), {"s": post_token})
    page = client.get(reverse("events:detail", args=[event.pk]), {"s": event_token})
    # then: the event counted, the post did not
    assert page.status_code == 200
    visits = list(ShareVisit.objects.values_list("target", "reader_id"))
    assert visits == [(ShareTarget.EVENT, town.alice.pk)]
    assert _share_points(town.bob) == [1]


def test_the_share_page_and_api_give_a_resident_their_own_link(client, town, post):
    # given
    client.force_login(town.bob)
    # when
    page = client.get(reverse("posts:share", args=[post.pk]))
    api = client.post(f"/api/v1/posts/{post.pk}/share")
    # then: both carry bob's token; the QR code keeps a real token and drops a forged one
    token = _token(town, town.bob, post, target=ShareTarget.POST)
    assert f"?s={token.replace(':', '%3A')}" in page.content.decode()
    assert api.json()["share_url"].endswith(f"?s={token.replace(':', '%3A')}")
    qr_url = reverse("posts:share_qr", args=[post.pk])
    real = client.get(qr_url, {"s": token}).content
    forged = client.get(qr_url, {"s": token[:-2] + "xx"}).content
    plain = client.get(qr_url).content
    assert real != plain and forged == plain
