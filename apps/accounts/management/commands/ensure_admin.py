"""Make sure an administrator account exists, without ever using a fixed password.

On the first run it creates `admin` (or --username) with a random password, prints it once and
keeps it in var/admin-password.txt (readable only by you). Later runs say how to log in.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create an administrator with a random password if there is none."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options):
        users = get_user_model()
        password_file = Path(settings.BASE_DIR) / "var" / "admin-password.txt"
        if users.objects.filter(is_superuser=True).exists():
            hint = f" (first password kept in {password_file})" if password_file.exists() else ""
            self.stdout.write(
                f"Administrator account exists{hint}. Reset a password with: "
                f".venv/bin/python manage.py changepassword {username}"
            )
            return
        password = secrets.token_urlsafe(12)
        users.objects.create_superuser(username=username, email="", password=password)
        password_file.parent.mkdir(parents=True, exist_ok=True)
        password_file.write_text(f"{username}\n{password}\n")
        password_file.chmod(0o600)
        self.stdout.write(self.style.SUCCESS(f"Created administrator '{username}' with password: {password}"))
        self.stdout.write(
            f"(also saved in {password_file}; change it with manage.py changepassword {username})"
        )
