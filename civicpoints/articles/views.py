"""Article pages: the feed, reading (which awards), and the staff desk for articles."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicpoints.accounts.scope import require_staff
from civicpoints.articles import selectors, services
from civicpoints.articles.forms import ArticleForm
from civicpoints.articles.services import ReadOutcome
from civicpoints.core.errors import DomainError
from civicpoints.core.forms import add_domain_error
from civicpoints.sharing.models import ShareTarget
from civicpoints.sharing.pages import share_context, share_visit_from


@login_required
def article_list_view(request):
    page = Paginator(selectors.articles_visible(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "articles/list.html", {"page": page})


@login_required
def article_detail_view(request, article_id):
    """Opening an article records the read and, for residents, earns the reading rule once.

    A GET with a side effect on purpose: "opening" is the act the story rewards;
    ``article_read`` is idempotent, so reloads and prefetches earn nothing more.
    """
    reading = services.article_read(reader=request.user, article_id=article_id)
    article = reading.article
    # a reader who had read it before arriving by a share link is not a new reader
    share_visit_from(
        request,
        target=ShareTarget.ARTICLE,
        object_id=article.pk,
        seen_before=not reading.first_read,
        title=article.title,
    )
    if reading.outcome == ReadOutcome.AWARDED:
        messages.success(
            request,
            _("You earned %(points)d points for reading this article.")
            % {"points": reading.points_earned},
        )
    elif reading.outcome == ReadOutcome.CAP_REACHED:
        messages.info(
            request,
            _(
                "You have reached today's limit for reading articles; "
                "open this one again tomorrow to earn its points."
            ),
        )
    sharing = share_context(
        request,
        target=ShareTarget.ARTICLE,
        object_id=article.pk,
        town_id=article.town_id,
        path=reverse("articles:detail", args=[article.pk]),
        title=article.title,
        description=strip_tags(article.body_html),
        image_url=article.cover.url if article.cover else "",
    )
    return render(request, "articles/detail.html", {"article": article, **sharing})


@login_required
def staff_list_view(request):
    page = Paginator(selectors.articles_for_staff(request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "articles/staff_list.html", {"page": page, "now": timezone.now()})


@login_required
def staff_new_view(request):
    actor = request.user
    require_staff(actor)
    form = ArticleForm(request.POST or None, request.FILES or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            article = services.article_create(
                actor=actor,
                title=d["title"],
                body_markdown=d["body_markdown"],
                community=d["community"],
                published_at=d["published_at"],
                cover=d["cover"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Article saved."))
            return redirect("articles:staff_edit", article_id=article.pk)
    return render(request, "articles/staff_form.html", {"form": form})


@login_required
def staff_edit_view(request, article_id):
    actor = request.user
    article = selectors.article_for_staff(actor, article_id)
    initial = {
        "title": article.title,
        "body_markdown": article.body_markdown,
        "community": article.community_id,
        "published_at": (
            timezone.localtime(article.published_at) if article.published_at else None
        ),
    }
    form = ArticleForm(
        request.POST or None, request.FILES or None, actor=actor, editing=True, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.article_update(
                actor=actor,
                article_id=article.pk,
                title=d["title"],
                body_markdown=d["body_markdown"],
                community=d["community"],
                published_at=d["published_at"],
                cover=d["cover"],
                remove_cover=d["remove_cover"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Article saved."))
            return redirect("articles:staff_edit", article_id=article.pk)
    return render(
        request,
        "articles/staff_form.html",
        {"form": form, "article": article, "now": timezone.now()},
    )


@login_required
@require_POST
def staff_publish_view(request, article_id):
    services.article_publish(actor=request.user, article_id=article_id)
    messages.success(request, _("Article published."))
    return redirect("articles:staff_edit", article_id=article_id)
