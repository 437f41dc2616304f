"""The public portal as an anonymous visitor sees it: pages per language, honest accreditation
status, search by evidence, the partners' JSON, sitemap and robots, weight and query budgets."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.contrib.staticfiles import finders
from django.test import Client

from caseway.core import versioning
from caseway.core.cache import forget_objects
from caseway.core.testing import SYSTEM, assert_well_nested, make
from caseway.organizations.models import Institution
from caseway.portal import evidence, pagecache, views
from caseway.portal.choices import AccreditationStatus, NewsKind, NewsStatus
from caseway.portal.models import Accreditation, CenterProfile, NewsItem
from caseway.registry.tests.factories import cytoreduction
from caseway.tumorboard.models import Board

TODAY = dt.date(2026, 11, 28)
LANGUAGES = ["en", "ko", "ja", "zh", "ru", "ar", "mn", "vi"]
HTML_BUDGET = 60 * 1024
HTML_AND_CSS_BUDGET = 80 * 1024


@pytest.fixture
def portal(world: SimpleNamespace) -> SimpleNamespace:
    return publish(world)


def publish(world: SimpleNamespace) -> SimpleNamespace:
    """Center A: published profile, an ESGO accreditation granted 2021-10-08 (valid until
    2026-10-08), registry evidence and published news. Center B only declares ovarian cancer."""
    Institution.objects.filter(pk=world.institution_a.pk).update(
        ipc_contact_name="International Health Services",
        ipc_phone="+82-2-3410-0200",
        ipc_email="ihs@hospital-a.test",
    )
    world.esgo = make(
        Accreditation(
            center=world.center_a,
            body="ESGO",
            body_name="European Society of Gynaecological Oncology",
            program_en="Advanced ovarian cancer surgery",
            program_ko="진행성 난소암 수술",
            scope_icd10=["C56"],
            scope_procedure_groups=["ovarian_cytoreduction"],
            granted_on=dt.date(2021, 10, 8),
            public_url="https://www.esgo.org/",
        )
    )
    world.profile_a = make(
        CenterProfile(
            center=world.center_a,
            published=True,
            texts={
                "en": {
                    "summary": "Accredited for advanced ovarian cancer surgery.",
                    "treats": "Ovarian, tubal and peritoneal cancer.",
                    "team": "Gynecologic oncology with radiology and pathology.",
                },
                "ko": {"summary": "진행성 난소암 수술 인증 센터입니다."},
                "ja": {"summary": "進行卵巣がん手術の認定センターです。"},
                "ar": {"treats": "سرطان المبيض وقناة فالوب والصفاق."},
            },
            declared_icd10=["C56"],
            declared_procedure_groups=["ovarian_cytoreduction"],
            published_indicators=[{"profile": "esgo-aoc-2016", "indicator": "complete-resection"}],
        )
    )
    make(
        CenterProfile(
            center=world.center_b,
            published=True,
            texts={"en": {"summary": "We treat ovarian cancer."}},
            declared_icd10=["C56"],
        )
    )
    for day in (dt.date(2025, 5, 12), dt.date(2025, 9, 1), dt.date(2026, 5, 12)):
        cytoreduction(
            world.patient_a,
            condition=world.condition_a,
            date=day,
            adjuvant_chemo_start=day + dt.timedelta(days=28),
        )
    evidence.refresh(today=TODAY)
    make(
        Board(
            center=world.center_a,
            code="gyn-board",
            name_en="Gynecologic cancer board",
            name_ko="부인암 다학제 진료",
            tumor_sites=["C56"],
            quorum=["obstetrics_gynecology", "radiology", "pathology_translational_genomics"],
            weekday=1,
            start_time=dt.time(17, 0),
            duration_minutes=60,
            mode="in_person",
            location="Room 3",
        )
    )
    world.news = make(
        NewsItem(
            center=world.center_a,
            kind=NewsKind.ANNOUNCEMENT,
            status=NewsStatus.PUBLISHED,
            texts={
                "en": {"title": "New operating rooms", "body": "Two new rooms opened."},
                "ko": {"title": "새 수술실", "body": "수술실 두 곳을 열었습니다."},
            },
            event_date=dt.date(2026, 6, 1),
        )
    )
    world.draft = make(
        NewsItem(
            center=world.center_a,
            kind=NewsKind.ANNOUNCEMENT,
            texts={"en": {"title": "Not yet public"}},
            event_date=dt.date(2026, 7, 1),
        )
    )
    return world


def page_urls(world: SimpleNamespace, lang: str = "en") -> list[str]:
    return [
        f"/portal/{lang}/",
        f"/portal/{lang}/institutions/{world.institution_a.code}/",
        f"/portal/{lang}/centers/{world.center_a.code}/",
        f"/portal/{lang}/search/",
        f"/portal/{lang}/search/?q=ovarian+cancer",
        f"/portal/{lang}/news/{world.news.pk}/",
    ]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- anonymous, cacheable, no script -------------------------------------------------------------
def test_every_page_is_public_cacheable_and_without_script(portal: Any) -> None:
    client = Client()
    for lang in ("en", "ko", "ar"):
        for url in page_urls(portal, lang):
            response = client.get(url)
            assert response.status_code == 200, url
            assert "public" in response["Cache-Control"]
            assert "max-age=300" in response["Cache-Control"]
            assert response["Content-Language"] == lang
            assert not response.cookies, f"{url} set {list(response.cookies)}"
            html = response.content.decode()
            assert "<script" not in html.lower(), url
            assert html.count("<h1") == 1, url
            assert_well_nested(html)
            for landmark in ("<header", "<nav", "<main", "<footer", 'href="#main"'):
                assert landmark in html, (url, landmark)
    assert "sessionid" not in client.cookies
    assert not Session.objects.exists()  # nothing was written to a session


def test_a_signed_in_visitor_gets_the_same_page_but_not_for_shared_caches(portal: Any) -> None:
    """The staff site's middleware may renew a session cookie on any response: such a
    response must not be kept by a shared cache."""
    client = Client()
    client.force_login(portal.clinician_user_a)
    response = client.get(f"/portal/en/centers/{portal.center_a.code}/")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    assert "clin-a@test.kr" not in response.content.decode()  # nothing personal on the page


def test_root_redirects_by_accept_language(db: Any) -> None:
    client = Client()
    cases = {
        "ko-KR,ko;q=0.9,en;q=0.8": "/portal/ko/",
        "fr-FR,fr;q=0.9": "/portal/en/",
        "de;q=1, mn;q=0.7, en;q=0.5": "/portal/mn/",
        "en;q=0.2, ar;q=0.9": "/portal/ar/",
        "": "/portal/en/",
    }
    for header, target in cases.items():
        response = client.get("/portal/", headers={"Accept-Language": header})
        assert response.status_code == 302
        assert response["Location"] == target, header
        assert "Accept-Language" in response["Vary"]


def test_unknown_pages_are_404_in_the_portal_layout(portal: Any) -> None:
    client = Client()
    for url in (
        "/portal/en/centers/no-such-center/",
        "/portal/ko/institutions/no-such-institution/",
        f"/portal/en/news/{portal.draft.pk}/",  # a draft is not public
        "/portal/en/news/999999/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        html = response.content.decode()
        assert 'class="top"' in html and "<main" in html
        assert 'name="robots" content="noindex"' in html
    for url in ("/portal/xx/", "/portal/ko/no-such-page/"):  # not a content language, a page
        response = client.get(url)
        assert response.status_code == 404
        assert 'class="top"' in response.content.decode()
    assert '<html lang="ko"' in response.content.decode()
    assert client.get("/portal/en").status_code == 301  # APPEND_SLASH still applies


# --- languages and SEO ---------------------------------------------------------------------------
def test_alternates_canonical_and_open_graph_are_absolute(portal: Any) -> None:
    path = f"/portal/ko/centers/{portal.center_a.code}/"
    html = Client().get(path).content.decode()
    for lang in LANGUAGES:
        href = f"http://testserver/portal/{lang}/centers/{portal.center_a.code}/"
        assert f'<link rel="alternate" hreflang="{lang}" href="{href}">' in html
    assert (
        '<link rel="alternate" hreflang="x-default" '
        f'href="http://testserver/portal/en/centers/{portal.center_a.code}/">' in html
    )
    assert f'<link rel="canonical" href="http://testserver{path}">' in html
    og = dict(re.findall(r'<meta property="(og:[a-z:_]+)" content="([^"]*)"', html))
    assert og["og:url"] == f"http://testserver{path}"
    assert og["og:locale"] == "ko_KR"
    assert og["og:type"] == "website"
    assert "암센터 A" in og["og:title"]
    assert og["og:description"] == "진행성 난소암 수술 인증 센터입니다."
    assert og["og:site_name"] == "시험 협회"
    assert len(re.findall(r'property="og:locale:alternate"', html)) == len(LANGUAGES) - 1
    assert '<html lang="ko" dir="ltr">' in html
    news = Client().get(f"/portal/en/news/{portal.news.pk}/").content.decode()
    assert '<meta property="og:type" content="article">' in news


def test_other_languages_show_the_centers_text_with_a_fallback(portal: Any) -> None:
    client = Client()
    ja = client.get(f"/portal/ja/centers/{portal.center_a.code}/").content.decode()
    assert '<html lang="ja" dir="ltr">' in ja
    assert '<body lang="en">' in ja  # the interface falls back to English
    assert '<p class="lead" lang="ja">進行卵巣がん手術の認定センターです。</p>' in ja
    assert '<p lang="en">Ovarian, tubal and peritoneal cancer.</p>' not in ja  # same as body
    assert "Ovarian, tubal and peritoneal cancer." in ja  # English fallback for "treats"
    ar = client.get(f"/portal/ar/centers/{portal.center_a.code}/").content.decode()
    assert '<html lang="ar" dir="rtl">' in ar
    assert '<body lang="en" dir="ltr">' in ar  # the English interface reads left to right
    assert '<p lang="ar" dir="rtl">سرطان المبيض وقناة فالوب والصفاق.</p>' in ar
    assert "Accredited for advanced ovarian cancer surgery." in ar  # no Arabic: English
    assert 'lang="ar" dir="rtl"' in ar  # the switcher's own name of Arabic
    ko = client.get(f"/portal/ko/centers/{portal.center_a.code}/").content.decode()
    # Korean has no "treats" text: the English one, marked as English.
    assert '<p lang="en">Ovarian, tubal and peritoneal cancer.</p>' in ko
    for lang in LANGUAGES:  # the switcher links to this page in every language
        assert f'href="/portal/{lang}/centers/{portal.center_a.code}/" hreflang="{lang}"' in ko


def test_sitemap_lists_every_page_with_its_alternates(portal: Any) -> None:
    response = Client().get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    root = ET.fromstring(response.content)  # noqa: S314 (our own output)
    urls = root.findall("s:url", ns)
    locs = {u.findtext("s:loc", namespaces=ns) for u in urls}
    base = "http://testserver/portal"
    for lang in LANGUAGES:
        assert f"{base}/{lang}/" in locs
        assert f"{base}/{lang}/centers/{portal.center_a.code}/" in locs
        assert f"{base}/{lang}/centers/{portal.center_b.code}/" in locs
        assert f"{base}/{lang}/institutions/{portal.institution_a.code}/" in locs
        assert f"{base}/{lang}/news/{portal.news.pk}/" in locs
    assert not any(f"/news/{portal.draft.pk}/" in loc for loc in locs)
    # 1 home + 2 institutions + 2 centers + 1 news item, in every language
    assert len(urls) == 6 * len(LANGUAGES)
    links = urls[0].findall("x:link", ns)
    assert {link.get("hreflang") for link in links} == {*LANGUAGES, "x-default"}
    assert all(link.get("href", "").startswith("http://testserver/") for link in links)


def test_robots_points_to_the_sitemap_and_keeps_crawlers_off_the_staff_site(db: Any) -> None:
    response = Client().get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Allow: /portal/" in lines
    assert "Disallow: /" in lines  # the staff site: records, registry, people, API ...


# --- the center page -----------------------------------------------------------------------------
def test_center_page_shows_what_the_center_publishes_and_the_registry_computes(
    portal: Any,
) -> None:
    html = Client().get(f"/portal/en/centers/{portal.center_a.code}/").content.decode()
    text = text_of(html)
    assert "Cancer Center A" in text and "Hospital A" in text and "Seoul" in text
    assert "Ovarian, tubal and peritoneal cancer." in text
    assert "Gynecologic oncology with radiology and pathology." in text
    assert "ESGO: Advanced ovarian cancer surgery" in text
    assert "Computed from the association's surgical registry on" in text
    assert "not typed in by the center" in text
    assert re.search(r"<th scope=\"row\">2025</th><td>2</td><td>0</td>", html)
    assert re.search(r"<th scope=\"row\">2026</th><td>1</td><td>0</td>", html)
    row = re.search(r'<tr data-indicator="complete-resection">(.*?)</tr>', html, re.S)
    assert row is not None
    cells = text_of(row.group(1))
    assert "2025" in cells and "100.0%" in cells and "2 / 2" in cells and "\u2013" in cells
    assert "optimal" in cells or "minimum" in cells or "not met" in cells
    assert '<a href="tel:+82234100200">+82-2-3410-0200</a>' in html
    assert '<a href="mailto:ihs@hospital-a.test">ihs@hospital-a.test</a>' in html
    assert "International Health Services" in text
    assert "New operating rooms" in text
    assert "Not yet public" not in text
    assert "Dr A" in text and "Imaging" in text and "Korean, English" in text
    assert "Radiology" in text  # the department
    assert (
        "Gynecologic cancer board</span>: Obstetrics and gynecology, Radiology, "
        "Pathology and translational genomics" in html
    )
    assert f'href="/portal/centers/{portal.center_a.code}.json"' in html


def test_an_unpublished_profile_shows_no_texts(portal: Any) -> None:
    CenterProfile.objects.filter(pk=portal.profile_a.pk).update(published=False)
    html = Client().get(f"/portal/en/centers/{portal.center_a.code}/").content.decode()
    assert "Accredited for advanced ovarian cancer surgery." not in html
    assert "Ovarian, tubal and peritoneal cancer." not in html


def test_accreditation_granted_in_october_2021_is_shown_honestly(
    portal: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Granted 2021-10-08 for five years: valid until 2026-10-08; on 2026-11-28 expired."""
    esgo = Accreditation.objects.get(pk=portal.esgo.pk)
    assert esgo.valid_until == dt.date(2026, 10, 8)
    lines = {
        day: views.accreditation_status_line(esgo, esgo.status(day))
        for day in (dt.date(2025, 1, 1), dt.date(2026, 6, 1), TODAY)
    }
    assert lines[dt.date(2025, 1, 1)] == "Valid until 2026-10-08"
    assert lines[dt.date(2026, 6, 1)] == "Valid until 2026-10-08; renewal due"
    assert lines[TODAY] == "Expired on 2026-10-08"

    client = Client()
    url = f"/portal/en/centers/{portal.center_a.code}/"
    html = client.get(url).content.decode()
    card = re.search(r'<li class="card accreditation (.*?)</li>', html, re.S)
    assert card is not None
    assert 'data-status="expired"' in card.group(0)
    assert "is-lapsed" in card.group(1)
    assert "Expired on 2026-10-08" in text_of(card.group(0))
    assert "Valid until" not in text_of(card.group(0))
    assert "✓" not in html and "✔" not in html  # never a tick

    capture_commits = django_capture_on_commit_callbacks
    # The coordinator records the renewal: the kept page is rendered again at once.
    assert client.get(url)["X-Cache"] == "hit"
    with capture_commits(execute=True):
        versioning.update(
            SYSTEM, esgo, esgo.version, {"renewal_submitted_on": dt.date(2026, 9, 15)}
        )
    esgo.refresh_from_db()
    assert esgo.status(TODAY) == AccreditationStatus.RENEWAL_PENDING
    card_text = text_of(client.get(url).content.decode())
    assert "Expired on 2026-10-08; renewal submitted on 2026-09-15, pending" in card_text
    assert "Valid until" not in card_text  # the status in words, not colour only


# --- search --------------------------------------------------------------------------------------
def _results(html: str) -> list[str]:
    return re.findall(r'<li class="result" data-testid="result">(.*?)</li>\s*</ul>', html, re.S)


@pytest.mark.parametrize(
    ("lang", "q"), [("en", "ovarian cancer"), ("ko", "난소암"), ("en", "C56"), ("ko", "C56")]
)
def test_search_finds_the_center_with_reasons(portal: Any, lang: str, q: str) -> None:
    response = Client().get(f"/portal/{lang}/search/", {"q": q})
    assert response.status_code == 200
    html = response.content.decode()
    items = re.findall(
        r'data-testid="result">(.*?)</li>\s*(?=<li class="result"|</ol>)', html, re.S
    )
    assert items, html
    first = text_of(items[0])
    center_a = "암센터 A" if lang == "ko" else "Cancer Center A"
    assert center_a in first
    assert 'data-testid="reasons"' in items[0]
    understood = re.search(r'data-testid="understood">(.*?)</p>', html, re.S)
    assert understood is not None and "<strong>" in understood.group(1)


def test_a_center_that_only_declares_ranks_below_one_with_evidence(portal: Any) -> None:
    html = Client().get("/portal/en/search/", {"q": "ovarian cancer"}).content.decode()
    names = re.findall(r'<h3><a href="/portal/en/centers/([a-z0-9-]+)/"', html)
    assert names == [portal.center_a.code, portal.center_b.code]
    second = html.split('data-testid="result"')[2]
    assert "no registry evidence" in second.split("</li>\n")[0] or "no registry evidence" in second


def test_search_says_what_it_did_not_understand_and_helps_when_nothing_matches(
    portal: Any,
) -> None:
    client = Client()
    empty = client.get("/portal/en/search/").content.decode()
    assert 'data-testid="search-empty"' in empty
    assert 'href="/portal/en/search/?q=C56"' in empty
    html = client.get(
        "/portal/en/search/", {"q": "ovarian cancer zzyzx", "city": "Busan", "language": "ar"}
    ).content.decode()
    unmatched = re.search(r'data-testid="unmatched">(.*?)</p>', html, re.S)
    assert unmatched is not None and "zzyzx" in unmatched.group(1)
    if 'data-testid="no-results"' in html:
        assert "without the language and city filters" in html
    assert '<option value="ar" selected>' in html
    assert '<option value="Busan" selected>' in html


def test_search_form_fields_have_visible_labels(portal: Any) -> None:
    html = Client().get("/portal/en/").content.decode()
    for field in ("q", "language", "city"):
        assert f'<label for="{field}">' in html
        assert f'id="{field}"' in html


# --- partners' JSON ------------------------------------------------------------------------------
def test_center_json_for_partners(portal: Any) -> None:
    client = Client()
    response = client.get(f"/portal/centers/{portal.center_a.code}.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert not response.cookies
    data = response.json()
    assert data["code"] == portal.center_a.code
    assert data["name"] == {"en": "Cancer Center A", "ko": "암센터 A"}
    assert data["url"] == f"http://testserver/portal/en/centers/{portal.center_a.code}/"
    [esgo] = data["accreditations"]
    assert esgo["status"] == "expired"
    assert esgo["valid_until"] == "2026-10-08"
    assert {"annual", "milestones", "indicators"} <= set(data["evidence"])
    assert data["evidence_computed_at"]
    assert data["international_patient_center"]["phone"] == "+82-2-3410-0200"
    missing = client.get("/portal/centers/no-such-center.json")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/json"
    assert missing["Access-Control-Allow-Origin"] == "*"
    assert missing.json()["error"] == "not_found"


# --- budgets -------------------------------------------------------------------------------------
def test_center_page_weight_budget(portal: Any) -> None:
    html = Client().get(f"/portal/en/centers/{portal.center_a.code}/").content
    css_path = finders.find("portal/portal.css")
    assert isinstance(css_path, str)
    with open(css_path, "rb") as css:
        css_size = len(css.read())
    assert len(html) < HTML_BUDGET, len(html)
    assert len(html) + css_size < HTML_AND_CSS_BUDGET
    assert html.count(b'rel="stylesheet"') == 1
    assert b"<img" not in html and b"fonts.googleapis" not in html and b"@font-face" not in html


@pytest.mark.parametrize(
    ("name", "budget"),
    [("home", 3), ("institution", 5), ("center", 8), ("search", 8), ("news", 2), ("json", 7)],
)
def test_queries_per_page_are_pinned(
    portal: Any,
    django_assert_max_num_queries: Any,
    django_assert_num_queries: Any,
    name: str,
    budget: int,
) -> None:
    """``budget`` queries to render a page, six more to look it up and keep it (the database
    cache counts its rows and writes in a transaction); once kept, a page costs one query."""
    urls = {
        "home": "/portal/en/",
        "institution": f"/portal/en/institutions/{portal.institution_a.code}/",
        "center": f"/portal/en/centers/{portal.center_a.code}/",
        "search": "/portal/en/search/?q=ovarian+cancer&language=en&city=Seoul",
        "news": f"/portal/en/news/{portal.news.pk}/",
        "json": f"/portal/centers/{portal.center_a.code}.json",
    }
    client = Client()
    pagecache.generation()  # this worker knows the current generation
    with django_assert_max_num_queries(budget + 6):
        first = client.get(urls[name])
    assert first.status_code == 200 and first["X-Cache"] == "miss"
    with django_assert_num_queries(1):
        again = client.get(urls[name])
    assert again["X-Cache"] == "hit" and again.content == first.content
    assert again["Cache-Control"] == first["Cache-Control"]


def test_staff_without_a_second_factor_still_read_the_portal(world: Any) -> None:
    from caseway.accounts.roles import Role
    from caseway.core.testing import person

    newcomer = person(
        "new-coord@test.kr", Role.CENTER_COORDINATOR, with_totp=False, center=world.center_a
    )
    client = Client()
    client.force_login(newcomer)
    assert client.get("/portal/en/").status_code == 200
    assert client.get("/sitemap.xml").status_code == 200
    assert client.get("/registry/").status_code == 302  # the staff site still asks for it


def test_a_search_lists_the_strongest_and_says_how_many_matched(portal: Any) -> None:
    from caseway.portal import public

    found = public.search("ovarian cancer", limit=1)
    assert found.total == 2 and [r.center.code for r in found.results] == [portal.center_a.code]
    forget_objects()
    html = Client().get("/portal/en/search/", {"q": "ovarian cancer"}).content.decode()
    assert "2 centers found." in html


def test_operations_summed_in_sql_equal_the_rankings_own_matching(world: Any) -> None:
    """Search sums the matching volume cells in SQL (``public.operations_for``); on random
    cells and queries that must give what the engine counts from the cells themselves."""
    import random

    from caseway.portal import public, ranking, vocabulary
    from caseway.portal.models import VolumeCell

    rng = random.Random(7)
    centers = [world.center_a, world.center_b]
    codes = ["C56", "C54", "C61", "C64", "K80", ""]
    groups = ["ovarian_cytoreduction", "hysterectomy", "prostatectomy", "nephrectomy"]
    approaches = ["open", "laparoscopic", "robotic_multiport", "robotic_single_port"]
    cells = {center.pk: [] for center in centers}
    for center in centers:
        for _n in range(60):
            cell = ranking.VolumeCell(
                icd10=rng.choice(codes),
                procedure_group=rng.choice(groups),
                approach=rng.choice(approaches),
                count_12m=rng.choice([0, 1, 3, 20, 140]),
            )
            cells[center.pk].append(cell)
            VolumeCell.objects.create(center=center, **vars(cell))
    queries = ["C56", "C5", "C56.9", "ovarian cancer", "robotic prostatectomy", "C", "K80 C61",
               "single-port surgery", "robotic hysterectomy for endometrial cancer",
               "nephrectomy"]  # fmt: skip
    for text in queries:
        query = vocabulary.parse(text)
        matcher = ranking._Matcher(query)
        expected = {}
        for center in centers:
            facts = SimpleNamespace(volumes=cells[center.pk])
            count = ranking._operations(facts, matcher)  # type: ignore[arg-type]
            if count:
                expected[center.pk] = count
        assert public.operations_for(query) == expected, text
    assert any(public.operations_for(vocabulary.parse(text)) for text in queries)
