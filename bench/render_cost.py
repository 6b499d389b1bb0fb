"""
What rendering the edition costs in one process (run by bench/edition_bench.py against its database).

    python -m bench.render_cost [--decisions 5]        (DJANGO_SETTINGS_MODULE and DATABASE_URL set)

Prints one JSON object of medians, in seconds, of whole anonymous-page requests
through Django's test client (no network):

* ``cold``: with every cache emptied (each note's Markdown already converted in
  this process, as after the first render): every passage rendered, as every
  render was before passages were cached;
* ``after_decision``: after a moderator accepts one pending note (a new one each
  time), with the passages of the previous render kept: the decision's passage
  is rendered, the others renumbered;
* ``signed_in``: a contributor's page (``--session``), their passages cached.
"""

import argparse
import json
import statistics
import time


def timed(client, **headers):
    started = time.perf_counter()
    response = client.get("/", headers=headers)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    return elapsed


def main():
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.cache import caches
    from django.test import Client

    from annotations import edition, moderation
    from annotations.models import Annotation, Essay, Paragraph, Status
    from annotations.text import selectors_for

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--decisions", type=int, default=5)
    parser.add_argument("--session", default="")
    options = parser.parse_args()
    client = Client(SERVER_NAME="127.0.0.1")

    def clear():
        for store in caches.all():
            store.clear()
        edition.recent_forget()

    timed(client)  # templates compiled, Markdown converted once in this process
    cold = []
    for _ in range(3):
        clear()
        cold.append(timed(client))
    figures = {"cold": statistics.median(cold)}

    essay = Essay.objects.get()
    paragraphs = list(Paragraph.objects.filter(section__essay=essay))
    if options.decisions and Annotation.objects.published().exists():
        moderator = User.objects.create_user("bench-moderator", is_staff=True)
        after = []
        for number in range(options.decisions):
            paragraph = paragraphs[(number * 37) % len(paragraphs)]
            anchor = selectors_for(paragraph.text, 0, len(paragraph.text.split()[0]))
            note = Annotation.objects.create(
                paragraph=paragraph, start=anchor.start, end=anchor.end, exact=anchor.exact, prefix=anchor.prefix,
                suffix=anchor.suffix, body=f"Accepted during the benchmark ({number}).", status=Status.PENDING,
            )
            timed(client)  # the page of the revision before the decision, its passages kept
            moderation.item_approve(note, moderator=moderator)
            after.append(timed(client))
        figures["after_decision"] = statistics.median(after)
    if options.session:
        client.cookies["sessionid"] = options.session
        timed(client)
        figures["signed_in"] = statistics.median(timed(client) for _ in range(5))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
