"""The scale load test's users (issue 10): pharmacy staff and Backoffice managers.

Run by `bench/load_test.py`, which starts gunicorn, writes the users file
(`LOCUST_USERS_FILE`: logins, TOTP keys, the pharmacy ids, rejection ids and
filter values each user works with) and computes the server-side latencies
from gunicorn's access log. Every request carries `X-Bench-Page: <page>` so
that log line is attributed to its page.

Each simulated person logs in once (`on_start`; managers pass the second
factor with a TOTP code computed from their device's key), then works:
dashboards, worklists with filters (as HTMX partials, as the filter form
sends them), rejection files, a status change (POST, toggling one rejection
of their own between "à traiter" and "en cours"), the manager portfolio and
the cross-pharmacy work queue. Think time between two clicks: 1–4 s.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from pathlib import Path

from locust import HttpUser, between, events, task
from totp import totp  # bench/totp.py (locust puts the locustfile's folder on sys.path)

USERS = json.loads(Path(os.environ["LOCUST_USERS_FILE"]).read_text(encoding="utf-8"))
_staff = itertools.cycle(USERS["staff"])
_managers = itertools.cycle(USERS["managers"])
CATEGORIES = USERS["categories"]
AGES = ["0-30", "31-60", "61-90", "90+"]
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Person(HttpUser):
    abstract = True
    wait_time = between(1, 4)

    def get(self, page: str, url: str, *, htmx: bool = False, params=None):
        headers = {"X-Bench-Page": page}
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.get(url, params=params, headers=headers, name=page)

    def login(self, account: dict) -> None:
        self.account = account
        page = self.client.get("/comptes/login/", headers={"X-Bench-Page": "login"}, name="login")
        token = CSRF_INPUT.search(page.text).group(1)
        response = self.client.post(
            "/comptes/login/",
            data={"username": account["username"], "password": USERS["password"],
                  "csrfmiddlewaretoken": token},
            headers={"X-Bench-Page": "login", "Referer": self.host + "/comptes/login/"}, name="login",
        )
        if account.get("totp_key"):
            token = CSRF_INPUT.search(response.text).group(1)
            response = self.client.post(
                "/comptes/2fa/verifier/",
                data={"token": totp(account["totp_key"]), "csrfmiddlewaretoken": token},
                headers={"X-Bench-Page": "login"}, name="login",
            )
        if "/comptes/login/" in response.url or "/2fa/" in response.url:
            raise RuntimeError(f"login failed for {account['username']}: {response.url}")

    def rejection_filters(self, pharmacy: dict) -> dict:
        params = {"statut": random.choice(["open", "open", "to_handle", "in_progress", ""])}
        if random.random() < 0.5:
            params["categorie"] = random.choice(CATEGORIES)
        if random.random() < 0.3:
            params["age"] = random.choice(AGES)
        if random.random() < 0.3 and pharmacy["organisms"]:
            params["payeur"] = random.choice(pharmacy["organisms"])
        if random.random() < 0.2 and pharmacy["operators"]:
            params["operateur"] = random.choice(pharmacy["operators"])
        if random.random() < 0.3:
            params["tri"] = random.choice(["-montant", "age", "-age", "facture", "patient"])
        if random.random() < 0.2:
            params["page"] = random.choice([2, 3])
        return params

    def open_rejection(self, pharmacy: dict) -> None:
        if pharmacy["rejections"]:
            pk = random.choice(pharmacy["rejections"])
            self.get("rejection_detail", f"/pharmacies/{pharmacy['id']}/rejets/{pk}/")

    def change_status(self) -> None:
        """Toggle this person's own rejection: "à traiter" ⇄ "en cours" (two real transitions)."""
        own = self.account["toggle"]
        target = "in_progress" if self.toggle_state == "to_handle" else "to_handle"
        url = f"/pharmacies/{own['pharmacy']}/rejets/{own['id']}/statut/"
        token = self.client.cookies.get("csrftoken")
        with self.client.post(url, data={"to_status": target},
                              headers={"X-Bench-Page": "status_change", "HX-Request": "true",
                                       "X-CSRFToken": token},
                              name="status_change", catch_response=True) as response:
            if response.status_code == 200 and "Statut :" in response.text:
                self.toggle_state = target
                response.success()
            else:
                response.failure(f"status change refused ({response.status_code})")


class Staff(Person):
    weight = 4

    def on_start(self) -> None:
        self.login(next(_staff))
        self.pharmacy = self.account["pharmacies"][0]
        self.toggle_state = self.account["toggle"]["status"]

    @task(3)
    def dashboard(self):
        self.get("staff_dashboard", f"/pharmacies/{self.pharmacy['id']}/")

    @task(4)
    def rejections(self):
        self.get("rejection_worklist", f"/pharmacies/{self.pharmacy['id']}/rejets/",
                 htmx=True, params=self.rejection_filters(self.pharmacy))

    @task(1)
    def rejections_full_page(self):
        self.get("rejection_worklist_page", f"/pharmacies/{self.pharmacy['id']}/rejets/")

    @task(2)
    def unpaid(self):
        params = {"age": random.choice(AGES)} if random.random() < 0.4 else {}
        self.get("unpaid_worklist", f"/pharmacies/{self.pharmacy['id']}/impayes/", params=params)

    @task(3)
    def detail(self):
        self.open_rejection(self.pharmacy)

    @task(1)
    def status(self):
        self.change_status()


class Manager(Person):
    weight = 1

    def on_start(self) -> None:
        self.login(next(_managers))
        self.toggle_state = self.account["toggle"]["status"]

    @task(2)
    def portfolio(self):
        self.get("manager_portfolio", "/backoffice/portefeuille/")

    @task(4)
    def work_queue(self):
        pharmacy = random.choice(self.account["pharmacies"])
        params = self.rejection_filters(pharmacy)
        params.pop("payeur", None)
        params.pop("operateur", None)
        if random.random() < 0.4:
            params["pharmacie"] = pharmacy["id"]
        self.get("work_queue", "/backoffice/file/", htmx=bool(params), params=params)

    @task(1)
    def work_queue_unpaid(self):
        self.get("work_queue_unpaid", "/backoffice/file/impayes/")

    @task(1)
    def pharmacy_home(self):
        self.get("manager_pharmacy", f"/backoffice/pharmacies/{random.choice(self.account['pharmacies'])['id']}/")

    @task(2)
    def detail(self):
        self.open_rejection(random.choice(self.account["pharmacies"]))

    @task(1)
    def status(self):
        self.change_status()


@events.spawning_complete.add_listener
def _(user_count, **kwargs):
    marker = os.environ.get("LOCUST_SPAWNED_FILE")
    if marker:
        with open(marker, "w") as out:
            out.write(f"{time.time()}\n")
