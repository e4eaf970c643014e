#!/usr/bin/env python3
"""Issue 10, items 1 and 3, in a real browser: headless Chromium (Debian's chromium and chromium-driver, through
Selenium from PyPI) drives the dashboards of a local 10-peer cluster by clicking and typing. It logs in through
the one-time link `cairn dashboard` prints (and checks that the link works only once), uploads a file and sees
the progress bar move, sees the file listed with its health, downloads it and compares the bytes, copies its
read capability, checks it with proofs, repairs it, shares it to another peer, drops a second file on the page
and deletes it, opens the grantee's dashboard and downloads the shared file there, runs a lookup
and sees it on the key-space ring, reads the Provider page's live figures, and on the Chain page sees the height,
the wallet and recent blocks, asks the faucet and transfers to another peer; no error may reach the browser's
console. The first page must be at most 300 KB in all and render in under a second (navigation timing).
Screenshots at 1280x800 and at phone width are kept in .build/dashboard-check/. Stops every peer it started.

    bootstrap/install-browser.sh   # chromium and chromium-driver from Debian, when missing
    bootstrap/python-env.sh        # makes .build/python-env with selenium; prints its python
    .build/python-env/bin/python simulations/check-dashboard.py
"""
import hashlib, json, os, shutil, subprocess, sys, tempfile, time

import local_cluster

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("CAIRN_BIN", os.path.join(ROOT, ".build/debug/cairn"))
OUT = os.path.join(ROOT, ".build/dashboard-check")
PEERS = int(os.environ.get("DASHBOARD_PEERS", "10"))
checks = {"passed": 0, "failed": 0}


def check(ok, what):
    checks["passed" if ok else "failed"] += 1
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    return ok


def find_browser():
    for browser, driver in [("/usr/bin/chromium", "/usr/bin/chromedriver"),
                            (shutil.which("chromium") or "", shutil.which("chromedriver") or "")]:
        if os.path.exists(browser) and os.path.exists(driver):
            return browser, driver
    print("chromium and chromedriver are missing: run bootstrap/install-browser.sh")
    print("dashboard: 0 passed, 1 failed")
    sys.exit(1)


def start_browser(downloads, profile):
    browser, driver = find_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,800", "--no-first-run", "--disable-extensions",
                     "--disable-background-networking", "--disable-sync", "--disable-component-update",
                     "--password-store=basic", f"--user-data-dir={profile}"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.add_experimental_option("prefs", {"download.default_directory": downloads,
                                              "download.prompt_for_download": False})
    return webdriver.Chrome(options=options, service=Service(executable_path=driver))


def login_link(peer):
    """A new one-time link, as a person gets it: `cairn dashboard`."""
    out = subprocess.run([BIN, "dashboard", "--api", peer["api"], "--data", peer["data"], "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["url"]


class Session:
    def __init__(self, driver):
        self.driver = driver
        self.console = []

    def wait(self, condition, what, timeout=60):
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(lambda d: condition())
        except Exception:
            check(False, f"{what} (timed out after {timeout} s)")
            self.shot("timeout")
            raise

    def by_id(self, element_id):
        return self.driver.find_element(By.ID, element_id)

    def text(self, element_id):
        return self.by_id(element_id).text

    def click(self, selector):
        """Clicks the first element `selector` matches, again if the list re-rendered under the click."""
        for _ in range(50):
            try:
                return self.driver.find_element(By.CSS_SELECTOR, selector).click()
            except StaleElementReferenceException:
                time.sleep(0.1)
        raise StaleElementReferenceException(selector)

    def texts(self, selector):
        """Texts of the elements `selector` matches, read in the page: the list re-renders while it is watched."""
        return self.driver.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0]), (e) => e.textContent)", selector)

    def collect_console(self):
        for entry in self.driver.get_log("browser"):
            self.console.append(entry)

    def shot(self, name):
        os.makedirs(OUT, exist_ok=True)
        self.driver.save_screenshot(os.path.join(OUT, f"{name}.png"))

    def downloads_to(self, directory):
        os.makedirs(directory, exist_ok=True)
        self.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": directory})

    def downloaded(self, directory, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            names = [n for n in os.listdir(directory) if not n.endswith(".crdownload") and not n.startswith(".")]
            if names and not any(n.endswith(".crdownload") for n in os.listdir(directory)):
                return os.path.join(directory, names[0])
            time.sleep(0.2)
        return None


def page_weight_and_timing(session):
    """The first page's bytes (document and every resource) and its navigation timing, from the browser."""
    return session.driver.execute_script("""
        const nav = performance.getEntriesByType("navigation")[0];
        const size = (e) => Math.max(e.transferSize || 0, e.encodedBodySize || 0);
        const resources = performance.getEntriesByType("resource").filter((e) => !e.name.includes("/api/v0/events"));
        const ready = performance.getEntriesByName("cairn-ready")[0];
        return {bytes: size(nav) + resources.reduce((sum, e) => sum + size(e), 0), resources: resources.length,
                load: nav.loadEventEnd - nav.startTime, domContentLoaded: nav.domContentLoadedEventEnd - nav.startTime,
                ready: ready ? ready.startTime : null};
    """)


def main():
    directory = tempfile.mkdtemp(prefix="cairn-dashboard-")
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    started = time.time()
    peers = local_cluster.start(BIN, PEERS, directory, "dashboard", step=20)
    driver = None
    try:
        print(f"cluster of {len(peers)} peers up in {time.time() - started:.1f} s", flush=True)
        check(all(p.get("dashboard", "").startswith(f"http://{p['api']}/login?t=") for p in peers),
              "`sim cluster --json` gives every peer's dashboard login link")
        owner, grantee = peers[1], peers[PEERS - 1]
        driver = start_browser(os.path.join(directory, "downloads"), os.path.join(directory, "chromium-profile"))
        session = Session(driver)

        # Logged out: the page says how to log in, and the API refuses.
        driver.get(f"http://{owner['api']}/")
        session.wait(lambda: session.by_id("login").is_displayed(), "logged out, the page says how to log in")
        check(True, "logged out, the page says how to log in")
        session.collect_console()
        session.console.clear()  # The 401 of that check is expected; only what follows must be clean.

        link = login_link(owner)
        driver.get(link)
        session.wait(lambda: driver.execute_script("return document.body.dataset.ready") == "true", "login")
        check(driver.current_url.rstrip("/#files") == f"http://{owner['api']}", f"the link logs in and lands on the "
              f"dashboard ({driver.current_url})")
        cookies = {c["name"]: c for c in driver.get_cookies()}
        cookie = next((c for n, c in cookies.items() if n.startswith("cairn_session_")), None)
        check(cookie is not None and cookie.get("httpOnly") and cookie.get("sameSite") == "Strict",
              f"the session cookie is HttpOnly and SameSite=Strict ({cookie and {k: cookie.get(k) for k in ['name', 'httpOnly', 'sameSite']}})")

        # The first page, loaded afresh: weight and timing.
        driver.get(f"http://{owner['api']}/#files")
        session.wait(lambda: driver.execute_script("return document.body.dataset.ready") == "true", "reload")
        figures = page_weight_and_timing(session)
        print(f"first page: {figures}", flush=True)
        check(figures["bytes"] <= 300_000, f"first page weighs {figures['bytes']} bytes in {figures['resources']} "
              "resources (at most 300 KB)")
        check(figures["load"] < 1000, f"first page loaded in {figures['load']:.0f} ms (under 1 s)")
        check(figures["ready"] is not None and figures["ready"] < 1000,
              f"first page showed its data at {figures['ready'] or 0:.0f} ms (under 1 s)")
        session.shot("files-empty-1280x800")

        # Upload by picking a file, watching the progress bar.
        data = os.urandom(16 * 1024 * 1024 + 12345)
        source = os.path.join(directory, "dashboard-check.bin")
        with open(source, "wb") as f:
            f.write(data)
        driver.execute_script("""
            window.cairnProgress = [];
            new MutationObserver(() => window.cairnProgress.push(document.getElementById("upload-percent").textContent))
              .observe(document.getElementById("upload-percent"), {childList: true, characterData: true, subtree: true});
        """)
        upload_started = time.time()
        session.by_id("file-input").send_keys(source)
        row = "#files-table tr td.name"
        session.wait(lambda: "dashboard-check.bin" in session.texts(row), "the uploaded file is listed", timeout=120)
        print(f"upload took {time.time() - upload_started:.1f} s", flush=True)
        progress = driver.execute_script("return window.cairnProgress")
        shown = [p for p in progress if p.endswith("%")]
        check(len(set(shown)) >= 2 and "stored" in progress,
              f"the progress bar moved during the upload ({shown[:6]}… then {progress[-1:]})")
        session.wait(lambda: session.texts("#files-table td.health")[:1] not in ([], [""], ["checking…"]),
                     "the file's health is shown")
        health = session.texts("#files-table td.health")[0]
        check("shards" in health, f"the file is listed with its health: {health}")
        file_id = driver.execute_script("return document.querySelector('#files-table tbody tr').dataset.id")
        session.shot("files-1280x800")

        # Download from the list; the bytes must match.
        folder = os.path.join(directory, "download-owner")
        session.downloads_to(folder)
        session.click("#files-table a.download")
        path = session.downloaded(folder)
        check(path is not None and open(path, "rb").read() == data,
              f"the download from the owner's dashboard matches the upload ({path and os.path.basename(path)})")

        # Manage: copy the read capability, check with proofs, share to the grantee.
        session.click("#files-table button.manage")
        session.by_id("panel-cap").click()
        session.wait(lambda: session.by_id("panel-cap-text").get_attribute("value").startswith(f"cairn:{file_id}:"),
                     "the read capability is shown")
        check(True, "the read capability is shown and copied")
        session.by_id("panel-check").click()
        session.wait(lambda: "proved its shards: true" in session.text("panel-result"), "a check with proofs")
        check(True, f"a check with proofs: {session.text('panel-result')}")
        session.by_id("share-to").send_keys(grantee["id"])
        session.by_id("share-form").find_element(By.CSS_SELECTOR, "button").click()
        session.wait(lambda: session.text("panel-result").startswith(("Shared with", "Not shared")), "the share",
                     timeout=60)
        check(session.text("panel-result").startswith(f"Shared with {grantee['id']}"),
              f"shared to the grantee: {session.text('panel-result')}")
        session.shot("file-panel-1280x800")

        # Repair (nothing is missing, so nothing to do), then a second file dropped on the page and deleted.
        session.by_id("panel-repair").click()
        session.wait(lambda: session.text("panel-result").startswith(("Repair:", "Repair failed")), "a repair")
        check(session.text("panel-result").startswith("Repair:"), f"the repair button: {session.text('panel-result')[:120]}")
        driver.execute_script("""
            const bytes = new Uint8Array(200000);
            for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) & 255;
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "dropped.bin"));
            const drop = document.getElementById("drop");
            drop.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true, cancelable: true}));
            drop.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
        """)
        dropped = '#files-table tr[data-id] td.name'
        session.wait(lambda: "dropped.bin" in session.texts(dropped), "a dropped file is uploaded and listed",
                     timeout=120)
        check(True, "a file dropped on the page is uploaded and listed")
        time.sleep(0.5)  # Let the list settle: the upload and the live snapshot each refresh it.
        session.wait(lambda: driver.execute_script("""
            const row = Array.from(document.querySelectorAll("#files-table tbody tr"))
              .find((r) => r.querySelector("td.name").textContent === "dropped.bin");
            if (row) row.querySelector("button.manage").click();
            return document.getElementById("panel-name").textContent === "dropped.bin";
        """), "the dropped file's panel opens")
        session.by_id("panel-delete").click()
        session.by_id("panel-delete").click()  # "Really delete?"
        session.wait(lambda: "dropped.bin" not in session.texts(dropped), "the deleted file leaves the list")
        check(True, "delete (confirmed by a second click) removes the file from the list")

        # Lookup on the Network page.
        driver.find_element(By.CSS_SELECTOR, 'nav a[data-page="network"]').click()
        session.wait(lambda: int(session.text("net-count") or 0) >= min(PEERS - 1, 10) - 1, "the routing table")
        check(session.text("net-id") == owner["id"], "the Network page shows this peer's ID")
        session.by_id("lookup-key").send_keys("cairn dashboard check")
        session.by_id("lookup-form").find_element(By.CSS_SELECTOR, "button").click()
        session.wait(lambda: "hops" in session.text("lookup-summary") or "failed" in session.text("lookup-summary"),
                     "the lookup")
        summary = session.text("lookup-summary")
        closest = driver.find_elements(By.CSS_SELECTOR, "#ring circle.peer.closest")
        check("hops" in summary and len(closest) >= 1, f"a lookup: {summary}; {len(closest)} marked on the ring")
        dots = driver.find_elements(By.CSS_SELECTOR, "#ring circle.peer")
        check(len(dots) >= min(PEERS - 1, 10) - 1, f"the key-space ring shows {len(dots)} peers")
        session.shot("network-1280x800")

        # Provider page, live through server-sent events.
        driver.find_element(By.CSS_SELECTOR, 'nav a[data-page="provider"]').click()
        session.wait(lambda: session.text("prov-capacity") not in ("", "–"), "the Provider page")
        session.wait(lambda: session.text("live").startswith("live"), "live updates")
        check(True, f"the Provider page: capacity {session.text('prov-capacity')}, used {session.text('prov-used')}, "
              f"shards {session.text('prov-shards')}, served {session.text('prov-served')}; {session.text('live')}")
        session.shot("provider-1280x800")

        # Chain page: the chain's figures, the wallet, the faucet, a transfer through the form, recent blocks.
        driver.find_element(By.CSS_SELECTOR, 'nav a[data-page="chain"]').click()
        session.wait(lambda: session.text("chain-height") not in ("", "–") and int(session.text("chain-height")) > 0,
                     "the Chain page shows the height")
        session.wait(lambda: session.text("wallet-address") != "", "the wallet's address")
        owner_address = json.loads(subprocess.run([BIN, "wallet", "address", "--json", "--api", owner["api"], "--data",
                                                   owner["data"]], capture_output=True, text=True, check=True).stdout)
        check(session.text("wallet-address") == owner_address["address"],
              f"the Chain page: height {session.text('chain-height')}, {session.text('chain-validators')} validator(s), "
              f"{session.text('chain-power')} online, this peer's address")
        session.wait(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#blocks-table tbody tr")) >= 1, "recent blocks")
        check(True, f"recent blocks listed ({len(driver.find_elements(By.CSS_SELECTOR, '#blocks-table tbody tr'))})")
        # The peer may already hold tokens (a provider takes the faucet to register itself): the faucet adds 2,000.
        def shown_balance():
            text = session.text("wallet-balance").replace(",", "").split()
            return float(text[0]) if text else -1.0
        session.wait(lambda: shown_balance() >= 0, "the wallet's balance")
        before = shown_balance()
        # The peer took the faucet itself to register as a provider, in its first blocks: past the faucet's
        # 20-block cooldown, the button's request is accepted.
        session.wait(lambda: int(session.text("chain-height")) >= 26, "height 26, past the faucet's cooldown",
                     timeout=30)
        for _ in range(4):
            session.by_id("faucet").click()
            session.wait(lambda: session.text("transfer-result").startswith(("Faucet requested", "Faucet refused")),
                         "the faucet button")
            if "next allowed" not in session.text("transfer-result"):
                break
            time.sleep(5)
        check(session.text("transfer-result").startswith("Faucet requested"), f"the faucet: {session.text('transfer-result')}")
        session.wait(lambda: shown_balance() >= before + 1999, "the faucet's tokens in the balance", timeout=20)
        check(True, f"the balance shows the faucet's tokens: {session.text('wallet-balance')}")
        grantee_address = json.loads(subprocess.run([BIN, "wallet", "address", "--json", "--api", grantee["api"],
                                                     "--data", grantee["data"]],
                                                    capture_output=True, text=True, check=True).stdout)["address"]
        grantee_before = json.loads(subprocess.run([BIN, "wallet", "balance", "--json", "--api", grantee["api"],
                                                    "--data", grantee["data"]],
                                                   capture_output=True, text=True, check=True).stdout)["balance"]
        session.by_id("transfer-to").send_keys(grantee_address)
        session.by_id("transfer-amount").send_keys("12.5")
        session.by_id("transfer-form").find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        session.wait(lambda: session.text("transfer-result").startswith(("Submitted", "Not submitted")), "the transfer")
        check(session.text("transfer-result").startswith("Submitted"), f"the transfer form: {session.text('transfer-result')}")
        session.wait(lambda: "transfer" in session.texts("#history-table td.kind"), "the transfer in the history",
                     timeout=20)
        for _ in range(25):  # The recipient's peer follows within a block or two.
            received = json.loads(subprocess.run([BIN, "wallet", "balance", "--json", "--api", grantee["api"], "--data",
                                                  grantee["data"]], capture_output=True, text=True, check=True).stdout)
            if received["balance"] == grantee_before + 12_500_000:
                break
            time.sleep(0.2)
        check(received["balance"] == grantee_before + 12_500_000, f"the transfer is in the history, and the "
              f"recipient holds {received['balance_formatted']}, 12.5 CRN more than before")
        session.shot("chain-1280x800")

        # Provider page, the storage market: register through the CLI with the faucet's tokens (unless the peer
        # registered itself), then the page shows the stake, score, proof record, warnings and agreements live.
        at_owner = ["--api", owner["api"], "--data", owner["data"]]
        registered = subprocess.run([BIN, "provider", "register", "--capacity", "1GiB", "--price", "0.01", "--stake",
                                     "100", *at_owner], capture_output=True, text=True)
        check(registered.returncode == 0 or "already" in registered.stderr,
              f"cairn provider register: {(registered.stdout or registered.stderr).strip()[:200]}")
        driver.find_element(By.CSS_SELECTOR, 'nav a[data-page="provider"]').click()
        session.wait(lambda: "provider at height" in session.text("market-summary"),
                     "the Provider page shows the registration", timeout=30)
        check(session.text("market-stake").startswith("100") and session.text("market-score").endswith("%"),
              f"the Provider page: {session.text('market-summary')}; stake {session.text('market-stake')}, score "
              f"{session.text('market-score')}, proofs {session.text('market-proofs-ok')} ok / "
              f"{session.text('market-proofs-missed')} missed, earnings {session.text('market-earnings')}")
        rows = driver.find_elements(By.CSS_SELECTOR, "#agreements-table tbody tr")
        check(len(rows) > 0 or session.by_id("agreements-empty").is_displayed(),
              f"the agreements table: {len(rows)} agreements, warnings: {session.texts('#market-warnings li')}")
        session.shot("provider-market-1280x800")

        # Live: a file stored through the CLI appears in the open page without a reload.
        driver.find_element(By.CSS_SELECTOR, 'nav a[data-page="files"]').click()
        driver.execute_script("window.cairnNotReloaded = true")
        cli_file = os.path.join(directory, "from-the-cli.txt")
        with open(cli_file, "w") as f:
            f.write("stored with cairn put while the dashboard was open\n")
        subprocess.run([BIN, "put", cli_file, "--api", owner["api"], "--data", owner["data"]], capture_output=True,
                       check=True)
        session.wait(lambda: "from-the-cli.txt" in session.texts(row), "the live update of the file list", timeout=20)
        check(driver.execute_script("return window.cairnNotReloaded === true"),
              "a file put through the CLI appears in the open page without a reload (server-sent events)")

        # Phone width.
        driver.set_window_size(390, 844)
        for page in ["files", "network", "provider", "chain"]:
            driver.find_element(By.CSS_SELECTOR, f'nav a[data-page="{page}"]').click()
            time.sleep(0.4)
            width, room = driver.execute_script(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            check(width <= room, f"at phone width the {page} page fits ({width} px wide in {room})")
            session.shot(f"{page}-390x844")
        driver.set_window_size(1280, 800)
        session.collect_console()

        # The grantee's dashboard: log in there, download the shared file by its ID.
        driver.get(login_link(grantee))
        session.wait(lambda: driver.execute_script("return document.body.dataset.ready") == "true", "grantee login")
        check(driver.current_url.startswith(f"http://{grantee['api']}/"), "logged in to the grantee's dashboard")
        folder = os.path.join(directory, "download-grantee")
        session.downloads_to(folder)
        session.by_id("get-ref").send_keys(file_id)
        session.by_id("get-form").find_element(By.CSS_SELECTOR, "button").click()
        path = session.downloaded(folder, timeout=90)
        check(path is not None and open(path, "rb").read() == data,
              f"the grantee downloads the shared file and the bytes match ({session.text('get-result')})")
        session.shot("grantee-1280x800")
        session.collect_console()

        # Log out: the page says how to log in again, and a reload finds the session gone.
        session.by_id("logout").click()
        session.wait(lambda: session.by_id("login").is_displayed(), "logging out")
        session.collect_console()
        driver.get(f"http://{grantee['api']}/")
        session.wait(lambda: session.by_id("login").is_displayed(), "logged out after a reload")
        check(True, "the Log out button ends the session (a reload shows the login page)")
        session.collect_console()
        expected_401 = [e for e in session.console if f"{grantee['api']}/api/v0/id" in e.get("message", "")]
        session.console = [e for e in session.console if e not in expected_401]

        # A used link logs no one in.
        driver.delete_all_cookies()
        driver.get(link)
        time.sleep(0.3)
        check("used already or has expired" in driver.page_source, "a used login link is refused")
        session.collect_console()
        expected = [e for e in session.console if "/login?t=" in e.get("message", "") and "401" in e["message"]]
        errors = [e for e in session.console if e.get("level") == "SEVERE" and e not in expected]
        check(not errors, f"no errors in the browser console ({len(session.console)} entries, "
              f"{len(errors)} errors{': ' + json.dumps(errors[:5]) if errors else ''})")
    except Exception as error:  # A failed wait or a broken page: counted, with what happened.
        check(False, f"the browser check stopped: {type(error).__name__}: {str(error)[:300]}")
    finally:
        if driver is not None:
            driver.quit()
        local_cluster.stop(BIN, directory)
        shutil.rmtree(directory, ignore_errors=True)
    print(f"screenshots in {OUT}; {time.time() - started:.0f} s in all")
    print(f"dashboard: {checks['passed']} passed, {checks['failed']} failed")
    sys.exit(1 if checks["failed"] else 0)


if __name__ == "__main__":
    main()
