"""/docs in a real browser: headless Chromium (Debian's chromium and chromium-driver, which
`make test` installs with scripts/browser-deps.sh) driven by Selenium opens Swagger UI, authorizes
with a client-credentials client, runs GET /api/v1/warehouses/getall and sees its 200, with no
Content-Security-Policy violation on the page.

It runs once per .ci/run, in the SQLite pass only: skipped when WMS_TEST_DATABASE_URL is set (the
page and its calls do not depend on the database). Every wait is bounded (WebDriverWait).
"""
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
WAIT = 30

pytestmark = [
    pytest.mark.skipif(bool(os.environ.get("WMS_TEST_DATABASE_URL")),
                       reason="runs in the SQLite pass of .ci/run only"),
    pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
                       reason="needs Debian's chromium and chromium-driver "
                              "(scripts/browser-deps.sh)"),
]
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ready  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def server(app):
    """The app on a free port of 127.0.0.1, in a thread."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(WAIT)
    httpd.server_close()


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1280,2000",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options,
                              service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    yield driver
    driver.quit()


def test_authorize_with_client_credentials_and_run_a_call(server, browser, oauth_client, demo):
    client, secret = oauth_client
    wait = WebDriverWait(browser, WAIT)
    browser.get(f"{server}/docs#/warehouses/get_api_v1_warehouses_getall")

    wait.until(ready.element_to_be_clickable((By.CSS_SELECTOR, "button.authorize"))).click()
    wait.until(ready.visibility_of_element_located(
        (By.ID, "client_id_clientCredentials"))).send_keys(str(client.id))
    browser.find_element(By.ID, "client_secret_clientCredentials").send_keys(secret)
    flow = browser.find_element(By.ID, "client_id_clientCredentials").find_element(
        By.XPATH, "./ancestor::div[contains(@class, 'auth-container')]")
    flow.find_element(By.CSS_SELECTOR, "button.authorize").click()
    wait.until(lambda _: flow.find_elements(By.XPATH, ".//button[normalize-space()='Logout']"))
    browser.find_element(By.CSS_SELECTOR, "button.btn-done").click()

    operation = wait.until(ready.visibility_of_element_located(
        (By.ID, "operations-warehouses-get_api_v1_warehouses_getall")))
    wait.until(lambda _: operation.find_element(By.CSS_SELECTOR, "button.try-out__btn")).click()
    wait.until(lambda _: operation.find_element(By.CSS_SELECTOR, "button.execute")).click()
    status = wait.until(lambda _: operation.find_element(
        By.CSS_SELECTOR, ".live-responses-table .response .response-col_status"))
    assert status.text.split()[0] == "200"
    body = operation.find_element(By.CSS_SELECTOR, ".live-responses-table .microlight").text
    assert '"current_page": 1' in body

    violations = [entry["message"] for entry in browser.get_log("browser")
                  if "Content Security Policy" in entry["message"]]
    assert violations == []
