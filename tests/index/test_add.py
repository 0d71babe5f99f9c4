"""``simbot add``: articles imported from files and from a real web server on 127.0.0.1.

Every refusal (no article, 404, a timeout, a huge page, not HTML, a duplicate, no --yes without
a terminal) is one line on standard error and leaves ``seeds/`` exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from simbot.index.importer import MAX_BYTES, rejoined
from support import INDEX, SEEDS

PARAGRAPHS = [
    "Campaigners have welcomed a decision by a mental health trust in the north of England to "
    "end its use of a police-led scheme that they said was coercive and unsafe.",
    "The trust said it had listened to the people who use its services, and to the coalition of "
    "campaigners who had asked it to stop working with the police in this way.",
    "A spokesperson for the trust said: “We will now work with service-users to design crisis "
    "support that helps people rather than punishing them.”",
]
ARTICLE_HTML = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Trust ends police-led scheme | Test News</title>
<meta property="og:site_name" content="Test News">
<meta property="og:title" content="Trust ends police-led scheme">
<meta property="article:published_time" content="2024-01-31T10:00:00Z">
</head><body>
<header><nav><a href="/">Home</a> | <a href="/news">News</a> | <a href="/about">About</a>
</nav></header>
<main><article><h1>Trust ends police-led scheme</h1>
{"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}
</article>
<section class="comments"><h2>Comments</h2>
<p>Posted by Bob: great news, well done everyone!</p></section>
</main><footer><p>Copyright Test News. All rights reserved. Cookie settings.</p></footer>
</body></html>"""
NO_ARTICLE_HTML = (
    "<html><head><title>Index</title></head><body><nav><a href='/a'>A</a> <a href='/b'>B</a>"
    "</nav><footer>Cookie settings</footer></body></html>"
)


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/article":
            self._send(200, "text/html; charset=utf-8", ARTICLE_HTML.encode())
        elif self.path == "/nothing":
            self._send(200, "text/html", NO_ARTICLE_HTML.encode())
        elif self.path == "/slow":
            time.sleep(3)
            self._send(200, "text/html", ARTICLE_HTML.encode())
        elif self.path == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()  # no length given: the reader must stop by itself
            chunk = b"<p>" + b"word " * 2000 + b"</p>"
            for _ in range(MAX_BYTES // len(chunk) + 2):
                self.wfile.write(chunk)
        elif self.path == "/pdf":
            self._send(200, "application/pdf", b"%PDF-1.4 not a web page")
        else:
            self._send(404, "text/html", b"<html><body>Not found</body></html>")

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    shutil.copytree(INDEX, tmp_path / "index")
    return tmp_path


def simbot(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMBOT_")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1"  # the local server, never a proxy
    return subprocess.run(
        [sys.executable, "-m", "simbot", *args], cwd=project, env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def added(project: Path, before: dict[str, bytes]) -> Path:
    [name] = set(snapshot(project / "seeds")) - set(before)
    return project / "seeds" / name


@pytest.mark.slow
def test_a_web_page_is_added_with_its_metadata_and_cited(project: Path, server: str) -> None:
    before = snapshot(project / "seeds")
    done = simbot(project, "add", "--yes", f"{server}/article")
    assert done.returncode == 0, done.stderr
    assert "3 paragraphs" in done.stdout and "begins: Campaigners have welcomed" in done.stdout
    path = added(project, before)
    assert path.name.startswith("005_") and path.suffix == ".txt"
    # The article's words, one paragraph a line; no navigation, comments or footer.
    assert path.read_text("utf-8") == "".join(f"{p}\n" for p in PARAGRAPHS)
    metadata = tomllib.loads((project / "seeds" / "sources.toml").read_text("utf-8"))
    assert metadata[path.name] == {
        "headline": "Trust ends police-led scheme",
        "publisher": "Test News",
        "date": "2024-01-31",
        "url": f"{server}/article",
    }
    assert simbot(project, "index", "check").returncode == 0
    answer = simbot(project, "ask", "which trust ended the police-led scheme")
    assert f"Test News, 31 January 2024 — Trust ends police-led scheme, ¶1 · {path.name}, ¶1" in (
        answer.stdout
    )
    # The same page again is refused: one line, nothing written.
    again = simbot(project, "add", "--yes", f"{server}/article")
    assert again.returncode == 1
    assert again.stderr.strip() == (
        f"simbot: not added: it has the same address as {path.name}, already in seeds."
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("page", "said"),
    [
        ("/nothing", "no article found in this web page"),
        ("/missing", "the server answered 404 Not Found"),
        ("/slow", "no answer within 0.5 seconds"),
        ("/huge", "larger than 5 MB: not one article"),
        ("/pdf", "not a web page (the server sent application/pdf)"),
    ],
)
def test_a_bad_page_is_one_clear_line_and_changes_nothing(
    project: Path, server: str, page: str, said: str
) -> None:
    before = snapshot(project / "seeds"), snapshot(project / "index")
    done = simbot(project, "add", "--yes", "--timeout", "0.5", f"{server}{page}")
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith(f"simbot: {server}{page}: {said}")
    assert (snapshot(project / "seeds"), snapshot(project / "index")) == before


@pytest.mark.slow
def test_a_copy_of_an_article_under_another_name_is_refused(project: Path) -> None:
    before = snapshot(project / "seeds")
    copy = project / "copy.txt"
    text = (SEEDS / "002_07426c9e770dcb42.txt").read_text("utf-8")
    copy.write_text(text.replace("huge emotional toll", "heavy toll"), "utf-8")
    done = simbot(project, "add", "--yes", str(copy))
    assert done.returncode == 1
    assert "the same text as 002_07426c9e770dcb42.txt" in done.stderr.splitlines()[-1]
    assert snapshot(project / "seeds") == before


@pytest.mark.slow
def test_without_yes_and_without_a_terminal_nothing_is_added(project: Path, server: str) -> None:
    before = snapshot(project / "seeds")
    done = simbot(project, "add", f"{server}/article")
    assert done.returncode == 2
    assert "3 paragraphs" in done.stdout  # what would be added is shown first
    assert done.stderr.splitlines() == [
        "simbot: not added: confirm with --yes (no terminal to ask on)."
    ]
    assert snapshot(project / "seeds") == before


@pytest.mark.slow
def test_hard_wrapped_text_is_rejoined_and_metadata_can_be_given(project: Path) -> None:
    before = snapshot(project / "seeds")
    source = project / "pasted.txt"
    source.write_text("\n\n".join(textwrap.fill(p, 72) for p in PARAGRAPHS) + "\n", "utf-8")
    done = simbot(
        project, "add", "--yes", str(source), "--publisher", "Test News", "--date", "2024-01"
    )
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr
    assert added(project, before).read_text("utf-8").splitlines() == PARAGRAPHS
    bad = simbot(project, "add", "--yes", str(source), "--date", "last week")
    assert bad.returncode == 2 and "--date: 'last week' is not a date" in bad.stderr


@pytest.mark.slow
def test_a_word_document_is_added_with_its_heading_as_headline(project: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Trust ends police-led scheme", level=1)
    for paragraph in PARAGRAPHS:
        document.add_paragraph(paragraph)
    document.save(str(project / "story.docx"))
    before = snapshot(project / "seeds")
    done = simbot(project, "add", "--yes", str(project / "story.docx"))
    assert done.returncode == 0, done.stderr
    path = added(project, before)
    assert path.read_text("utf-8").splitlines() == PARAGRAPHS
    metadata = tomllib.loads((project / "seeds" / "sources.toml").read_text("utf-8"))
    assert metadata[path.name]["headline"] == "Trust ends police-led scheme"
    assert metadata[path.name]["date"] == ""  # a file's own dates say nothing of publication


def test_markdown_and_unknown_files() -> None:
    assert rejoined(["# Heading", "", "one line", "goes on", "", "next"]) == [
        "# Heading", "one line goes on", "next",
    ]  # fmt: skip
    assert rejoined(["A sentence that stops", "mid-way.", "New one."]) == [
        "A sentence that stops mid-way.", "New one.",
    ]  # fmt: skip


@pytest.mark.slow
def test_an_unknown_kind_of_file_is_refused(project: Path) -> None:
    (project / "story.pdf").write_bytes(b"%PDF")
    done = simbot(project, "add", "--yes", str(project / "story.pdf"))
    assert done.returncode == 2
    assert done.stderr.startswith(f"simbot: {project / 'story.pdf'}: cannot import a .pdf")


@pytest.mark.slow
def test_the_first_article_of_an_empty_folder(tmp_path: Path, server: str) -> None:
    done = simbot(tmp_path, "add", "--yes", f"{server}/article")
    assert done.returncode == 0, done.stderr
    [article] = (tmp_path / "seeds").glob("*.txt")
    assert article.name.startswith("000_")
    assert (tmp_path / "seeds" / "sources.toml").read_text("utf-8").startswith("# What is known")
    assert simbot(tmp_path, "index", "check", "--strict").returncode == 0


@pytest.mark.slow
@pytest.mark.parametrize(("reply", "adds"), [("n", False), ("y", True)])
def test_on_a_terminal_it_asks_first(project: Path, server: str, reply: str, adds: bool) -> None:
    before = snapshot(project / "seeds")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMBOT_")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1"
    primary, secondary = os.openpty()  # standard input is a terminal, as for a person
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "simbot", "add", f"{server}/article"], cwd=project, env=env,
            stdin=secondary, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        os.write(primary, f"{reply}\n".encode())
        out, _ = child.communicate(timeout=120)
    finally:
        os.close(primary)
        os.close(secondary)
    assert "3 paragraphs" in out and "Add it to seeds? [y/N]" in out
    assert (child.returncode == 0) is adds
    assert (snapshot(project / "seeds") != before) is adds
