"""The web page in a real headless Chromium: typing, bars, highlights, and user text shown as text.

Needs Debian's chromium and chromium-driver and the selenium package; skips with the reason otherwise.
Set TONECLS_SCREENSHOT=path/to/file.png to keep a screenshot for the README.
"""

from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from tonecls.model_file import load_model
from tonecls.serve import make_server, serve_forever

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
STATEMENT = "We strongly condemn this unprovoked attack on our territory and our airspace."
HOSTILE = "<script>alert(1)</script> They will pay a heavy price if the incursions continue."
WAIT = 20  # seconds


def _skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found: apt-get install chromium"
    if not CHROMEDRIVER.exists():
        return f"{CHROMEDRIVER} not found: apt-get install chromium-driver"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: pip install selenium"
    return None


@contextmanager
def serving(model_path):
    """A server for the model on a free port, in a thread, for as long as the block runs."""
    srv = make_server(load_model(model_path), port=0)
    thread = threading.Thread(target=serve_forever, args=(srv,), daemon=True)
    thread.start()
    try:
        yield srv.url
    finally:
        srv.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def page_url(tiny_model_path):
    with serving(tiny_model_path) as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_AVOID_STATS", "true")  # selenium sends no usage statistics
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1100,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


def _classify(browser, url: str, text: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    wait = WebDriverWait(browser, WAIT)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#legend li")))  # /api/info has answered
    box = browser.find_element(By.ID, "input")
    box.clear()
    box.send_keys(text)
    browser.find_element(By.ID, "submit").click()
    wait.until(lambda d: "classified" in d.find_element(By.ID, "status").text)


def test_typing_shows_bars_and_highlights(browser, page_url, tmp_path):
    from selenium.webdriver.common.by import By

    _classify(browser, page_url, STATEMENT)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#results .result")) == 1
    fills = browser.find_elements(By.CSS_SELECTOR, "#results .track .fill")
    assert len(fills) == 4
    assert len(browser.find_elements(By.CSS_SELECTOR, "#results .track .threshold")) == 4
    marks = browser.find_elements(By.CSS_SELECTOR, "#results mark.hl")
    assert marks, "no evidence phrase was highlighted"
    assert any(m.text.lower() == "condemn" for m in marks)
    assert "condemnation +" in next(m for m in marks if m.text.lower() == "condemn").get_attribute("title")
    statement = browser.find_element(By.CSS_SELECTOR, "#results .statement")
    assert statement.text == STATEMENT
    assert "condemnation" in browser.find_element(By.CSS_SELECTOR, "#results .predicted").text

    shot = tmp_path / "tonecls-serve.png"
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000


README_EXAMPLE = "This violation of our sovereignty is completely unacceptable and can have serious consequences."
SHIPPED = Path(__file__).resolve().parent.parent / "models" / "tonecls.model"


@pytest.fixture(scope="module")
def shipped_url():
    with serving(SHIPPED) as url:
        yield url


def test_a_new_user_pastes_the_readme_example_into_the_shipped_model(browser, shipped_url, tmp_path):
    """As the README shows it: the shipped model, the README's example, bars and highlights."""
    from selenium.webdriver.common.by import By

    _classify(browser, shipped_url, README_EXAMPLE)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#results .track .fill")) == 4
    predicted = browser.find_element(By.CSS_SELECTOR, "#results .predicted").text
    assert "condemnation" in predicted and "sovereignty" in predicted
    assert browser.find_elements(By.CSS_SELECTOR, "#results mark.hl"), "no evidence phrase was highlighted"
    shot = tmp_path / "tonecls-serve.png"
    assert browser.save_screenshot(str(shot))
    wanted = os.environ.get("TONECLS_SCREENSHOT")
    if wanted:
        Path(wanted).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, wanted)


def test_several_lines_classify_as_you_type(browser, page_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(page_url)
    box = browser.find_element(By.ID, "input")
    box.send_keys(STATEMENT + "\nWe call on both sides to exercise restraint and return to dialogue.")
    # No click: the page classifies by itself after a short pause in typing.
    WebDriverWait(browser, WAIT).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#results .result")) == 2)
    predicted = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#results .predicted")]
    assert "conciliation" in predicted[1]


def test_markup_in_a_statement_is_shown_not_run(browser, page_url):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    _classify(browser, page_url, HOSTILE)
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 (raises when no alert is open)
    assert browser.find_element(By.CSS_SELECTOR, "#results .statement").text == HOSTILE
    assert browser.find_elements(By.CSS_SELECTOR, "#results script") == []
    assert browser.execute_script("return document.querySelectorAll('script').length") == 1


def test_an_error_from_the_server_is_shown(browser, page_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(page_url)
    browser.execute_script("document.getElementById('input').value = 'a'.repeat(100001);")
    browser.find_element(By.ID, "submit").click()
    WebDriverWait(browser, WAIT).until(lambda d: "limit" in d.find_element(By.ID, "status").text)
    assert browser.find_element(By.ID, "status").text.startswith("Error: text has 100,001 characters")
