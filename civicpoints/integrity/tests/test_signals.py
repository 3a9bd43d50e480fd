"""The other farming signs: late check-ins, registration bursts, like and share rings;
and a repeated report photo holding the acceptance award."""

import datetime as dt

from civicpoints.accounts.models import User
from civicpoints.accounts.services import resident_register
from civicpoints.events import services as events
from civicpoints.events.codes import checkin_code
from civicpoints.events.models import SignUp
from civicpoints.integrity import services
from civicpoints.integrity.models import Flag, FlagKind, HeldAward, HeldStatus
from civicpoints.integrity.tests.photos import demo_photo, recycled
from civicpoints.integrity.tests.test_decisions import WAITS
from civicpoints.points.models import PointAccount
from civicpoints.posts import services as post_services
from civicpoints.posts.models import Like, Share
from civicpoints.posts.tests.images import upload
from civicpoints.reports import services as report_services
from civicpoints.reports.services import categories_ensure_defaults


def _in(ev, who, at):
    code = checkin_code(event_id=ev.pk, at=at)
    return events.event_check_in_by_code(resident=who, event=ev, code=code, at=at)


def _out(ev, who, at):
    code = checkin_code(event_id=ev.pk, purpose="out", at=at)
    return events.event_check_out_by_code(resident=who, event=ev, code=code, at=at)


def test_a_check_in_after_most_attendees_left_is_flagged_and_its_award_waits(
    town, make_event, residents_a, start
):
    # given: five walk-ins check in; three of them have left by 11:00
    ev = make_event(allow_walk_ins=True, capacity=10)
    for r in residents_a:
        _in(ev, r, start + dt.timedelta(minutes=5))
    for r in residents_a[:3]:
        _out(ev, r, start + dt.timedelta(hours=1, minutes=30))
    on_time = residents_a[0]
    # when: alice checks in by code at 11:50 (the code passed on after the event emptied)
    late = _in(ev, town.alice, start + dt.timedelta(hours=2, minutes=50))
    # then
    flag = Flag.objects.about(late).get()
    assert flag.kind == FlagKind.LATE_CHECK_IN and flag.resident == town.alice
    assert flag.evidence["attendees_before"] == 5 and flag.evidence["checked_out_before"] == 3
    assert not Flag.objects.filter(kind=FlagKind.LATE_CHECK_IN).exclude(pk=flag.pk).exists()
    # completion awards everyone else; alice's award waits
    events.event_complete(actor=town.staff_a, event=ev, at=start + dt.timedelta(hours=3))
    late.refresh_from_db()
    assert late.points_awarded == 0 and late.award_note == WAITS
    assert SignUp.objects.get(event=ev, resident=on_time).points_awarded > 0
    before = PointAccount.objects.get(resident=town.alice).balance
    # a false flag: cleared, the award is given and counted on the sign-up
    services.flag_clear(actor=town.staff_a, flag=flag, why="She came late, helped carry bags.")
    late.refresh_from_db()
    assert late.points_awarded > 0 and late.award_note == ""
    assert PointAccount.objects.get(resident=town.alice).balance == before + late.points_awarded


def test_an_early_check_in_is_not_flagged(town, make_event, residents_a, start):
    # given
    ev = make_event(allow_walk_ins=True, capacity=10)
    for r in residents_a:
        _in(ev, r, start)
    # when
    signup = _in(ev, town.alice, start + dt.timedelta(minutes=20))
    # then
    assert not Flag.objects.about(signup).exists()


def _register(town, n, origin):
    return resident_register(
        mobile=f"1370000{n:04d}",
        nickname=f"new{n}",
        password=town.password,
        community=town.a,
        origin=origin,
    )


def test_many_registrations_from_one_address_flag_the_later_ones(town):
    # given / when: six accounts from one address within the hour, one from elsewhere
    for n in range(6):
        _register(town, n, ("10.0.0.7", f"dev-{n}"))
    _register(town, 99, ("10.0.0.8", "dev-x"))
    # then: the 5th and 6th are flagged (5 within the hour), naming the others
    flagged = Flag.objects.filter(kind=FlagKind.REGISTRATION_BURST)
    nicks = sorted(User.objects.get(pk=f.subject_id).nickname for f in flagged)
    assert nicks == ["new4", "new5"]
    assert len(flagged.get(resident__nickname="new5").evidence["accounts"]) == 6
    assert flagged.first().evidence["same"] == "address"
    assert flagged.first().community == town.a


def test_one_device_registering_many_accounts_is_flagged(town):
    # given: the same device id from different addresses
    for n in range(5):
        _register(town, n, (f"10.1.0.{n}", "phone-123"))
    # then
    flag = Flag.objects.get(kind=FlagKind.REGISTRATION_BURST)
    assert flag.evidence["same"] == "device" and flag.resident.nickname == "new4"


def _like_each_other(users, posts, times=2):
    for u in users:
        for author, ps in posts.items():
            if author != u:
                for p in ps[:times]:
                    Like.objects.create(post=p, user=u)
                    Share.objects.create(post=p, user=u)


def test_a_small_group_liking_each_other_is_a_ring_and_is_flagged_once(
    town, make_post, residents_a
):
    # given: A0, A1, A2 like and share each other's posts; A3 and A4 like them too, a little
    ring = residents_a[:3]
    posts = {
        u: [make_post(u, title=f"t{k}", approve_by=town.staff_a) for k in range(2)] for u in ring
    }
    _like_each_other(ring, posts)
    Like.objects.create(post=posts[ring[0]][0], user=residents_a[3])
    # an honest pair who like each other (two people are no ring)
    pair = [town.alice, residents_a[4]]
    pair_posts = {u: [make_post(u, title="p", approve_by=town.staff_a)] for u in pair[1:]}
    pair_posts[town.alice] = [make_post(town.alice, title="q", approve_by=town.staff_a)]
    _like_each_other(pair, pair_posts, times=1)
    # when
    opened = post_services.like_rings_flag(town=town.town)
    again = post_services.like_rings_flag(town=town.town)
    # then
    assert sorted(f.resident_id for f in opened) == sorted(u.pk for u in ring)
    assert again == []
    f = opened[0]
    assert f.kind == FlagKind.LIKE_RING and f.evidence["share_percent"] >= 60
    assert sorted(f.evidence["member_ids"]) == sorted(u.pk for u in ring)


def test_a_repeated_report_photo_holds_the_acceptance_award(town, make_post):
    # given: bob's report recycles a photo alice posted
    categories = {c.code: c for c in categories_ensure_defaults(town.town.pk)}
    data = demo_photo("rubbish at gate 3")
    make_post(town.alice, photos=[upload(data)])
    report = report_services.report_file(
        reporter=town.bob,
        category=categories["litter"],
        place="Gate 3",
        body="Rubbish again",
        photos=[upload(recycled(data)["crop 5% a side"])],
    )
    flag = Flag.objects.about(report).get()
    # when
    report = report_services.report_accept(actor=town.staff_b, report=report)
    # then
    assert report.award is None
    held = HeldAward.objects.get()
    assert held.status == HeldStatus.HELD
    services.flag_clear(actor=town.staff_b, flag=flag, why="Same spot, new rubbish.")
    report.refresh_from_db()
    held.refresh_from_db()
    assert held.status == HeldStatus.ISSUED and report.award == held.transaction
