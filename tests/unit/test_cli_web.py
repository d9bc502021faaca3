"""`python -m bot parse/import` with web pages: files and URLs, run as a user runs them."""

from __future__ import annotations

import codecs
import contextlib
import html
import json
import os
import shutil
import sqlite3
import ssl
import subprocess
import sys

import pytest

from tests.conftest import ANNOUNCEMENT, ROOT
from tests.pageserver import WEB_PAGES, PageServer

ALLOW_LOCAL = {"FETCH_ALLOWED_NETWORKS": "127.0.0.1/32"}


@pytest.fixture(scope="module")
def server():
    with PageServer() as running:
        for name in ("forum_cards.html", "forum_recap.html"):
            running.add(f"/{name}", (WEB_PAGES / name).read_bytes())
        running.add("/seed.html", seed_as_html(), "text/html; charset=utf-8")
        running.add("/report.pdf", b"%PDF-1.7\n", "application/pdf")
        running.add("/odd-charset.html", b"<p>Jane Doe is a fellow.</p>",
                    "text/html; charset=x-no-such-charset")
        ok = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
        running.add_raw("/bad-length", ok + b"Content-Length: abc\r\n\r\n<p>Hi</p>")
        running.add_raw("/bad-status", b"\x00\x01garbage\r\n\r\n")
        running.add_raw("/hang-up", b"")
        running.add_raw("/cut-short", ok + b"Content-Length: 9000\r\n\r\n<p>Jane")
        yield running


def seed_as_html() -> bytes:
    """The seed announcement as a site would show it: each name and bio a speaker card."""
    paragraphs = [p.strip() for p in ANNOUNCEMENT.read_text(encoding="utf-8").split("\n\n")]
    intro, cards = paragraphs[:5], paragraphs[5:]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in intro) + "".join(
        f'<div class="speaker"><h4>{html.escape(name)}</h4><p>{html.escape(bio)}</p></div>'
        for name, bio in zip(cards[::2], cards[1::2], strict=True))
    return (f"<html><head><title>Missile Defense | Think Tank</title></head><body>"
            f"<nav><a>Events</a></nav><main><section class=event>{body}</section>"
            f"<aside class=related><div class=speaker><h4>John Whitfield</h4><p>John "
            f"Whitfield is a fellow.</p></div></aside></main></body></html>").encode()


@pytest.fixture
def cli(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DISCORD_", "FETCH_", "DEFAULT_"))}
    env.update(PYTHONPATH=str(ROOT), DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
               EVENTS_DIR=str(ROOT / "data" / "events"))

    def run(*args: str, status: int = 0, **extra_env: str) -> subprocess.CompletedProcess:
        proc = subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path,
                              env=env | extra_env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == status, proc.stderr
        return proc

    run.db = tmp_path / "bot.sqlite3"
    return run


def parsed(proc: subprocess.CompletedProcess) -> list[dict]:
    pages = [json.loads(line) for line in proc.stdout.splitlines()]
    for page in pages:
        del page["file"]
    return pages


def test_parse_json_of_a_url_matches_the_text_page(cli, server):
    urls = [server.url(p) for p in ("/forum_cards.html", "/forum_recap.html", "/seed.html")]
    from_web = parsed(cli("parse", "--json", *urls, **ALLOW_LOCAL))
    from_text = parsed(cli("parse", "--json", str(WEB_PAGES / "forum.txt"),
                           str(WEB_PAGES / "forum_recap.txt"), str(ANNOUNCEMENT)))
    assert from_web[:2] == from_text[:2]
    seed_web, seed_text = from_web[2], from_text[2]
    assert seed_web.pop("title") == "Missile Defense"  # the text page has none
    seed_text.pop("title")
    assert seed_web == seed_text
    assert len(seed_web["people"]) == 5 and seed_web["moderator"] == "Tong Zhao"


def test_an_xhtml_page_served_as_xml_is_read_as_the_web_page_it_is(cli, server):
    """XHTML sites (older Drupal and CMS themes) serve their pages as application/xhtml+xml:
    the import refused them as "not a web page (text/html)"."""
    xhtml = (b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD '
             b'XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
             b'<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en">'
             + (WEB_PAGES / "forum_cards.html").read_bytes().split(b"<html", 1)[1]
             .split(b">", 1)[1])
    server.add("/forum.xhtml", xhtml, "application/xhtml+xml; charset=utf-8")
    pages = parsed(cli("parse", "--json", server.url("/forum.xhtml"),
                       server.url("/forum_cards.html"), **ALLOW_LOCAL))
    assert pages[0] == pages[1] and len(pages[0]["people"]) == 4


def test_a_utf_16_text_page_with_its_mark_is_read_from_a_file_or_a_url(cli, server, tmp_path):
    text = "中美关系研讨会\n\n2026年12月5日 下午3点\n\n北京\n\n主持人：赵通\n"
    data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    (tmp_path / "utf16.txt").write_bytes(data)
    server.add("/utf16.txt", data, "text/plain")
    server.add("/utf16-latin1.txt", data, "text/plain; charset=iso-8859-1")  # the mark wins
    pages = parsed(cli("parse", "--json", str(tmp_path / "utf16.txt"), server.url("/utf16.txt"),
                       server.url("/utf16-latin1.txt"), **ALLOW_LOCAL))
    assert [(p["title"], p["moderator"]) for p in pages] == [("中美关系研讨会", "赵通")] * 3


def test_parse_and_import_read_html_files(cli):
    out = cli("parse", str(WEB_PAGES / "forum_br.html")).stdout
    assert "moderator: Maria de la Cruz" in out and "Whitfield" not in out
    out = cli("import", str(WEB_PAGES / "forum_headings.html"), "--guild", "7").stdout
    assert out.startswith("created event 1 'arctic-shipping-and-security-forum' (4 people")


def test_importing_a_url_again_updates_its_event(cli, server):
    url = server.url("/forum_cards.html")
    first = cli("import", url, "--guild", "7", **ALLOW_LOCAL).stdout
    assert first.startswith("created event 1 'arctic-shipping-and-security-forum' (4 people")
    server.add("/forum_cards.html", (WEB_PAGES / "forum_recap.html").read_bytes())
    again = cli("import", url, "--guild", "7", **ALLOW_LOCAL).stdout
    assert again.startswith("updated event 1 ")  # new text, same address: same event
    conn = sqlite3.connect(cli.db)
    rows = conn.execute("SELECT kind, url FROM pages ORDER BY kind").fetchall()
    conn.close()
    assert rows == [("announcement", url), ("recap", url)]
    server.add("/forum_cards.html", (WEB_PAGES / "forum_cards.html").read_bytes())


@pytest.mark.parametrize(("path", "env", "words"), [
    ("/forum_cards.html", {}, "127.0.0.1 is not a public internet address"),
    ("/elsewhere", ALLOW_LOCAL, "127.0.0.2 is not a public internet address"),
    ("/huge", ALLOW_LOCAL, "too large"),
    ("/report.pdf", ALLOW_LOCAL, "application/pdf, not a web page"),
    ("/slow", ALLOW_LOCAL | {"FETCH_TIMEOUT": "1"}, "did not arrive within 1 seconds"),
    ("/odd-charset.html", ALLOW_LOCAL, "'x-no-such-charset', which I can't read"),
])
def test_refused_urls_get_one_line_and_write_nothing(cli, server, path, env, words):
    server.redirect_to = "http://127.0.0.2:9/secret.html"
    for command in ("parse", "import"):
        proc = cli(command, server.url(path), *(("--guild", "7") if command == "import"
                                                else ()), status=2, **env)
        assert proc.stderr.count("\n") == 1 and words in proc.stderr, proc.stderr
        assert proc.stderr.startswith(f"eventbot: {server.url(path)}: ")
        assert proc.stdout == ""
    assert not cli.db.exists()


@pytest.mark.parametrize(("url", "words"), [
    ("/bad-length", "the server's answer was malformed"),
    ("/bad-status", "the server's answer was malformed"),
    ("/hang-up", "the connection was dropped"),
    ("/cut-short", "the page arrived incomplete or damaged"),
    ("http://127.1/", "the address is not valid"),
    ("http://2130706433/", "the address is not valid"),
])
def test_a_failed_fetch_is_one_plain_sentence(cli, server, url, words):
    url = server.url(url) if url.startswith("/") else url
    proc = cli("import", url, "--guild", "7", status=2, **ALLOW_LOCAL)
    assert proc.stderr == f"eventbot: {url}: I couldn't fetch the page ({words}).\n"


def test_what_a_page_answers_cannot_reorder_or_break_the_error_line(cli, server):
    """A server's own words in the error (its reason phrase) obey no control: a
    right-to-left override would show the operator the line reversed from there on, and a
    line separator break it. They are left out, as spaces."""
    url = server.url("/bidi-reason")
    server.add_raw("/bidi-reason", "HTTP/1.1 404 Gone\u202e evil\u2028x\r\n"
                   "Content-Length: 0\r\nConnection: close\r\n\r\n".encode())
    proc = cli("parse", url, status=2, **ALLOW_LOCAL)
    assert proc.stderr == f"eventbot: {url}: The page answered HTTP 404 Gone evil x.\n"


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory):
    """An https server whose certificate no one vouches for."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with PageServer(tls=context) as running:
        running.add("/event.html", (WEB_PAGES / "forum_cards.html").read_bytes())
        yield running


def test_an_untrusted_certificate_is_named(cli, self_signed):
    url = self_signed.url("/event.html")
    proc = cli("parse", url, status=2, **ALLOW_LOCAL)
    assert proc.stderr == (f"eventbot: {url}: I couldn't fetch the page (the server's "
                           "certificate is not trusted).\n")


GBK_PAGE = ("<html><head><title>中美导弹防御争议</title></head><body><h1>中美导弹防御争议</h1>"
            "<p>2026年12月1日 下午6点</p><p>北京</p><p>主持人：赵通</p><p>主讲人：李彬</p>"
            "</body></html>").encode("gbk")
UNDECLARED = ("The page does not say its character set and is not UTF-8, so its text would "
              "come out garbled; save it as UTF-8 and import that.")


def test_a_page_not_in_utf_8_that_names_no_charset_is_refused(cli, server, tmp_path):
    (tmp_path / "gbk.html").write_bytes(GBK_PAGE)
    url = server.add("/gbk.html", GBK_PAGE, "text/html")
    for page in (str(tmp_path / "gbk.html"), url):
        proc = cli("import", page, "--guild", "7", status=2, **ALLOW_LOCAL)
        assert proc.stderr == f"eventbot: {page}: {UNDECLARED}\n"
    assert not cli.db.exists()
    named = server.add("/gbk-named.html", GBK_PAGE, "text/html; charset=gbk")
    assert "moderator: 赵通" in cli("parse", named, **ALLOW_LOCAL).stdout


@pytest.mark.parametrize("header", ["iso-8859-1", "windows-1252", "gbk", "big5"])
def test_a_utf_8_page_its_server_calls_another_charset_is_read_as_utf_8(cli, server, header):
    """A server's default charset (Apache's AddDefaultCharset ISO-8859-1, a Chinese host's
    GBK) over a page saved in UTF-8: read as the header says, "José García" was saved as
    "JosÃ© GarcÃ­a" and lost as the moderator, or the page was refused as garbled. Bytes
    that are valid UTF-8 with letters outside ASCII are UTF-8: no page in those charsets
    reads so."""
    page = ('<html><head><meta charset="utf-8"><title>Café Talk</title></head><body>'
            "<h1>Café Talk with José García</h1><p>2026年12月1日 下午6点</p>"
            "<p>José García will moderate.</p><p>主讲人：赵通</p></body></html>").encode()
    url = server.add(f"/utf8-called-{header}.html", page, f"text/html; charset={header}")
    out = cli("parse", url, **ALLOW_LOCAL).stdout
    assert "Café Talk with José García" in out
    assert "moderator: José García" in out and "speaker: 赵通" in out


def test_a_charset_named_after_kilobytes_of_inline_css_is_read(cli, tmp_path):
    css = "".join(f".speaker-{n} {{ margin: 0 }}\n" for n in range(300))
    page = GBK_PAGE.replace(b"<head>", f'<head><style>{css}</style><meta charset="gbk">'
                            .encode())
    assert page.index(b"<meta") > 4096
    (tmp_path / "late.html").write_bytes(page)
    out = cli("parse", str(tmp_path / "late.html")).stdout
    assert "moderator: 赵通" in out and "speaker: 李彬" in out


def test_a_page_within_the_limit_whose_text_is_longer_says_so(cli, tmp_path):
    page = tmp_path / "list.html"
    page.write_bytes(b"<ul>" + b"<li>x" * 399_000)  # 1,995,004 bytes
    proc = cli("import", str(page), "--guild", "7", status=2)
    said = proc.stderr.removeprefix(f"eventbot: {page}: The text read from the page is too "
                                    "long (").removesuffix(" bytes; the limit is 2 MB).\n")
    assert int(said.replace(",", "")) > 2_000_000, proc.stderr  # its text's size, not its own
    assert not cli.db.exists()


def test_an_event_folder_may_hold_html_pages(cli, tmp_path):
    folder = tmp_path / "events" / "arctic"
    folder.mkdir(parents=True)
    (folder / "page.html").write_bytes((WEB_PAGES / "forum_cards.html").read_bytes())
    (folder / "event.toml").write_text('title = "Arctic"\ncapacity = 9\npages = ["page.html"]\n')
    out = cli("import", str(folder), "--guild", "7").stdout
    assert out.startswith("created event 1 'arctic' (4 people, 0 takeaways)")


@pytest.mark.parametrize("invisible", ["&lrm;", "&#x202e;", "&#x2800;", "&#x115f;"])
def test_an_og_title_that_shows_nothing_gives_way_to_the_pages_heading(cli, tmp_path,
                                                                       invisible):
    """An og:title of a direction mark alone (as right-to-left templates write it), a
    braille blank or a Hangul filler shows nothing: the import was refused ("title must be
    some text"), a title the moderator never typed, where the page's <h1> names it."""
    page = tmp_path / "forum.html"
    page.write_text(f'<html><head><meta property="og:title" content="{invisible}">'
                    f"<title>Real Forum - Site</title></head><body><h1>Real Forum</h1>"
                    f"{TITLED_BODY}</body></html>", encoding="utf-8")
    cli("import", str(page), "--guild", "1")
    assert event_titles(cli.db) == ["Real Forum"]


def test_a_text_page_opening_with_a_direction_mark_is_named_after_its_file(cli, tmp_path):
    page = tmp_path / "arctic-forum.txt"
    page.write_text("\u200e\n\nDecember 1, 2036, 6:00 PM - 8:00 PM EST\n\nWashington, DC\n\n"
                    "Tong Zhao will moderate a discussion with Li Bin.\n", encoding="utf-8")
    cli("import", str(page), "--guild", "1")
    assert event_titles(cli.db) == ["Arctic Forum"]


def test_a_page_without_a_title_is_named_after_its_long_file_name_cut_short(cli, tmp_path):
    """Refused as "title is longer than 200 characters", which the moderator never typed:
    a file's (or a URL's) name is cut as a page's own long title is."""
    slug = "-".join(["arctic-shipping-and-security-forum-on-the-northern-sea-route"] * 4)
    page = tmp_path / f"{slug}.html"
    page.write_text(f"<html><body>{TITLED_BODY}</body></html>", encoding="utf-8")
    cli("import", str(page), "--guild", "1")
    [title] = event_titles(cli.db)
    assert len(title) <= 200 and title.startswith("Arctic Shipping And Security Forum")
    assert title.endswith("…")


@pytest.mark.parametrize(("start", "said"), [
    ("20361201T180000+0800", "date: 2036-12-01T18:00:00+08:00"),
    ("TBA", "skipped: the start in the page's structured data, 'TBA', is no date I can read"),
])
def test_a_structured_start_in_basic_form_is_read_and_one_that_is_no_date_is_said(
        cli, tmp_path, start, said):
    page = tmp_path / "forum.html"
    block = json.dumps({"@type": "Event", "name": "Real Forum", "startDate": start})
    page.write_text(f'<html><head><script type="application/ld+json">{block}</script></head>'
                    "<body><h1>Real Forum</h1><p>Tong Zhao will moderate a discussion with "
                    "Li Bin.</p></body></html>", encoding="utf-8")
    assert said in cli("parse", str(page)).stdout


TITLED_BODY = ("<p>Tuesday, December 1, 2026, 6:00 PM - 8:00 PM EST</p><p>Washington, DC</p>"
               "<p>Tong Zhao will moderate a discussion with Li Bin.</p>")


def event_titles(db) -> list[str]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return [t for (t,) in conn.execute("SELECT title FROM events WHERE guild_id = 1")]


def test_a_url_in_angle_brackets_is_read_as_its_address_and_its_password_kept_hidden(
        cli, server):
    """A link copied from Discord comes as "<https://…>" (kept from unfurling), which
    /manage import reads as its address. The command line took it for a file's name:
    "cannot read it (No such file or directory)", and, for one with a user name and
    password in it, printed the password back to the terminal (and to a CI log)."""
    url = server.url("/forum_cards.html")
    bracketed = cli("parse", f"<{url}>", "--json", **ALLOW_LOCAL)
    assert parsed(bracketed) == parsed(cli("parse", url, "--json", **ALLOW_LOCAL))
    secret = f"<http://editor:s3cret@127.0.0.1:{server.port}/forum_cards.html>"
    for command in (("parse", secret), ("import", secret, "--guild", "7")):
        proc = cli(*command, status=2, **ALLOW_LOCAL)
        assert "user name or password" in proc.stderr and proc.stderr.count("\n") == 1
        assert "s3cret" not in proc.stderr and "editor" not in proc.stderr, proc.stderr
        assert proc.stdout == ""
    assert not cli.db.exists()
