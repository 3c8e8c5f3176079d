"""Draw every analysis' thumbnail ahead of time (they are otherwise drawn on first request)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.charts.thumbnails import thumbnails_render_all


class Command(BaseCommand):
    help = "Draw the wizard's thumbnail of every analysis, in every language, into MEDIA_ROOT/thumbnails/."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Draw them again even when they exist.")

    def handle(self, *args, force: bool = False, **options):
        paths = thumbnails_render_all(force=force)
        self.stdout.write(f"{len(paths)} thumbnails in {paths[0].parent if paths else '-'}")
