"""Markdown is rendered, then sanitized: no scripts, no javascript: links, only our images."""

from civicpoints.articles.rendering import render_markdown


def test_script_and_javascript_links_are_removed():
    # given: Markdown with a script block, javascript: links (Markdown and raw HTML), handlers
    text = (
        "Hello <script>alert('x')</script>\n\n"
        "[click](javascript:alert(1)) "
        '<a href="JaVaScRiPt:alert(2)" onclick="steal()">raw</a> '
        "[data](data:text/html;base64,PHNjcmlwdD4=)"
    )
    # when
    html = render_markdown(text)
    # then: the script and its content, the dangerous hrefs and handlers are gone; text stays
    assert "<script" not in html and "alert('x')" not in html
    assert "javascript" not in html.lower() and "data:" not in html
    assert "onclick" not in html and "steal" not in html
    assert ">click</a>" in html and ">raw</a>" in html


def test_allowed_links_keep_their_href_and_get_a_safe_rel():
    html = render_markdown("[a](https://gov.cn/x) [b](http://a.cn) [c](mailto:x@y.cn) [d](/rules/)")
    for href in ("https://gov.cn/x", "http://a.cn", "mailto:x@y.cn", "/rules/"):
        assert f'href="{href}"' in html
    assert html.count('rel="noopener noreferrer nofollow"') == 4


def test_images_only_from_our_own_storage(settings):
    # given
    settings.MEDIA_URL = "media/"
    settings.STATIC_URL = "static/"
    text = (
        "![ours](/media/articles/a.png) ![static](/static/img/b.png) "
        "![theirs](https://evil.example/t.png) ![sneaky](//evil.example/t.png) "
        '![up](/media/../admin/) <img src="http://evil.example/x.gif" onerror="x()">'
    )
    # when
    html = render_markdown(text)
    # then
    assert 'src="/media/articles/a.png"' in html and 'src="/static/img/b.png"' in html
    assert "evil.example" not in html and "/admin/" not in html and "onerror" not in html


def test_image_paths_are_normalised_before_the_own_origin_check(settings):
    # given: paths that start with /media/ but lead elsewhere once a browser resolves them
    settings.MEDIA_URL = "media/"
    settings.STATIC_URL = "static/"
    sneaky = [
        "/media/%2e%2e/api/v1/me",
        "/media/%2E%2E/%2e%2e/admin/",
        "/media/.%2e/api/v1/me",
        "/media/%252e%252e/api/v1/me",
        "/static/%2e%2e/media/../api/v1/me",
        "/media/..%2fapi/v1/me",
        "/media/../%2F%2Fevil.example/x.gif",
        "/media/a/%5c..%5c..%5capi",
        "/media/./../api/v1/me",
    ]
    text = " ".join(f"![g]({src})" for src in sneaky) + " ![ok](/media/a/./b/../c%20d.png)"
    # when
    html = render_markdown(text)
    # then: every escape is dropped; the harmless one is kept in its resolved form
    assert "api" not in html and "admin" not in html and "evil" not in html, html
    assert html.count("<img") == len(sneaky) + 1
    assert html.count("src=") == 1 and 'src="/media/a/c%20d.png"' in html


def test_markdown_structure_survives_and_headings_start_below_the_title():
    html = render_markdown("# Big\n\n- one\n- two\n\n**bold** and `code`")
    assert "<h2>Big</h2>" in html and "<h1" not in html
    assert (
        "<li>one</li>" in html and "<strong>bold</strong>" in html and "<code>code</code>" in html
    )
