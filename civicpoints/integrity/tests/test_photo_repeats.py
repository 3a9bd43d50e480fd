"""Repeated photos: detection rates on the demo's photos, and the flag on the moderation screen."""

import itertools
from collections import Counter

from django.urls import reverse

from civicpoints.core import imaging
from civicpoints.integrity.models import Flag, FlagKind, FlagStatus, PhotoFingerprint
from civicpoints.integrity.tests.photos import demo_photo, recycled
from civicpoints.posts.tests.images import jpeg_bytes, upload

N_PHOTOS = 40


def test_detection_rates_on_the_demos_photos_and_recycled_copies(capsys):
    # given: 40 of the demo's photos and 15 recycled copies of each
    originals = [demo_photo(f"report-{k}") for k in range(N_PHOTOS)]
    prints = [imaging.photo_fingerprint(p) for p in originals]
    # when
    found, tried = Counter(), Counter()
    for i, data in enumerate(originals):
        for how, copy in recycled(data).items():
            d = imaging.fingerprint_distance(imaging.photo_fingerprint(copy), prints[i])
            tried[how] += 1
            found[how] += d <= imaging.NEAR_DISTANCE
    false = sum(
        imaging.fingerprint_distance(prints[a], prints[b]) <= imaging.NEAR_DISTANCE
        for a, b in itertools.combinations(range(N_PHOTOS), 2)
    )
    # then: the table for the closing note ...
    with capsys.disabled():
        print(f"\nrepeat detection on {N_PHOTOS} demo photos (threshold {imaging.NEAR_DISTANCE})")
        for how in tried:
            print(f"  {how:28} {found[how]:3}/{tried[how]}")
        print(f"  false matches among distinct photos: {false}/{N_PHOTOS * (N_PHOTOS - 1) // 2}")
    # ... every resize, recompression and even crop is caught, no distinct photo matches
    for how in tried:
        if "uneven" in how:  # cut differently on each side: about half are caught
            continue
        assert found[how] == tried[how], how
    assert sum(found.values()) >= 0.9 * sum(tried.values())
    assert false == 0


def test_a_cropped_copy_of_anyones_photo_flags_the_post_with_the_earlier_one(town, make_post):
    # given: alice posted a photo
    data = demo_photo("swept corridor")
    first = make_post(town.alice, photos=[upload(data)])
    # when: bob posts a crop of it, and alice a recompressed copy
    copies = recycled(data)
    bobs = make_post(town.bob, photos=[upload(copies["crop 10% a side"])])
    again = make_post(town.alice, photos=[upload(copies["recompress q30"])])
    fresh = make_post(town.alice, photos=[upload(demo_photo("a different scene"))])
    # then
    flag = Flag.objects.about(bobs).get()
    assert flag.kind == FlagKind.PHOTO_REPEAT and flag.status == FlagStatus.OPEN
    assert flag.resident == town.bob and flag.community == town.b
    match = flag.evidence["matches"][0]
    assert match["earlier"]["url"] == reverse("posts:detail", args=[first.pk])
    assert match["earlier"]["same_resident"] is False
    assert match["distance"] <= imaging.NEAR_DISTANCE
    own = Flag.objects.about(again).get()
    assert own.evidence["matches"][0]["earlier"]["same_resident"] is True
    assert own.reason != flag.reason  # "… of the same resident"
    assert not Flag.objects.about(fresh).exists() and not Flag.objects.about(first).exists()
    assert PhotoFingerprint.objects.count() == 4


def test_a_plain_picture_is_neither_compared_nor_flagged(town, make_post):
    # given: two posts with a flat red square (no detail to compare)
    make_post(town.alice, photos=[upload(jpeg_bytes())])
    # when
    second = make_post(town.bob, photos=[upload(jpeg_bytes())])
    # then
    assert not Flag.objects.about(second).exists()


def test_the_moderator_sees_the_earlier_post_beside_the_repeat(client, town, make_post):
    # given
    data = demo_photo("planted trees")
    first = make_post(town.alice, photos=[upload(data)])
    repeat = make_post(town.alice, photos=[upload(recycled(data)["resize to 50%"])])
    earlier_thumb = first.photos.get().thumbnail.url
    # when
    client.force_login(town.staff_a)
    html = client.get(reverse("posts:detail", args=[repeat.pk])).content.decode()
    queue = client.get(reverse("posts:queue")).content.decode()
    # then
    assert "integrity-flags" in html
    assert earlier_thumb in html and reverse("posts:detail", args=[first.pk]) in html
    assert repeat.photos.get().thumbnail.url in html
    assert "badge" in queue
    # and the public never sees the flag
    client.logout()
    assert (
        "integrity-flags"
        not in client.get(reverse("posts:detail", args=[repeat.pk])).content.decode()
    )
