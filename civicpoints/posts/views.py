"""Pages for posts: feed, post, write/edit, my posts, share page; staff moderation and appeals."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicpoints.accounts.models import Community
from civicpoints.accounts.scope import require_staff
from civicpoints.core.errors import DomainError, NotFound
from civicpoints.core.forms import add_domain_error
from civicpoints.core.qr import qr_svg
from civicpoints.integrity import selectors as integrity_selectors
from civicpoints.posts import selectors, services
from civicpoints.posts.forms import (
    AppealDecisionForm,
    AppealForm,
    ApproveForm,
    CommentForm,
    PostForm,
    ReasonForm,
)
from civicpoints.posts.models import Comment, Post, PostStatus
from civicpoints.sharing.models import ShareTarget
from civicpoints.sharing.pages import share_context, share_visit_from
from civicpoints.sharing.services import TOKEN_PARAM, share_link_from_token


def _sections_for(user):
    qs = selectors.sections_active(user)
    return qs if user.is_community_staff else qs.filter(residents_may_post=True)


def feed_view(request):
    """Published posts; ``?section=<code>``, ``?community=<id>``, ``?cursor=`` (next page)."""
    sections = list(selectors.sections_active(request.user))
    section = next((s for s in sections if s.code == request.GET.get("section")), None)
    community = None
    if request.GET.get("community", "").isdigit():
        community = Community.objects.filter(pk=request.GET["community"]).first()
    page = selectors.feed(
        viewer=request.user,
        section=section,
        community=community,
        cursor=request.GET.get("cursor"),
    )
    return render(
        request,
        "posts/feed.html",
        {"page": page, "sections": sections, "section": section, "community": community},
    )


def _sharing(request, post, *, with_token=False):
    """The share address (``posts:share``, with my sharer token in WeChat or
    ``with_token``) and, in WeChat, the card."""
    if post.status != PostStatus.APPROVED:  # nothing to share before review
        return {"share_url": "", "wechat_share": None}
    first = post.photos.first()
    return share_context(
        request,
        target=ShareTarget.POST,
        object_id=post.pk,
        town_id=post.town_id,
        path=reverse("posts:share", args=[post.pk]),
        title=post.title,
        description=post.body,
        image_url=first.public_thumbnail_url if first else "",
        with_token=with_token,
    )


def _share_visit(request, post):
    """A reader brought by a share link (``?s=``) earns the sharer points when new."""
    if post.status == PostStatus.APPROVED:
        share_visit_from(
            request,
            target=ShareTarget.POST,
            object_id=post.pk,
            seen_before=request.user.is_authenticated and request.user.pk == post.author_id,
            title=post.title,
        )


def _detail(request, post, *, comment_form=None, status=200):
    user = request.user
    moderator = user.is_authenticated and selectors.can_moderate(user, post)
    return render(
        request,
        "posts/detail.html",
        {
            "post": post,
            "comments": selectors.visible_comments(post),
            "comment_form": comment_form or CommentForm(),
            "liked": selectors.liked(user, post),
            "is_author": user.is_authenticated and user.pk == post.author_id,
            "moderator": moderator,
            "flags": integrity_selectors.flags_about(post) if moderator else (),
            "approve_form": ApproveForm(post=post) if moderator else None,
            "reason_form": ReasonForm() if moderator else None,
            "appeal_form": AppealForm(),
            **_sharing(request, post),
            "Status": PostStatus,
        },
        status=status,
    )


def detail_view(request, post_id):
    post = selectors.post_for_viewer(request.user, post_id)
    _share_visit(request, post)
    return _detail(request, post)


@login_required
def new_view(request):
    form = PostForm(
        request.POST or None,
        request.FILES or None,
        sections=_sections_for(request.user),
        town_id=request.user.town_id,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            post = services.post_create(
                author=request.user,
                section=d["section"],
                title=d["title"],
                body=d["body"],
                photos=d["photos"],
                claimed_rule_code=d["claimed_rule"] or None,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Thank you! Your post is waiting for review."))
            return redirect("posts:detail", post_id=post.pk)
    return render(request, "posts/form.html", {"form": form}, status=422 if form.errors else 200)


@login_required
def edit_view(request, post_id):
    post = selectors.post_for_viewer(request.user, post_id)
    if post.author_id != request.user.pk:
        raise NotFound()
    initial = {
        "title": post.title,
        "body": post.body,
        "claimed_rule": post.claimed_rule.code if post.claimed_rule else "",
    }
    form = PostForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        editing=True,
        town_id=post.town_id,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.post_edit(
                author=request.user,
                post=post,
                title=d["title"],
                body=d["body"],
                claimed_rule_code=d["claimed_rule"] or None,
                add_photos=d["photos"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Saved. Your post is waiting for review again."))
            return redirect("posts:detail", post_id=post.pk)
    return render(
        request,
        "posts/form.html",
        {"form": form, "post": post},
        status=422 if form.errors else 200,
    )


@login_required
def mine_view(request):
    return render(request, "posts/mine.html", {"posts": selectors.my_posts(request.user)})


@login_required
@require_POST
def comment_view(request, post_id):
    post = selectors.post_for_viewer(request.user, post_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(author=request.user, post=post, body=form.cleaned_data["body"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect(reverse("posts:detail", args=[post.pk]) + "#comments")
    return _detail(request, post, comment_form=form, status=422)


@login_required
@require_POST
def comment_hide_view(request, comment_id):
    try:
        comment = (
            Comment.objects.for_town(request.user.town_id)
            .select_related("post__author")
            .get(pk=comment_id)
        )
    except Comment.DoesNotExist:
        raise NotFound() from None
    services.comment_hide(actor=request.user, comment=comment)
    messages.success(request, _("Comment hidden."))
    return redirect("posts:detail", post_id=comment.post_id)


@login_required
@require_POST
def like_view(request, post_id):
    post = selectors.post_for_viewer(request.user, post_id)
    services.like_toggle(user=request.user, post=post)
    return redirect("posts:detail", post_id=post.pk)


@login_required
@require_POST
def share_record_view(request, post_id):
    post = selectors.post_for_viewer(request.user, post_id)
    services.post_share(user=request.user, post=post)
    return redirect("posts:share", post_id=post.pk)


def share_view(request, post_id):
    """The public share page (Open Graph tags for WeChat Moments), published posts only."""
    post = selectors.post_for_viewer(None, post_id)
    _share_visit(request, post)
    first = post.photos.first()
    sharing = _sharing(request, post, with_token=True)
    token = sharing["share_url"].partition("?")[2]
    return render(
        request,
        "posts/share.html",
        {
            "post": post,
            **sharing,
            "qr_query": token,
            "og_image": request.build_absolute_uri(first.public_thumbnail_url) if first else "",
        },
    )


def share_qr_view(request, post_id):
    """An SVG QR code of the share page's link (published posts only)."""
    post = selectors.post_for_viewer(None, post_id)
    url = request.build_absolute_uri(reverse("posts:share", args=[post.pk]))
    link = share_link_from_token(request.GET.get(TOKEN_PARAM))
    if link is not None and (link.target, link.object_id) == (ShareTarget.POST, post.pk):
        # the sharer's own QR code carries their token (a forged one is left out)
        url = f"{url}?{urlencode({TOKEN_PARAM: request.GET[TOKEN_PARAM]})}"
    return HttpResponse(qr_svg(url), content_type="image/svg+xml")


# --- staff -------------------------------------------------------------------------


@login_required
def queue_view(request):
    require_staff(request.user)
    return render(
        request,
        "posts/queue.html",
        {
            "posts": selectors.moderation_queue(request.user)[:100],
            "flagged": integrity_selectors.open_flagged_ids(Post, request.user.town_id),
            "appeals": selectors.appeal_queue(request.user)[:100],
        },
    )


def _moderate(request, post_id, action):
    post = selectors.post_for_viewer(request.user, post_id)
    try:
        if action == "approve":
            form = ApproveForm(request.POST, post=post)
            form.is_valid()
            choice = form.cleaned_data.get("rule", "")
            post = services.post_approve(
                actor=request.user,
                post=post,
                rule_code=None if choice in ("", ApproveForm.NO_POINTS) else choice,
                no_points=choice == ApproveForm.NO_POINTS,
            )
            messages.success(request, _("Published. %(note)s") % {"note": post.award_note})
        else:
            reason_form = ReasonForm(request.POST)
            if not reason_form.is_valid():
                messages.error(request, _("A reason is required."))
                return redirect("posts:detail", post_id=post.pk)
            service = services.post_reject if action == "reject" else services.post_take_down
            service(actor=request.user, post=post, reason=reason_form.cleaned_data["reason"])
            messages.success(request, _("Done; the author has been told."))
    except DomainError as exc:
        messages.error(request, str(exc.detail))
        return redirect("posts:detail", post_id=post.pk)
    return redirect("posts:queue")


@login_required
@require_POST
def approve_view(request, post_id):
    return _moderate(request, post_id, "approve")


@login_required
@require_POST
def reject_view(request, post_id):
    return _moderate(request, post_id, "reject")


@login_required
@require_POST
def take_down_view(request, post_id):
    return _moderate(request, post_id, "take_down")


@login_required
@require_POST
def appeal_view(request, post_id):
    post = selectors.post_for_viewer(request.user, post_id)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            services.post_appeal(author=request.user, post=post, text=form.cleaned_data["text"])
        except DomainError as exc:
            messages.error(request, str(exc.detail))
        else:
            messages.success(request, _("Your appeal was sent; another staff member decides."))
    else:
        messages.error(request, _("Say why the decision is wrong."))
    return redirect("posts:detail", post_id=post.pk)


@login_required
def appeal_decide_view(request, appeal_id):
    require_staff(request.user)
    appeal = selectors.appeal_for_staff(request.user, appeal_id)
    form = AppealDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.appeal_decide(
                actor=request.user,
                appeal=appeal,
                uphold=form.cleaned_data["decision"] == "uphold",
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Decided; the author has been told."))
            return redirect("posts:queue")
    post = selectors.post_for_viewer(request.user, appeal.post_id)
    return render(
        request,
        "posts/appeal.html",
        {"appeal": appeal, "post": post, "form": form},
        status=422 if form.errors else 200,
    )
