"""The /label page in a real headless Chromium: keys, the file on disk, undo, retrain, and text shown as text.

Needs Debian's chromium and chromium-driver and the selenium package; skips with the reason otherwise.
Set TONECLS_LABEL_SCREENSHOT=path/to/file.png to keep a screenshot for the README (this also retrains
the shipped model's settings on the checkout's statements/, which takes minutes).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from tonecls.label_web import LabelDesk
from tonecls.model_file import load_model
from tonecls.pool import read_pool
from tonecls.serve import make_server, serve_forever
from tonecls.tones import TONES

from .conftest import write_jsonl
from .test_serve_browser import browser  # noqa: F401 (the fixture: one headless Chromium for this module)

ROOT = Path(__file__).resolve().parent.parent
WAIT = 20  # seconds
HOSTILE = '<img src=x onerror="alert(1)"> They will pay a heavy price <script>alert(2)</script> if this goes on.'
POOL = [
    "The ministry condemned the raid on its border post as a blatant violation.",
    "We call on both sides to show restraint and return to talks.",
    HOSTILE,
    "The delegation will arrive on Tuesday for trade talks.",
]


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@contextmanager
def label_server(model_path, pool_path, into, base):
    model = load_model(model_path)
    desk = LabelDesk(model, read_pool(pool_path) if pool_path else [], into, retrain_base=base)
    srv = make_server(model, port=0, labeler=desk)
    thread = threading.Thread(target=serve_forever, args=(srv,), daemon=True)
    thread.start()
    try:
        yield srv.url + "label", desk
    finally:
        srv.shutdown()
        thread.join(timeout=10)
        desk.retrainer.join(timeout=600)


def open_page(driver, url):
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element("id", "status").text.startswith("Ready"))


def pressed(driver) -> set[str]:
    return {
        b.get_attribute("data-tone")
        for b in driver.find_elements("css selector", "#tones .tone")
        if b.get_attribute("aria-pressed") == "true"
    }


def press(driver, *keys) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    chain = ActionChains(driver)
    for key in keys:
        chain.send_keys(key)
    chain.perform()


def wait_for(driver, condition, message="", timeout=WAIT) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: condition(), message)


def test_keys_label_undo_and_retrain(browser, tiny_model_path, tiny_data, tmp_path):  # noqa: F811
    from selenium.webdriver.common.keys import Keys

    pool = write_jsonl(tmp_path / "pool.jsonl", [{"id": f"p{i}", "text": t} for i, t in enumerate(POOL)])
    into = tmp_path / "labels.jsonl"
    with label_server(tiny_model_path, pool, into, [tiny_data]) as (url, desk):
        open_page(browser, url)
        text = browser.find_element("id", "text")
        first = desk.queue[0]
        assert text.text == first.text
        assert browser.find_element("id", "meta").text.startswith(f"1 of 4 · {first.id}")
        guess = set(desk.item(0)["guess"]["tones"])
        assert pressed(browser) == guess, "the model's guess starts out selected"

        press(browser, "1", "3")
        wanted = guess ^ {"condemnation", "threat"}
        assert pressed(browser) == wanted
        press(browser, Keys.ENTER)
        wait_for(browser, lambda: len(lines(into)) == 1, "the label never reached the file")
        assert lines(into)[0]["id"] == first.id
        assert lines(into)[0]["labels"] == [t for t in TONES if t in wanted]
        wait_for(browser, lambda: text.text == desk.queue[1].text, "the next statement did not show")
        assert len(lines(into)) == 1, "Enter saved once"

        press(browser, "u")
        wait_for(browser, lambda: lines(into) == [], "undo did not take the label out of the file")
        wait_for(browser, lambda: text.text == first.text, "undo did not go back to the statement")
        assert pressed(browser) == wanted, "the undone labels come back selected"
        assert browser.find_element("id", "saved").get_attribute("hidden") is not None

        press(browser, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
        wait_for(browser, lambda: browser.find_element("id", "meta").text.startswith("3 of 4"))
        press(browser, Keys.ARROW_LEFT)
        wait_for(browser, lambda: browser.find_element("id", "meta").text.startswith("2 of 4"))
        press(browser, Keys.ENTER)
        wait_for(browser, lambda: len(lines(into)) == 1)
        assert lines(into)[0]["id"] == desk.queue[1].id

        assert browser.find_elements("css selector", "#old-table table")
        browser.find_element("id", "retrain").click()
        status = browser.find_element("id", "retrain-status")
        wait_for(browser, lambda: status.text.startswith("Done"), "the retraining did not finish", 120)
        assert str(tmp_path / "labels-retrain-1.model") in status.text
        assert (tmp_path / "labels-retrain-1.model").is_file()
        rows = browser.find_elements("css selector", "#new-table tr")
        assert [r.find_elements("css selector", "td")[0].text for r in rows[1:]] == [*TONES, "macro-F1"]
        new = desk.retrainer.status()["new"]["systems"]["tonecls"]
        assert rows[-1].find_elements("css selector", "td")[3].text.startswith(f"{new['macro_f1']:.3f} ± ")
        caption = browser.find_element("css selector", "#new-table caption").text
        assert "scored on 21 real statements" in caption, "the tiny data and the one label"


def test_markup_in_a_statement_and_its_context_is_shown_not_run(browser, tiny_model_path, tmp_path):  # noqa: F811
    from selenium.common.exceptions import NoAlertPresentException

    context = f"<b>Before.</b> {HOSTILE} <iframe src=x></iframe>"
    pool = write_jsonl(tmp_path / "pool.jsonl", [{"id": "h1", "text": HOSTILE, "context": context}])
    with label_server(tiny_model_path, pool, tmp_path / "labels.jsonl", []) as (url, _):
        open_page(browser, url)
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text  # noqa: B018 (raises when no alert is open)
        assert browser.find_element("id", "text").text == HOSTILE
        assert browser.find_element("id", "context").text == context
        assert browser.find_element("css selector", "#context mark").text == HOSTILE
        assert browser.execute_script("return document.querySelectorAll('script, img, iframe, b').length") == 1


def test_a_refused_request_is_shown_and_the_page_stays(browser, tiny_model_path, tmp_path):  # noqa: F811
    from selenium.webdriver.common.keys import Keys

    pool = write_jsonl(tmp_path / "pool.jsonl", [{"id": "p0", "text": POOL[0]}, {"id": "p1", "text": POOL[1]}])
    into = tmp_path / "labels.jsonl"
    with label_server(tiny_model_path, pool, into, []) as (url, desk):
        open_page(browser, url)
        into.mkdir()  # the file cannot be written now
        press(browser, Keys.ENTER)
        status = browser.find_element("id", "status")
        wait_for(browser, lambda: status.text.startswith("Error: not saved: "), "no error shown")
        assert browser.find_element("id", "text").text == desk.queue[0].text, "the page did not move on"
        browser.find_element("id", "retrain").click()
        retrain = browser.find_element("id", "retrain-status")
        wait_for(browser, lambda: "too few labeled statements" in retrain.text)


def test_the_shipped_model_labels_the_example_article(browser, tmp_path, monkeypatch):  # noqa: F811
    """As the README shows it: the shipped model, a pool extracted from examples/article.txt, run from a copy
    of the checkout's files so that the page shows the short paths a user sees."""
    from click.testing import CliRunner

    from tonecls.cli import cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").mkdir()
    shutil.copyfile(ROOT / "examples" / "article.txt", tmp_path / "examples" / "article.txt")
    shutil.copytree(ROOT / "statements", tmp_path / "statements")
    extracted = CliRunner().invoke(cli, ["extract", "examples/article.txt", "--out", "pool.jsonl"])
    assert extracted.exit_code == 0, extracted.output
    shipped = ROOT / "models" / "tonecls.model"
    into = Path("new-labels.jsonl")
    wanted = os.environ.get("TONECLS_LABEL_SCREENSHOT")
    with label_server(shipped, Path("pool.jsonl"), into, [Path("statements")]) as (url, desk):
        open_page(browser, url)
        assert browser.find_element("id", "text").text == desk.queue[0].text
        assert len(browser.find_elements("css selector", "#tones .tone")) == 4
        assert browser.find_element("id", "into").text.startswith(f"Saving to {into}. 0 labeled in this session")
        if not wanted:
            return
        from selenium.webdriver.common.keys import Keys

        browser.set_window_size(1100, 1120)
        press(browser, Keys.ENTER)
        wait_for(browser, lambda: len(lines(into)) == 1)
        browser.find_element("id", "retrain").click()
        status = browser.find_element("id", "retrain-status")
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(browser, 900, poll_frequency=1).until(lambda d: status.text.startswith(("Done", "Failed")))
        assert status.text.startswith("Done"), status.text
        shown = next(i for i, s in enumerate(desk.queue) if i and s.meta.get("context") not in (None, s.text))
        press(browser, *[Keys.ARROW_RIGHT] * (shown - 1))  # to a statement whose context says more
        wait_for(browser, lambda: browser.find_element("id", "meta").text.startswith(f"{shown + 1} of "))
        browser.execute_script("window.scrollTo(0, 0)")
        shot = tmp_path / "tonecls-label.png"
        assert browser.save_screenshot(str(shot))
        wanted = ROOT / wanted if not os.path.isabs(wanted) else Path(wanted)  # the test ran in tmp_path
        wanted.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, wanted)
