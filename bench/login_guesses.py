"""
Benchmark: of 120 wrong password guesses on one account, how many does the site check? Before and after.

    .venv/bin/python bench/login_guesses.py [--before COMMIT]

The attack the issue describes, on gunicorn with 3 workers (DEBUG=0, a fresh
SQLite database, 127.0.0.1 only): 120 wrong passwords for one account from one
address, with 1,500 distinct anonymous page requests in between (after every
ten guesses, 125 pages ``/?mode=junk1&mode=apparatus``, ``junk2``…) to churn a per-process cache. A
guess was checked when the answer is the log-in form's "correct username and
password" error (after issue 9, the guess that locks the account is checked too and answered
with the locked-out page: there the count is django-axes' record of checked failures); a
refused one is a 429. "Before" is the site at ``--before``
(default: the commit before issue 9's work), from git; "after" is this tree.
Not a test: figures vary with the machine.
"""

import argparse
from collections import Counter

from bench.site import ROOT, Browser, earlier_tree, form_error, served

BEFORE = "6cb437d"  # main before issue 9: log-ins limited per IP in each process's own cache
GUESSES = 120
JUNK_PAGES = 1_500


CHECKED_FAILURES = "from axes.models import AccessFailureLog; print(AccessFailureLog.objects.filter(username='victim').count())"


def attack(server):
    """The checked guesses, the answers' statuses, and whether the right password then gets in."""
    base = server.base
    statuses, checked, junk = Counter(), 0, 0
    attacker = Browser(base)
    attacker.request("/accounts/login/")
    for guess in range(GUESSES):
        status, html, _ = attacker.request("/accounts/login/", {"username": "victim", "password": f"guess-{guess}"})
        statuses[status] += 1
        checked += status == 200 and form_error(html)
        if guess % 10 == 9:
            for _ in range(JUNK_PAGES * 10 // GUESSES):
                junk += 1
                Browser(base).request(f"/?mode=junk{junk}&mode=apparatus")
    owner_status, _, _ = Browser(base).log_in("victim")
    recorded = server.shell(CHECKED_FAILURES)  # None before django-axes
    return (int(recorded) if recorded else checked), statuses, owner_status


def report(label, result):
    if result is None:
        print(f"{label:7} (not available: git or the commit is missing)")
        return
    checked, statuses, owner_status = result
    answers = ", ".join(f"{count} × {status}" for status, count in sorted(statuses.items()))
    print(f"{label:7} {checked:3} of {GUESSES} guesses checked   answers: {answers}   "
          f"the owner's right password just after: {owner_status}")


def main():
    parser = argparse.ArgumentParser(description="Password guesses checked, before and after.")
    parser.add_argument("--before", default=BEFORE)
    options = parser.parse_args()
    print(f"{GUESSES} wrong passwords for one account from one address, {JUNK_PAGES:,} distinct pages in between; "
          "gunicorn, 3 workers\n")
    with earlier_tree(options.before) as tree:
        if tree is None:
            before = None
        else:
            with served(tree, users=["victim"]) as server:
                before = attack(server)
    with served(ROOT, users=["victim"]) as server:
        after = attack(server)
    report("before", before)
    report("after", after)


if __name__ == "__main__":
    main()
