"""
`make load`: the edition under load, then under load with faults, on loopback.

gunicorn (deploy/gunicorn.conf.py, 4 sync workers) on a throwaway PostgreSQL.
50 readers read pages (a page every 0.5–1.5 s: the edition in its three
readings, the bibliography, the feed), 10 contributors post (a note, or a
factual correction citing a new source, every 2–4 s: the form, then the post),
and a moderator accepts their notes through the admin (one every 5–10 s). Two
phases of the same load: a steady one, then one in which a worker is killed
twice (SIGKILL) and PostgreSQL is restarted once.

Prints, per phase, p50/p99 latency, throughput and errors by code; then checks
that every contribution that got a success answer is in the database exactly
once and that nothing is half-written (a correction without its citation, a new
source cited by nothing, a decision whose item is not in the state decided).
Exits non-zero when a check fails or the steady phase had errors.

    python -m ops.load [--seconds 60] [--readers 50] [--contributors 10]
"""

import argparse
import os
import platform
import random
import re
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from http.client import HTTPException
from pathlib import Path

from ops.stack import (
    AppServer,
    Client,
    Postgres,
    Throwaway,
    accounts_create,
    first_paragraph,
    site_environment,
    site_prepare,
)

WORKERS = 4
# What readers open, by weight: mostly the edition as it comes, now and then another reading, the bibliography, the feed.
READER_PAGES = {"/": 70, "/?mode=corrected": 10, "/?mode=original": 10, "/sources/": 5, "/feed/": 5}


class Recorder:
    """Every request's phase, kind, outcome (HTTP status or the error's name) and latency."""

    def __init__(self):
        self.lock = threading.Lock()
        self.phase = "steady"
        self.rows = []

    def timed(self, kind, call):
        started = time.perf_counter()
        try:
            result = call()
            outcome = result[0]
        except (OSError, HTTPException) as error:  # a worker killed mid-answer, the server gone
            result, outcome = None, type(error).__name__
        with self.lock:
            self.rows.append((self.phase, kind, outcome, time.perf_counter() - started))
        return result


class User(threading.Thread):
    def __init__(self, base, recorder, stop, pause):
        super().__init__(daemon=True)
        self.base, self.recorder, self.stop, self.pause = base, recorder, stop, pause
        self.random = random.Random()

    def run(self):
        time.sleep(self.random.uniform(0, self.pause[1]))  # do not all start at once
        while not self.stop.is_set():
            self.act()
            self.stop.wait(self.random.uniform(*self.pause))


class Reader(User):
    def act(self):
        path = self.random.choices(list(READER_PAGES), weights=list(READER_PAGES.values()))[0]
        self.recorder.timed("read", lambda: Client(self.base).get(path))


class Contributor(User):
    """Posts notes and sourced corrections; remembers the ones acknowledged (a redirect to /me/#…)."""

    def __init__(self, base, recorder, stop, pause, *, session, paragraph, quote, accepted_queue):
        super().__init__(base, recorder, stop, pause)
        self.session, self.paragraph, self.quote, self.queue = session, paragraph, quote, accepted_queue
        self.acknowledged = []  # (kind, token, id)

    def act(self):
        client = Client(self.base, cookies={"sessionid": self.session})
        kind = self.random.choice(["note", "note", "correction"])
        form = self.recorder.timed("form", lambda: client.get(f"/p/{self.paragraph}/{kind}/"))
        token = form and re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form[2])
        if not token:
            return
        marker = f"load-{uuid.uuid4().hex}"
        data = {"csrfmiddlewaretoken": token.group(1), "exact": self.quote}
        if kind == "note":
            data.update({"kind": "comment", "body": f"A note under load, {marker}.", "cite-choice": "none"})
        else:
            data.update({
                "category": "factual", "replacement": f"other words {marker}", "rationale": f"Because {marker}.",
                "cite-choice": "new", "cite-locator": "p. 1", "source-kind": "book",
                "source-authors": "Loader, Ada", "source-title": f"A study {marker}", "source-year": "1990",
            })
        answer = self.recorder.timed("post", lambda: client.post(f"/p/{self.paragraph}/{kind}/", data))
        location = answer[1].get("Location", "") if answer and answer[0] == 302 else ""
        created = re.search(rf"#(?:landed-)?{kind}-(\d+)$", location)  # /me/#landed-note-12
        if created:
            self.acknowledged.append((kind, marker, int(created.group(1))))
            if kind == "note":
                self.queue.append(int(created.group(1)))


class Moderator(User):
    """Accepts contributors' notes through the admin; remembers each acceptance acknowledged."""

    def __init__(self, base, recorder, stop, pause, *, session, accepted_queue):
        super().__init__(base, recorder, stop, pause)
        self.session, self.queue, self.accepted = session, accepted_queue, []

    def act(self):
        if not self.queue:
            return
        note = self.queue.pop(0)
        client = Client(self.base, cookies={"sessionid": self.session})
        page = self.recorder.timed("moderate", lambda: client.get(f"/admin/annotations/annotation/{note}/change/"))
        fields = page and dict(re.findall(r'name="(csrfmiddlewaretoken|version)" value="([^"]+)"', page[2]))
        if not fields or len(fields) < 2:
            return
        answer = self.recorder.timed("moderate", lambda: client.post(
            f"/admin/annotations/annotation/{note}/decide/", {**fields, "decision": "approve", "reason": ""}
        ))
        if answer and answer[0] == 302 and answer[1].get("Location", "").endswith("/annotation/"):
            self.accepted.append(note)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def summary(recorder, phase, seconds):
    rows = [row for row in recorder.rows if row[0] == phase]
    latencies = [row[3] for row in rows]
    errors = Counter(str(row[2]) for row in rows if not (isinstance(row[2], int) and row[2] < 400))
    writes = [row[3] for row in rows if row[1] in {"post", "moderate"}]
    return {
        "requests": len(rows), "rate": len(rows) / seconds, "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99), "write_p50": percentile(writes, 0.5) if writes else float("nan"),
        "write_p99": percentile(writes, 0.99) if writes else float("nan"), "errors": errors,
    }


def faults_inject(server, postgres, seconds, log):
    """A worker killed at a sixth and at two-thirds of the phase, PostgreSQL restarted at two-fifths."""
    start = time.monotonic()
    plan = [(seconds / 6, "kill"), (seconds * 2 / 5, "restart"), (seconds * 2 / 3, "kill")]
    for at, fault in plan:
        time.sleep(max(0.0, at - (time.monotonic() - start)))
        when = time.monotonic() - start
        if fault == "kill":
            log.append(f"{when:4.1f} s: worker {server.kill_worker()} killed (SIGKILL)")
        else:
            began = time.monotonic()
            postgres.restart()
            log.append(f"{when:4.1f} s: PostgreSQL restarted (down {time.monotonic() - began:.1f} s)")


def integrity_check(postgres, contributors, moderator):
    """What the database holds against what was acknowledged; a list of (ok, line)."""
    def query(sql):
        return postgres.query("edition", sql)

    stored = Counter(
        re.search(r"load-[0-9a-f]{32}", text).group(0)
        for (text,) in query("SELECT body FROM annotations_annotation WHERE body LIKE '%%load-%%' "
                             "UNION ALL SELECT rationale FROM annotations_correction WHERE rationale LIKE '%%load-%%'")
    )
    acknowledged = [item for contributor in contributors for item in contributor.acknowledged]
    missing = [marker for _, marker, _ in acknowledged if stored[marker] == 0]
    doubled = [marker for marker, count in stored.items() if count > 1]
    unacknowledged = len(set(stored) - {marker for _, marker, _ in acknowledged})
    uncited = query("SELECT count(*) FROM annotations_correction c WHERE c.rationale LIKE '%%load-%%' AND NOT EXISTS "
                    "(SELECT 1 FROM annotations_citation t WHERE t.correction_id = c.id)")[0][0]
    lonely_sources = query("SELECT count(*) FROM annotations_source s WHERE s.title LIKE 'A study load-%%' AND NOT "
                           "EXISTS (SELECT 1 FROM annotations_citation t WHERE t.source_id = s.id)")[0][0]
    # The last decision on each note must be the note's state; each acceptance acknowledged must have happened.
    contradicted = query(
        "SELECT count(*) FROM annotations_annotation a JOIN LATERAL (SELECT d.to_status FROM annotations_decision d "
        "JOIN django_content_type t ON t.id = d.content_type_id WHERE t.model = 'annotation' AND d.object_id = a.id "
        "ORDER BY d.decided_at DESC, d.id DESC LIMIT 1) last ON true WHERE last.to_status <> a.status"
    )[0][0]
    accepted = {row[0] for row in query("SELECT id FROM annotations_annotation WHERE status = 'accepted'")}
    not_accepted = [note for note in moderator.accepted if note not in accepted]
    notes = sum(1 for kind, _, _ in acknowledged if kind == "note")
    return [
        (not missing and not doubled,
         f"contributions acknowledged: {len(acknowledged)} ({notes} notes, {len(acknowledged) - notes} corrections); "
         f"missing from the database: {len(missing)}; stored more than once: {len(doubled)}; "
         f"stored without an acknowledgement (answer lost to a fault): {unacknowledged}"),
        (uncited == 0 and lonely_sources == 0,
         f"half-written: corrections without their citation: {uncited}; new sources cited by nothing: {lonely_sources}"),
        (contradicted == 0 and not not_accepted,
         f"decisions: {len(moderator.accepted)} acceptances acknowledged, {len(not_accepted)} of them not in the "
         f"database; notes whose last decision is not their state: {contradicted}"),
    ]


def machine():
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "")
    return f"{os.cpu_count()} cores ({model}), {platform.system()} {platform.release()}, Python {platform.python_version()}"


def main():
    parser = argparse.ArgumentParser(description="The edition under load, then under load with faults.")
    parser.add_argument("--seconds", type=int, default=60, help="length of each phase")
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--contributors", type=int, default=10)
    options = parser.parse_args()

    with Throwaway("edition-load-") as stack:
        print("Starting PostgreSQL and gunicorn on 127.0.0.1 …", flush=True)
        postgres = stack.start(Postgres, stack.dir)
        postgres.create_database("edition")
        env = site_environment(stack.dir, DATABASE_URL=postgres.url("edition"),
                               CONTRIBUTION_RATE_PER_ACCOUNT="100000/h", CONTRIBUTION_RATE_PER_IP="100000/h")
        site_prepare(env)
        names = {f"contributor{n}": [] for n in range(options.contributors)} | {"moderator": ["Moderators"]}
        sessions = accounts_create(env, names)
        paragraph, quote = first_paragraph(env)
        server = stack.start(AppServer, env, name="app", workers=WORKERS, log=f"{stack.dir}/gunicorn.log")
        Client(server.base).get("/")  # the first render is not part of the load

        recorder, stop, queue = Recorder(), threading.Event(), []
        readers = [Reader(server.base, recorder, stop, (0.5, 1.5)) for _ in range(options.readers)]
        contributors = [
            Contributor(server.base, recorder, stop, (2.0, 4.0), session=sessions[f"contributor{n}"],
                        paragraph=paragraph, quote=quote, accepted_queue=queue)
            for n in range(options.contributors)
        ]
        moderator = Moderator(server.base, recorder, stop, (5.0, 10.0), session=sessions["moderator"], accepted_queue=queue)
        print(f"{options.readers} readers, {options.contributors} contributors and a moderator on gunicorn "
              f"({WORKERS} sync workers) and PostgreSQL; {options.seconds} s steady, then {options.seconds} s with faults.",
              flush=True)
        users = [*readers, *contributors, moderator]
        for user in users:
            user.start()
        time.sleep(options.seconds)
        recorder.phase = "faults"
        fault_log = []
        faults_inject(server, postgres, options.seconds, fault_log)
        time.sleep(max(0.0, options.seconds - options.seconds * 2 / 3))
        stop.set()
        for user in users:
            user.join(timeout=60)
        recovered = Client(server.base).get("/healthz")[0]
        checks = integrity_check(postgres, contributors, moderator)
        logged = server.logged_errors()
        load = os.getloadavg()

    print(f"\n{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {machine()}; load average at the end "
          f"{load[0]:.1f} (other work shares the machine)\n")
    print(f"{'phase':8} {'requests':>9} {'req/s':>7} {'p50':>8} {'p99':>8} {'writes p50':>11} {'writes p99':>11}  errors by code")
    results = {}
    for phase in ("steady", "faults"):
        result = results[phase] = summary(recorder, phase, options.seconds)
        errors = ", ".join(f"{code} ×{count}" for code, count in sorted(result["errors"].items())) or "none"
        print(f"{phase:8} {result['requests']:>9} {result['rate']:>7.1f} {result['p50'] * 1000:>6.0f}ms "
              f"{result['p99'] * 1000:>6.0f}ms {result['write_p50'] * 1000:>9.0f}ms {result['write_p99'] * 1000:>9.0f}ms  "
              f"{errors}")
    print("\nfaults: " + "; ".join(fault_log) + f"; /healthz afterwards: {recovered}")
    print("errors in the server's log: " + ("; ".join(f"{count} × {line}" for line, count in logged.most_common(5)) or "none") + "\n")
    checks.append((not results["steady"]["errors"], "the steady phase answered without errors"))
    checks.append((recovered == 200, "the site answers again after the faults"))
    for ok, line in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {line}")
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
