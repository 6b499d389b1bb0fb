"""
Seed an essay with many published notes and accepted corrections (for the benchmark and the query-count tests).

    python -m bench.seed --notes 1000 --corrections 100     (against the configured database)

Spans are words or runs of words of the essay's paragraphs, chosen by a seeded
random generator: notes may nest and overlap each other and cross corrected
words; corrections never overlap each other. A fifth of the sources are cited
from notes with page locators.
"""

import argparse
import random
import re

WORD = re.compile(r"\w+")


def _words(text):
    return [(match.start(), match.end()) for match in WORD.finditer(text)]


def seed_apparatus(essay, *, notes, corrections, seed=1922):
    """Add ``notes`` published notes and ``corrections`` accepted corrections to ``essay``."""
    # Imported here so that ``python -m bench.seed`` can set Django up first.
    from annotations.models import Annotation, Citation, Correction, Essay, Paragraph, Source, Status
    from annotations.text import selectors_for

    rng = random.Random(seed)
    paragraphs = [p for p in Paragraph.objects.filter(section__essay=essay) if len(_words(p.text)) >= 4]
    sources = Source.objects.bulk_create(
        Source(authors=f"Historian, Author {n}", title=f"A study of Soviet diplomacy, part {n}", publisher="A Press",
               place="London", year=1960 + n, status=Status.ACCEPTED)
        for n in range(20)
    )

    taken = {p.pk: set() for p in paragraphs}  # starts of words already corrected: corrections never overlap
    for paragraph_id, start in Correction.objects.values_list("paragraph_id", "start"):
        taken.setdefault(paragraph_id, set()).add(start)
    new_corrections = []
    while len(new_corrections) < corrections:
        paragraph = rng.choice(paragraphs)
        words = _words(paragraph.text)
        start, end = rng.choice(words)
        if start in taken[paragraph.pk]:
            continue
        taken[paragraph.pk].add(start)
        anchor = selectors_for(paragraph.text, start, end)
        new_corrections.append(Correction(
            paragraph=paragraph, start=start, end=end, exact=anchor.exact, prefix=anchor.prefix, suffix=anchor.suffix,
            category=rng.choice(list(Correction.Category)), replacement=f"{anchor.exact} (corrected)",
            rationale="The **sources** agree on another reading.", status=Status.ACCEPTED, credit="The editors",
        ))
    Correction.objects.bulk_create(new_corrections)

    new_notes = []
    for number in range(notes):
        paragraph = rng.choice(paragraphs)
        words = _words(paragraph.text)
        first = rng.randrange(len(words))
        last = min(len(words) - 1, first + rng.randrange(4))
        start, end = words[first][0], words[last][1]
        anchor = selectors_for(paragraph.text, start, end)
        new_notes.append(Annotation(
            paragraph=paragraph, start=start, end=end, exact=anchor.exact, prefix=anchor.prefix, suffix=anchor.suffix,
            kind=rng.choice(list(Annotation.Kind)), body=f"Note {number}: *context* for this passage & its claims.",
            status=Status.ACCEPTED, credit="The editors",
        ))
    new_notes = Annotation.objects.bulk_create(new_notes)
    Citation.objects.bulk_create(
        Citation(source=rng.choice(sources), annotation=note, locator=f"p. {rng.randint(1, 400)}", status=Status.ACCEPTED)
        for note in new_notes[::5]
    )
    Essay.revision_bump()


def seed_contributor(essay, *, pending=5, username="bench-contributor"):
    """A contributor with ``pending`` notes awaiting review, each in its own paragraph; returns a session key."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    from annotations.models import Annotation, Paragraph, Status
    from annotations.text import selectors_for

    user = User.objects.create_user(username, password=None)
    paragraphs = [p for p in Paragraph.objects.filter(section__essay=essay) if len(_words(p.text)) >= 4]
    step = max(1, len(paragraphs) // pending)
    for number, paragraph in enumerate(paragraphs[::step][:pending]):
        start, end = _words(paragraph.text)[1]
        anchor = selectors_for(paragraph.text, start, end)
        Annotation.objects.create(
            paragraph=paragraph, start=start, end=end, exact=anchor.exact, prefix=anchor.prefix, suffix=anchor.suffix,
            body=f"My pending note {number}.", status=Status.PENDING, submitted_by=user,
        )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def seed_pending(model, count, *, contributor=None, cited=True):
    """``count`` pending notes or corrections on distinct words of one new paragraph, in bulk; with ``cited``,
    each cites its own new pending source through a pending citation (a class of contributors at work)."""
    from annotations.models import Annotation, Citation, Correction, Essay, Paragraph, Section, Source, Status
    from annotations.text import selectors_for

    essay = Essay.objects.first() or Essay.objects.create(title="A test essay", slug="a-test-essay")
    section = essay.sections.first() or Section.objects.create(essay=essay, position=1, heading="Pending",
                                                                 slug="pending")
    text = " ".join(f"word{index}" for index in range(count)) + "."
    position = (section.paragraphs.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    taken = set(Paragraph.objects.values_list("anchor", flat=True))
    paragraph = Paragraph.objects.create(section=section, position=position, text=text,
                                         anchor=Paragraph.anchor_for(essay.slug, f"{text}{position}", taken))
    rows = []
    for index, match in enumerate(WORD.finditer(text)):
        anchor = selectors_for(text, match.start(), match.end())
        fields = dict(paragraph=paragraph, start=match.start(), end=match.end(), exact=anchor.exact,
                      prefix=anchor.prefix, suffix=anchor.suffix, status=Status.PENDING, submitted_by=contributor)
        if model is Annotation:
            rows.append(Annotation(kind=Annotation.Kind.COMMENT, body=f"Note {index}.", **fields))
        else:
            rows.append(Correction(category=Correction.Category.DATE, replacement=f"{anchor.exact} (fixed)",
                                   rationale=f"Reason {index}.", **fields))
    items = model.objects.bulk_create(rows)
    if cited:
        sources = Source.objects.bulk_create(
            Source(title=f"Source {model.__name__} {position}.{index}", status=Status.PENDING, submitted_by=contributor)
            for index in range(count)
        )
        owner = "annotation" if model is Annotation else "correction"
        Citation.objects.bulk_create(
            Citation(source=source, status=Status.PENDING, submitted_by=contributor, **{owner: item})
            for item, source in zip(items, sources)
        )
    return list(model.objects.filter(pk__in=[item.pk for item in items]).order_by("pk"))


def main():
    import django

    django.setup()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--corrections", type=int, default=100)
    parser.add_argument("--contributor-pending", type=int, default=0,
                        help="also make a contributor with this many pending notes and print their session key")
    options = parser.parse_args()
    from annotations.models import Essay

    essay = Essay.objects.get()
    seed_apparatus(essay, notes=options.notes, corrections=options.corrections)
    print(f"Seeded {options.notes} notes and {options.corrections} corrections.")
    if options.contributor_pending:
        print(f"session {seed_contributor(essay, pending=options.contributor_pending)}")


if __name__ == "__main__":
    main()
