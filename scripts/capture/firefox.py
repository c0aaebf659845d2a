#!/usr/bin/env python3
"""Drive headless Firefox ESR through Marionette (its built-in remote
protocol, no geckodriver needed): load the page, let it fetch the image and
favicon, fill the form and submit it.

Usage: firefox.py URL [--firefox PATH] [--marionette-port N]
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from marionette_driver.by import By
from marionette_driver.marionette import Marionette
from marionette_driver import Wait


def wait_for_port(port, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"firefox exited early with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"Marionette did not open port {port} within {timeout}s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--firefox", default="firefox-esr")
    ap.add_argument("--marionette-port", type=int, default=0,
                    help="default: a free port")
    ap.add_argument("--value", default="h1check")
    args = ap.parse_args()

    if args.marionette_port == 0:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            args.marionette_port = s.getsockname()[1]
    profile = tempfile.mkdtemp(prefix="h1check-firefox-")
    with open(os.path.join(profile, "user.js"), "w") as f:
        # Keep Firefox off the network: no updates, telemetry, captive-portal
        # or connectivity checks, safe browsing, pocket or remote settings.
        for pref, value in [
            ("marionette.port", args.marionette_port),
            ("app.update.enabled", "false"),
            ("app.update.auto", "false"),
            ("browser.shell.checkDefaultBrowser", "false"),
            ("browser.startup.homepage_override.mstone", '"ignore"'),
            ("browser.startup.page", 0),
            ("network.captive-portal-service.enabled", "false"),
            ("network.connectivity-service.enabled", "false"),
            ("browser.safebrowsing.malware.enabled", "false"),
            ("browser.safebrowsing.phishing.enabled", "false"),
            ("browser.safebrowsing.downloads.enabled", "false"),
            ("browser.safebrowsing.update.enabled", "false"),
            ("datareporting.policy.dataSubmissionEnabled", "false"),
            ("datareporting.healthreport.uploadEnabled", "false"),
            ("toolkit.telemetry.enabled", "false"),
            ("toolkit.telemetry.unified", "false"),
            ("extensions.update.enabled", "false"),
            ("extensions.getAddons.cache.enabled", "false"),
            ("services.settings.server", '"http://127.0.0.1:9/"'),
            ("network.dns.disablePrefetch", "true"),
            ("network.prefetch-next", "false"),
            ("network.http.speculative-parallel-limit", 0),
            ("browser.newtabpage.enabled", "false"),
            ("extensions.pocket.enabled", "false"),
            ("dom.push.enabled", "false"),
            ("network.trr.mode", 5),
        ]:
            f.write(f"user_pref({pref!r}, {value});\n".replace("'", '"'))
    proc = subprocess.Popen(
        [args.firefox, "--headless", "--marionette", "--no-remote",
         "--profile", profile, "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(args.marionette_port, proc)
        client = Marionette(host="127.0.0.1", port=args.marionette_port)
        client.start_session()
        client.navigate(args.url)
        # The page is loaded (navigate waits for "load", so the image has
        # come too); give the favicon request a moment.
        time.sleep(1.5)
        form = client.find_element(By.CSS_SELECTOR, "form")
        for field in client.find_elements(
            By.CSS_SELECTOR, "form input[type=text], form input:not([type]), form textarea"
        ):
            field.clear()
            field.send_keys(args.value)
        submit = client.find_elements(
            By.CSS_SELECTOR, "form [type=submit], form button"
        )
        # The form may post back to the same URL: mark this document and
        # wait for another one.
        client.execute_script("window.__h1check_before_submit = true")
        if submit:
            submit[0].click()
        else:
            client.execute_script("arguments[0].requestSubmit()", script_args=[form])
        Wait(client, timeout=10).until(
            lambda m: not m.execute_script("return !!window.__h1check_before_submit")
            and m.execute_script("return document.readyState") == "complete"
        )
        time.sleep(1.0)
        client.delete_session()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
