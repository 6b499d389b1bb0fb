from django.core.management.base import BaseCommand

from annotations import moderation, notifications
from annotations.models import Annotation, Correction, Source


class Command(BaseCommand):
    help = "Email the moderators (Moderators group, with an email address) a digest of pending items."

    def add_arguments(self, parser):
        parser.add_argument("--oldest", type=int, default=5, help="How many of the oldest items to list per queue.")

    def handle(self, *args, oldest, **options):
        counts = moderation.queue_counts()
        # Items orphaned by a text repair wait for a moderator too (to re-attach or retire).
        if not (counts["notes"] or counts["corrections"] or counts["sources"] or counts["orphaned"]):
            self.stdout.write("Nothing is waiting for review; no digest sent.")
            return
        queues = {"notes": Annotation, "corrections": Correction, "sources": Source}
        oldest_items = {
            name: list(model.objects.pending().select_related("submitted_by").order_by("submitted_at", "pk")[:oldest])
            for name, model in queues.items()
        }
        sent = notifications.digest_send(counts=counts, oldest=oldest_items)
        self.stdout.write(f"Digest sent to {sent} moderator{'s' if sent != 1 else ''}.")
