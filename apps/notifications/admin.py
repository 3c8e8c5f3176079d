from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "kind", "level", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind", "level"]
    search_fields = ["title", "user__username"]
    raw_id_fields = ["user"]
