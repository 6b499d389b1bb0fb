"""
`make cluster-check`: the edition past one machine, proven on loopback.

Starts PostgreSQL, Redis and two gunicorn app servers, A and B, sharing them
(REDIS_URL: the page cache, the rate-limit counters, sessions), and shows,
printing each result:

1. a moderator's decision made through A is on B's next anonymous page;
2. a session made on A (a log-in) is valid on B;
3. a rate limit counts requests to A and B together;
4. stopping A while contributors post through both loses no acknowledged
   contribution (a post refused because A is down is sent to B, as a load
   balancer would; each acknowledged note is in the database exactly once).

Exits non-zero when one of them does not hold. Everything it starts is
stopped, and its temporary directory removed, whatever happens.
"""

import re
import sys
import threading
import time
import uuid
from http.client import HTTPException
from itertools import cycle

from ops.stack import (
    PASSWORD,
    AppServer,
    Client,
    Postgres,
    Redis,
    Throwaway,
    accounts_create,
    first_paragraph,
    manage,
    note_form,
    site_environment,
    site_prepare,
)

RATE_PER_ACCOUNT = 6  # contributions per account per hour, for the rate-limit check
POSTERS, ACCOUNTS_PER_POSTER, POSTING_SECONDS, STOP_A_AFTER = 8, 4, 10.0, 2.0
results = []


def report(ok, claim, detail):
    results.append(ok)
    print(f"{'PASS' if ok else 'FAIL'}  {claim}\n      {detail}", flush=True)


def counters_cache(env):
    """Where django-ratelimit counts (RATELIMIT_USE_CACHE, else the default cache) and what backs it."""
    script = (
        "from django.conf import settings\n"
        "alias = getattr(settings, 'RATELIMIT_USE_CACHE', 'default')\n"
        "print(alias, settings.CACHES[alias]['BACKEND'].rsplit('.', 1)[-1])\n"
    )
    return manage("shell", "--no-imports", "-c", script, env=env, capture=True).split()


def post_note(client, paragraph, quote, body):
    """Post a note; (status, the new note's id or None)."""
    form = note_form(f"/p/{paragraph}/note/", client)
    status, headers, _ = client.post(f"/p/{paragraph}/note/", {**form, "exact": quote, "body": body})
    match = re.search(r"#(?:landed-)?note-(\d+)$", headers.get("Location") or "")  # /me/#landed-note-12
    return status, int(match.group(1)) if status == 302 and match else None


def check_decision_through_a_is_on_b(a, b, paragraph, quote, sessions):
    contributor = Client(a.base, cookies={"sessionid": sessions["ada"]})
    status, note = post_note(contributor, paragraph, quote, "A note for the cluster check.")
    assert status == 302, f"posting the note answered {status}"
    anonymous_b = Client(b.base)
    before = f'id="note-{note}"' in anonymous_b.get("/")[2]  # B renders and caches the page without it

    moderator = Client(a.base)
    token = moderator.csrf_token("/admin/login/")
    moderator.post("/admin/login/", {"csrfmiddlewaretoken": token, "username": "mod", "password": PASSWORD,
                                     "next": "/admin/"})
    change = f"/admin/annotations/annotation/{note}/change/"
    token = moderator.csrf_token(change)
    version = re.search(r'name="version" value="(\d+)"', moderator.get(change)[2]).group(1)  # the version seen
    status, _, _ = moderator.post(f"/admin/annotations/annotation/{note}/decide/",
                                  {"csrfmiddlewaretoken": token, "decision": "approve", "reason": "", "version": version})
    after = f'id="note-{note}"' in Client(b.base).get("/")[2]
    report(not before and after and status == 302,
           "a moderator's decision made through A is on B's next anonymous page",
           f"note {note}: on B before the decision: {before}; accepted through A ({status}); on B after: {after}")


def check_session_from_a_on_b(a, b):
    browser = Client(a.base)
    token = browser.csrf_token("/accounts/login/")
    status, headers, _ = browser.post("/accounts/login/", {"csrfmiddlewaretoken": token, "username": "bea",
                                                           "password": PASSWORD, "next": "/me/"})
    logged_in = status == 302 and headers.get("Location") == "/me/"
    me_on_b = browser.on(b.base).get("/me/")
    report(logged_in and me_on_b[0] == 200 and "My contributions" in me_on_b[2],
           "a session made on A (a log-in) is valid on B",
           f"log-in on A: {status} → {headers.get('Location')}; /me/ on B with the same cookie: {me_on_b[0]}")


def check_rate_limit_counts_a_and_b_together(a, b, paragraph, quote, sessions, counters):
    seen = []
    for number, server in zip(range(RATE_PER_ACCOUNT + 1), cycle([a, b])):
        client = Client(server.base, cookies={"sessionid": sessions["cleo"]})
        status, _ = post_note(client, paragraph, quote, f"Rate-limit check {number}.")
        seen.append((server.name, status))
    allowed = [status for _, status in seen[:RATE_PER_ACCOUNT]]
    per_server = {name: sum(1 for server, _ in seen if server == name) for name in ("A", "B")}
    report(allowed == [302] * RATE_PER_ACCOUNT and seen[-1][1] == 429,
           f"a rate limit ({RATE_PER_ACCOUNT} contributions an hour per account) counts requests to A and B together",
           f"{', '.join(f'{name} {status}' for name, status in seen)}: refused at the {len(seen)}th request, though "
           f"A saw {per_server['A']} and B {per_server['B']}; counters in the {counters[0]!r} cache ({counters[1]})")


class Poster(threading.Thread):
    """A contributor posting notes through A and B in turn.

    A post A refuses to connect (it is down) was never sent: it goes to B, as a
    load balancer would send it. A connection cut during A's shutdown may or
    may not have been carried out: it is not acknowledged, and not sent again.
    """

    def __init__(self, number, servers, sessions, paragraph, quote, deadline):
        super().__init__(daemon=True)
        self.servers, self.paragraph, self.quote, self.deadline = servers, paragraph, quote, deadline
        # Each account posts fewer notes than the rate limit allows.
        self.sessions = [sessions[f"poster{number}-{n}"] for n in range(ACCOUNTS_PER_POSTER)]
        self.acknowledged, self.cut, self.refused_by_a, self.failed = [], [], 0, []

    def run(self):
        posts = 0
        for server in cycle(self.servers):
            if time.monotonic() > self.deadline or posts >= len(self.sessions) * (RATE_PER_ACCOUNT - 1):
                return
            session = self.sessions[posts // (RATE_PER_ACCOUNT - 1)]
            body = f"cluster-check {uuid.uuid4().hex}"
            posts += 1
            try:
                try:
                    status, note = self._post(server, session, body)
                except ConnectionRefusedError:
                    self.refused_by_a += 1
                    status, note = self._post(self.servers[1], session, body)
            except (OSError, HTTPException) as error:  # cut mid-request: carried out or not, unacknowledged
                self.cut.append((body, type(error).__name__))
                continue
            if status == 302:
                self.acknowledged.append((body, note))
            else:
                self.failed.append(status)

    def _post(self, server, session, body):
        return post_note(Client(server.base, cookies={"sessionid": session}), self.paragraph, self.quote, body)


def check_stopping_a_loses_nothing(a, b, paragraph, quote, sessions, postgres):
    deadline = time.monotonic() + POSTING_SECONDS
    posters = [Poster(n, [a, b], sessions, paragraph, quote, deadline) for n in range(POSTERS)]
    for poster in posters:
        poster.start()
    time.sleep(STOP_A_AFTER)
    stopped_at = time.monotonic()
    a.stop()  # SIGTERM: A finishes the requests it has, then stops
    stop_seconds = time.monotonic() - stopped_at
    for poster in posters:
        poster.join(timeout=120)
    acknowledged = [item for poster in posters for item in poster.acknowledged]
    stored = dict(postgres.query(
        "edition", "SELECT body, count(*) FROM annotations_annotation WHERE body LIKE 'cluster-check %%' GROUP BY body"
    ))
    missing = [body for body, _ in acknowledged if body not in stored]
    doubled = [body for body, count in stored.items() if count != 1]
    failed = [status for poster in posters for status in poster.failed]
    cut = [body for poster in posters for body, _ in poster.cut]
    report(bool(acknowledged) and not missing and not doubled,
           "stopping A while contributors post through A and B loses no acknowledged contribution",
           f"{POSTERS} contributors for {POSTING_SECONDS:.0f} s, A stopped (SIGTERM) after {STOP_A_AFTER:.0f} s, "
           f"gone {stop_seconds:.1f} s later; {len(acknowledged)} notes acknowledged, {len(missing)} of them "
           f"missing, {len(doubled)} stored twice; {sum(p.refused_by_a for p in posters)} posts refused by the "
           f"stopped A and sent to B; {len(cut)} cut by A's shutdown without an answer "
           f"({sum(body in stored for body in cut)} of them stored); other answers: {failed or 'none'}")


def main():
    with Throwaway("edition-cluster-") as stack:
        print("Starting PostgreSQL, Redis and two app servers on 127.0.0.1 …", flush=True)
        postgres = stack.start(Postgres, stack.dir)
        postgres.create_database("edition")
        redis = stack.start(Redis, stack.dir)
        env = site_environment(
            stack.dir, DATABASE_URL=postgres.url("edition"), REDIS_URL=redis.url,
            CONTRIBUTION_RATE_PER_ACCOUNT=f"{RATE_PER_ACCOUNT}/h", CONTRIBUTION_RATE_PER_IP="100000/h",
            LOGIN_RATE_PER_IP="1000/m",
        )
        site_prepare(env)
        accounts = {"mod": ["Moderators"], "ada": [], "bea": [], "cleo": []}
        accounts.update({f"poster{p}-{n}": [] for p in range(POSTERS) for n in range(ACCOUNTS_PER_POSTER)})
        sessions = accounts_create(env, accounts)
        paragraph, quote = first_paragraph(env)
        a = stack.start(AppServer, env, name="A", log=f"{stack.dir}/a.log")
        b = stack.start(AppServer, env, name="B", log=f"{stack.dir}/b.log")
        print(f"PostgreSQL :{postgres.port}, Redis :{redis.port}, A :{a.port}, B :{b.port} (2 workers each)\n",
              flush=True)

        check_decision_through_a_is_on_b(a, b, paragraph, quote, sessions)
        check_session_from_a_on_b(a, b)
        check_rate_limit_counts_a_and_b_together(a, b, paragraph, quote, sessions, counters_cache(env))
        check_stopping_a_loses_nothing(a, b, paragraph, quote, sessions, postgres)
    passed = sum(results)
    print(f"\n{passed} of 4 checks passed.")
    return 0 if passed == 4 and len(results) == 4 else 1


if __name__ == "__main__":
    sys.exit(main())
